import type { Config } from '../config.ts';
import { configuredDestinations } from '../connectors/scorecards/destinations.ts';
import { latestNodeRuns } from '../engine/ledger.ts';
import type { NodeRunRow } from '../engine/ledger.ts';
import { loadProject } from '../project/project.ts';
import type { Project } from '../project/project.ts';
import { formatNodeRuns, nodeRunReport } from '../reports/run-reports.ts';
import type { NodeStatus } from '../reports/run-reports.ts';
import { readConfig, writeJson } from './context.ts';
import { nodesDirOf } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';

/**
 * `status`: per node of the project (per destination, for a publish), its latest run: week,
 * status, the value as the scorecard shows it, when, how long and why. Nodes whose files were
 * removed are left out, or listed apart with `--all`.
 */
export async function statusCommand(flags: { config?: string; nodes?: string; all?: boolean; json?: boolean }): Promise<void> {
  const config = await readConfig(flags);
  const project = await loadProject(config, nodesDirOf(flags));
  const rows = await withWarehouse(config, (warehouse) => latestNodeRuns(warehouse.db), () => []);
  const statuses: NodeStatus[] = rows.map((row) => ({ ...nodeRunReport(row, project, config.timeZone), removed: !inProject(row, project, config) }));
  const current = statuses.filter((status) => !status.removed);
  const removed = statuses.filter((status) => status.removed);
  if (flags.json) return writeJson(flags.all ? statuses : current);
  const lines = [current.length === 0 ? 'no node of the project has run yet' : formatNodeRuns(current, 'status')];
  if (removed.length > 0) {
    lines.push(
      '',
      flags.all
        ? `No longer in the project (their files or publish destinations are gone):\n${formatNodeRuns(removed, 'status')}`
        : `(${removed.length} no longer in the project: --all lists them)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Whether a node-run belongs to the current project: its node still declared, and a publish's destination still configured. */
function inProject(row: NodeRunRow, project: Project, config: Config): boolean {
  if (!project.graph.hasNode(row.node_id)) return false;
  const node = project.graph.getNodeAttributes(row.node_id);
  return node.kind !== 'publish' || configuredDestinations(config, node.declaration.domain).some((destination) => destination === row.destination);
}
