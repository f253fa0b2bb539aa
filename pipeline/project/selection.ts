import { relative, resolve, sep } from 'node:path';
import { selectNodes } from '../../graph/select.ts';
import type { SelectionState } from '../../graph/select.ts';
import type { Project } from './project.ts';

/** `--target X` means `+X`: the node and everything it needs (each selector of a space-separated list). */
export function withTargets(select: readonly string[], targets: readonly string[]): string[] {
  return [...select, ...targets.flatMap((target) => target.trim().split(/\s+/)).map((target) => (target.startsWith('+') ? target : `+${target}`))];
}

export interface NodeSelection {
  readonly select: readonly string[];
  readonly exclude: readonly string[];
  /** What `state:` and `result:` selectors match, read from the ledger (see pipeline/engine/selection-state.ts). */
  readonly state?: SelectionState;
}

/** The selected node ids; every node when nothing is selected. Throws SelectorError before anything opens. */
export function selectFrom(project: Project, selection: NodeSelection): Set<string> {
  if (selection.select.length === 0 && selection.exclude.length === 0) return new Set(project.graph.nodes());
  return selectNodes(project.graph, selection.select.length === 0 ? ['*'] : selection.select, selection.exclude, {
    // `path:` is relative to the working directory, as a shell completes it.
    pathOf: (file) => relative(process.cwd(), resolve(project.root, file)).split(sep).join('/'),
    ...(selection.state ? { state: selection.state } : {}),
  });
}
