import { buildGraph, nodesOf } from '../../graph/build.ts';
import type { PipelineGraph } from '../../graph/build.ts';
import type { KpiDeclaration, PublishDeclaration } from '../../graph/declare.ts';
import type { Config } from '../config.ts';
import { CodeHasher } from '../engine/fingerprint.ts';
import { loadDeclarations } from './loader.ts';

/** The validated graph of a nodes folder. */
export interface Project {
  readonly graph: PipelineGraph;
  readonly domains: readonly string[];
  /** The node files' code hashes, computed once while loading and reused by the run's fingerprints. */
  readonly code: CodeHasher;
  /** The folder node files are relative to (the configuration's root). */
  readonly root: string;
}

export async function loadProject(config: Config, nodesDir: string = config.paths.nodes): Promise<Project> {
  // Loading compiles the node files and hashes their code: an import that cannot be resolved is
  // a declaration error before anything runs, not a failure in the middle of a run.
  const code = new CodeHasher(config.paths.root);
  const loaded = await loadDeclarations(nodesDir, config.paths.root, code);
  const graph = buildGraph(loaded, { sheetSources: new Set(Object.keys(config.sheets)) });
  const domains = [...new Set(nodesOf(graph).flatMap((node) => (node.kind === 'kpi' || node.kind === 'publish' ? [node.declaration.domain] : [])))].sort();
  return { graph, domains, code, root: config.paths.root };
}

/** Each KPI among `ids` (every KPI by default) with the hash of its code now: node id → hash. */
export async function kpiCodeHashes(project: Project, ids: Iterable<string> = project.graph.nodes()): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const id of ids) {
    const node = project.graph.getNodeAttributes(id);
    if (node.kind === 'kpi') hashes.set(id, await project.code.hash(node.file));
  }
  return hashes;
}

/** The KPIs of a domain, by number. */
export function domainKpis(graph: PipelineGraph, domain: string): { id: string; file: string; declaration: KpiDeclaration }[] {
  return nodesOf(graph)
    .flatMap((node) => (node.kind === 'kpi' && node.declaration.domain === domain ? [node] : []))
    .sort((a, b) => a.declaration.number - b.declaration.number);
}

/** The scorecard name of a domain without a publish declaration, and the one `new` proposes: `success` → `Success`. */
export function defaultScorecardName(domain: string): string {
  return domain.charAt(0).toUpperCase() + domain.slice(1);
}

export function publishOf(graph: PipelineGraph, domain: string): PublishDeclaration | undefined {
  for (const node of nodesOf(graph)) if (node.kind === 'publish' && node.declaration.domain === domain) return node.declaration;
  return undefined;
}
