import dagre from '@dagrejs/dagre';
import type { Edge, Point } from '@dagrejs/dagre';
import type { Status } from '../../../graph/targets.ts';
import { Html, escapeHtml } from './html.ts';

/** A node as the graph drawing shows it. */
export interface DrawnNode {
  readonly id: string;
  readonly kind: 'kpi' | 'model' | 'publish' | 'table' | 'sheet';
  /** The second line: a KPI's name, a publish's scorecard. */
  readonly caption: string;
  /** Relative to the page that shows the drawing. */
  readonly href: string;
  /** A KPI's latest status. */
  readonly status?: Status;
}

const CHARACTER_WIDTH = 7;
const NODE_HEIGHT = 38;
const PADDING = 12;
const MAX_CAPTION = 34;

/**
 * The graph laid out left to right by dagre, at build time, as an SVG whose nodes link to their
 * pages: nothing to run in the browser. `focus` is drawn as the node the page is about.
 */
export function graphSvg(nodes: readonly DrawnNode[], edges: readonly { readonly from: string; readonly to: string }[], focus?: string): Html {
  const layout = new dagre.graphlib.Graph();
  layout.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 56, marginx: 8, marginy: 8 });
  layout.setDefaultEdgeLabel(() => ({}));
  const captionOf = (node: DrawnNode) => (node.caption.length > MAX_CAPTION ? `${node.caption.slice(0, MAX_CAPTION - 1)}…` : node.caption);
  for (const node of nodes) {
    const width = Math.max(node.id.length, captionOf(node).length) * CHARACTER_WIDTH + 2 * PADDING;
    layout.setNode(node.id, { width, height: NODE_HEIGHT });
  }
  const ids = new Set(nodes.map((node) => node.id));
  for (const edge of edges) if (ids.has(edge.from) && ids.has(edge.to)) layout.setEdge(edge.from, edge.to);
  dagre.layout(layout);

  const { width = 0, height = 0 } = layout.graph();
  const paths = layout.edges().map((edge: Edge) => {
    const points = layout.edge(edge).points.map((point: Point) => `${point.x.toFixed(1)},${point.y.toFixed(1)}`);
    return `<path class="edge" d="M${points.join(' L')}" marker-end="url(#arrow)"/>`;
  });
  const boxes = nodes.map((node) => {
    const { x, y, width: boxWidth } = layout.node(node.id);
    const left = x - boxWidth / 2;
    const classes = ['node', `kind-${node.kind}`, node.status ? `status-${node.status}` : '', node.id === focus ? 'focus' : ''].filter(Boolean).join(' ');
    return (
      `<a href="${escapeHtml(node.href)}" class="${classes}" data-node="${escapeHtml(node.id)}">` +
      `<title>${escapeHtml(node.caption ? `${node.id}: ${node.caption}` : node.id)}</title>` +
      `<rect x="${left.toFixed(1)}" y="${(y - NODE_HEIGHT / 2).toFixed(1)}" width="${boxWidth.toFixed(1)}" height="${NODE_HEIGHT}" rx="6"/>` +
      `<text x="${(left + PADDING).toFixed(1)}" y="${(y - 3).toFixed(1)}" class="id">${escapeHtml(node.id)}</text>` +
      `<text x="${(left + PADDING).toFixed(1)}" y="${(y + 12).toFixed(1)}" class="caption">${escapeHtml(captionOf(node))}</text>` +
      `</a>`
    );
  });
  return new Html(
    `<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" width="${Math.ceil(width)}" height="${Math.ceil(height)}" data-node-count="${nodes.length}" role="img" aria-label="dependency graph">` +
      `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
      paths.join('') +
      boxes.join('') +
      `</svg>`,
  );
}
