import { resolve } from 'node:path';
import type { PipelineNode } from '../../graph/build.ts';
import type { Unit } from '../../graph/declare.ts';
import { tagsOf } from '../../graph/select.ts';
import { configuredDestinations } from '../connectors/scorecards/destinations.ts';
import type { Destination } from '../connectors/scorecards/destinations.ts';
import { loadProject } from '../project/project.ts';
import { selectFrom, withTargets } from '../project/selection.ts';
import { displayPath } from '../reports/summary.ts';
import { readConfig, selectionState, writeJson } from './context.ts';
import { RESOURCE_TYPES, nodesDirOf } from './options.ts';
import type { LsOutput, NodeSelectionFlags, ResourceType } from './options.ts';

/**
 * A node as `ls --output json` lists it. Every field is present on every node (null where it
 * does not apply); the names are a contract documented in the README: add fields, never rename.
 */
export interface ListedNode {
  readonly id: string;
  readonly kind: ResourceType;
  readonly domain: string | null;
  readonly number: number | null;
  /** A KPI's or a model's name, a publish's scorecard name, a table's `schema.table`, a sheet source's name. */
  readonly name: string;
  readonly unit: Unit | null;
  /** The node's file, relative to the working directory; null for tables and sheets. */
  readonly file: string | null;
  /** The ids of the nodes it reads, sorted. */
  readonly inputs: readonly string[];
  /** A publish's destinations by the configuration (a run without Google credentials writes the workbook only). */
  readonly destinations: readonly Destination[] | null;
  /** The tags a KPI, model or publish declares (`tag:` selects by them); null for tables and sheets. */
  readonly tags: readonly string[] | null;
}

/**
 * `ls`: the nodes a selection matches, like `dbt ls`, from the declarations alone (the
 * warehouse is never opened): their ids, their files (`--output path`) or all of it as JSON.
 */
export async function lsCommand(flags: NodeSelectionFlags & { resourceType: ResourceType[]; output: LsOutput }): Promise<void> {
  const config = await readConfig(flags);
  const project = await loadProject(config, nodesDirOf(flags));
  const kinds = new Set<string>(flags.resourceType.length > 0 ? flags.resourceType : RESOURCE_TYPES);
  const select = withTargets(flags.select, flags.target);
  // The warehouse is opened only for `state:` and `result:` selectors.
  const state = await selectionState(config, project, [...select, ...flags.exclude], flags.state);
  const nodes = [...selectFrom(project, { select, exclude: flags.exclude, ...(state ? { state } : {}) })]
    .sort()
    .map((id) => project.graph.getNodeAttributes(id))
    .filter((node) => kinds.has(node.kind));
  const fileOf = (node: PipelineNode) => ('file' in node ? displayPath(resolve(config.paths.root, node.file)) : null);
  switch (flags.output) {
    case 'json':
      return writeJson(
        nodes.map((node): ListedNode => ({
          id: node.id,
          kind: node.kind,
          domain: node.kind === 'kpi' || node.kind === 'publish' || node.kind === 'model' ? node.declaration.domain : null,
          number: node.kind === 'kpi' ? node.declaration.number : null,
          name:
            node.kind === 'kpi' || node.kind === 'model'
              ? node.declaration.name
              : node.kind === 'publish'
                ? node.declaration.scorecard
                : node.kind === 'table'
                  ? node.table
                  : node.source,
          unit: node.kind === 'kpi' ? node.declaration.unit : null,
          file: fileOf(node),
          inputs: project.graph.inNeighbors(node.id).sort(),
          destinations: node.kind === 'publish' ? configuredDestinations(config, node.declaration.domain) : null,
          tags: node.kind === 'table' || node.kind === 'sheet' ? null : tagsOf(node),
        })),
      );
    case 'path':
      return write(nodes.flatMap((node) => fileOf(node) ?? []));
    case 'text':
      // Tags after the id, without spaces, so `awk '{print $1}'` still gives the ids.
      return write(nodes.map((node) => (tagsOf(node).length > 0 ? `${node.id} [${tagsOf(node).join(',')}]` : node.id)));
  }
}

/** One line each; nothing at all for an empty list, so `| xargs` and `| wc -l` see no blank line. */
function write(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}
