import type { PipelineGraph } from './build.ts';
import { SelectorError } from './errors.ts';
import { closestMatches } from './text.ts';

/**
 * dbt's graph operators: `x`, `+x` (and ancestors), `x+` (and descendants), `2+x` / `x+1`
 * (bounded depth), `@x` (x, its descendants and all their ancestors), globs such as
 * `success.*`. Several selectors are a union; `exclude` subtracts.
 */
export interface Selector {
  readonly text: string;
  readonly pattern: string;
  readonly at: boolean;
  /** Ancestor depth: undefined = none, Infinity = all. */
  readonly up?: number;
  readonly down?: number;
}

const SELECTOR = /^(@)?(?:(\d*)\+)?([^+@\s]+?)(?:\+(\d*))?$/;

export function parseSelector(text: string): Selector {
  const trimmed = text.trim();
  const match = SELECTOR.exec(trimmed);
  if (!match || match[3] === undefined) {
    throw new SelectorError(
      `bad selector "${text}": expected a node id or pattern with optional graph operators, e.g. success.kpi06, +success.publish, success.kpi06+, 2+success.kpi05, @success.kpi06, success.*`,
    );
  }
  const [, at, up, pattern, down] = match;
  if (/^\d+$/.test(pattern) && down !== undefined) {
    throw new SelectorError(`bad selector "${text}": a depth needs a node, e.g. ${pattern}+success.kpi05`);
  }
  const depth = (digits: string | undefined) => (digits === undefined ? undefined : digits === '' ? Infinity : Number(digits));
  if (at && (up !== undefined || down !== undefined)) {
    throw new SelectorError(`bad selector "${text}": @ cannot be combined with + operators`);
  }
  return { text: trimmed, pattern, at: at !== undefined, up: depth(up), down: depth(down) };
}

/** The node ids selected by the union of `include` minus the union of `exclude`. */
export function selectNodes(graph: PipelineGraph, include: readonly string[], exclude: readonly string[] = []): Set<string> {
  const chosen = new Set<string>();
  for (const text of include) for (const id of resolve(graph, parseSelector(text))) chosen.add(id);
  for (const text of exclude) for (const id of resolve(graph, parseSelector(text))) chosen.delete(id);
  return chosen;
}

function resolve(graph: PipelineGraph, selector: Selector): Set<string> {
  const roots = matchPattern(graph, selector.pattern);
  if (roots.length === 0) {
    const suggestions = closestMatches(selector.pattern, graph.nodes(), 3);
    throw new SelectorError(
      `selector "${selector.text}" matches no node` + (suggestions.length > 0 ? `; did you mean ${suggestions.join(', ')}?` : ''),
    );
  }
  const result = new Set<string>(roots);
  if (selector.at) {
    const descendants = walk(graph, roots, 'out', Infinity);
    for (const id of walk(graph, [...descendants], 'in', Infinity)) result.add(id);
    return result;
  }
  if (selector.up !== undefined) for (const id of walk(graph, roots, 'in', selector.up)) result.add(id);
  if (selector.down !== undefined) for (const id of walk(graph, roots, 'out', selector.down)) result.add(id);
  return result;
}

function matchPattern(graph: PipelineGraph, pattern: string): string[] {
  if (!pattern.includes('*')) return graph.hasNode(pattern) ? [pattern] : [];
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return graph.filterNodes((id) => regex.test(id));
}

/** The roots and every node within `depth` steps of them in one direction. */
function walk(graph: PipelineGraph, roots: readonly string[], direction: 'in' | 'out', depth: number): Set<string> {
  const seen = new Set<string>(roots);
  let frontier = [...roots];
  for (let step = 0; step < depth && frontier.length > 0; step++) {
    const next: string[] = [];
    for (const id of frontier) {
      const neighbours = direction === 'in' ? graph.inNeighbors(id) : graph.outNeighbors(id);
      for (const neighbour of neighbours) {
        if (!seen.has(neighbour)) {
          seen.add(neighbour);
          next.push(neighbour);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
