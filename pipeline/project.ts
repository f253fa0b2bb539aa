import { buildGraph, nodesOf } from '../graph/build.ts';
import type { PipelineGraph } from '../graph/build.ts';
import type { KpiDeclaration, PublishDeclaration } from '../graph/declare.ts';
import { DefinitionError } from '../graph/errors.ts';
import type { Problem } from '../graph/errors.ts';
import type { Config } from './config.ts';
import { CodeHasher } from './fingerprint.ts';
import { loadDeclarations } from './loader.ts';

/** The validated graph of a nodes folder. */
export interface Project {
  readonly graph: PipelineGraph;
  readonly domains: readonly string[];
  /** The node files' code hashes, computed once while loading and reused by the run's fingerprints. */
  readonly code: CodeHasher;
}

export async function loadProject(config: Config, nodesDir: string = config.paths.nodes): Promise<Project> {
  const loaded = await loadDeclarations(nodesDir, config.paths.root);
  const graph = buildGraph(loaded, { sheetSources: new Set(Object.keys(config.sheets)) });
  const code = new CodeHasher(config.paths.root);
  await checkImports(graph, code);
  const domains = [...new Set(nodesOf(graph).flatMap((node) => (node.kind === 'kpi' || node.kind === 'publish' ? [node.declaration.domain] : [])))].sort();
  return { graph, domains, code };
}

/**
 * Follows every node file's imports as its code hash will: one that cannot be resolved is a
 * declaration error before anything runs, not a failure in the middle of a run.
 */
async function checkImports(graph: PipelineGraph, code: CodeHasher): Promise<void> {
  const results = await Promise.allSettled(nodesOf(graph).flatMap((node) => ('file' in node ? [code.hash(node.file)] : [])));
  const problems: Problem[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    if (!(result.reason instanceof DefinitionError)) throw result.reason;
    problems.push(...result.reason.problems);
  }
  if (problems.length > 0) throw new DefinitionError(problems);
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
