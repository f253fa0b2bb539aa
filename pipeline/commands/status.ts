import type { Config } from '../config.ts';
import { configuredDestinations } from '../connectors/scorecards/destinations.ts';
import { latestNodeRuns, olderCodeLine, olderCodeWeeks } from '../engine/ledger.ts';
import type { NodeRunRow } from '../engine/ledger.ts';
import { kpiCodeHashes, loadProject } from '../project/project.ts';
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
  const codeNow = await kpiCodeHashes(project);
  const { rows, older } = await withWarehouse(
    config,
    async (warehouse) => ({ rows: await latestNodeRuns(warehouse.db), older: await olderCodeWeeks(warehouse.db, codeNow) }),
    () => ({ rows: [], older: [] }),
  );
  const ran: NodeStatus[] = rows.map((row) => ({ ...nodeRunReport(row, project, config.timeZone), removed: !inProject(row, project, config) }));
  const keyOf = (status: NodeStatus) => `${status.node} ${status.destination ?? ''}`;
  const seen = new Set(ran.map(keyOf));
  const statuses = [...ran, ...neverRun(project, config).filter((status) => !seen.has(keyOf(status)))].sort(
    (a, b) => a.node.localeCompare(b.node) || (a.destination ?? '').localeCompare(b.destination ?? ''),
  );
  const current = statuses.filter((status) => !status.removed);
  const removed = statuses.filter((status) => status.removed);
  if (flags.json) return writeJson(flags.all ? statuses : current);
  const lines = [formatNodeRuns(current, 'status')];
  if (removed.length > 0) {
    lines.push(
      '',
      flags.all
        ? `No longer in the project (their files or publish destinations are gone):\n${formatNodeRuns(removed, 'status')}`
        : `(${removed.length} no longer in the project: --all lists them)`,
    );
  }
  if (older.length > 0) lines.push('', 'Stored weeks computed by older code than the KPI has now:', ...older.map((entry) => `  ${olderCodeLine(entry)}`));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A line for each node of the project (each destination of a publish) as if it had never run: `status` lists those the ledger has nothing of. */
function neverRun(project: Project, config: Config): NodeStatus[] {
  return project.graph.nodes().flatMap((id) => {
    const node = project.graph.getNodeAttributes(id);
    const destinations = node.kind === 'publish' ? configuredDestinations(config, node.declaration.domain) : [null];
    return destinations.map((destination) => ({
      runId: '',
      task: id,
      node: id,
      destination,
      week: null,
      status: 'never run',
      value: null,
      display: '',
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      reason: null,
      error: null,
      removed: false,
    }));
  });
}

/** Whether a node-run belongs to the current project: its node still declared, and a publish's destination still configured. */
function inProject(row: NodeRunRow, project: Project, config: Config): boolean {
  if (!project.graph.hasNode(row.node_id)) return false;
  const node = project.graph.getNodeAttributes(row.node_id);
  return node.kind !== 'publish' || configuredDestinations(config, node.declaration.domain).some((destination) => destination === row.destination);
}
