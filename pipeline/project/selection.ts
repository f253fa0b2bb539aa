import { selectNodes } from '../../graph/select.ts';
import type { Project } from './project.ts';

/** `--target X` means `+X`: the node and everything it needs. */
export function withTargets(select: readonly string[], targets: readonly string[]): string[] {
  return [...select, ...targets.map((target) => (target.startsWith('+') ? target : `+${target}`))];
}

/** The selected node ids; every node when nothing is selected. Throws SelectorError before anything opens. */
export function selectFrom(project: Project, selection: { readonly select: readonly string[]; readonly exclude: readonly string[] }): Set<string> {
  if (selection.select.length === 0 && selection.exclude.length === 0) return new Set(project.graph.nodes());
  return selectNodes(project.graph, selection.select.length === 0 ? ['*'] : selection.select, selection.exclude);
}
