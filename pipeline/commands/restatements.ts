import { WeekFormatError } from '../../graph/iso-week.ts';
import { listRestatements } from '../engine/value-history.ts';
import { loadProject } from '../project/project.ts';
import { localTime } from '../reports/run-reports.ts';
import { table } from '../reports/summary.ts';
import { formatValue } from '../units.ts';
import { readConfig } from './context.ts';
import { withWarehouse } from './read-warehouse.ts';

/** `restatements [--since W|date] [--limit n] [--json]`: published values that changed later, newest first. */
export async function restatementsCommand(flags: { config?: string; since?: string; limit: number; json?: boolean }): Promise<void> {
  if (flags.since !== undefined && !/^\d{4}-W\d\d$|^\d{4}-\d\d-\d\d$/.test(flags.since)) {
    throw new WeekFormatError(`--since "${flags.since}" is neither an ISO week (2026-W40) nor a date (2026-10-01)`);
  }
  const config = await readConfig(flags);
  const project = await loadProject(config);
  const rows = (await withWarehouse(config, (warehouse) => listRestatements(warehouse.db, { ...(flags.since ? { since: flags.since } : {}), limit: flags.limit }), () => [])).map((row) => ({
    ...row,
    publishedAt: localTime(row.publishedAt, config.timeZone)!,
    restatedAt: localTime(row.restatedAt, config.timeZone)!,
  }));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('no published value has been restated\n');
    return;
  }
  const unitOf = (nodeId: string) => {
    const node = project.graph.hasNode(nodeId) ? project.graph.getNodeAttributes(nodeId) : undefined;
    return node?.kind === 'kpi' ? node.declaration.unit : 'decimal';
  };
  const lines = table(
    ['node', 'week', 'was', 'now', 'published', 'restated', 'run'],
    rows.map((row) => [row.nodeId, row.week, formatValue(row.previous, unitOf(row.nodeId)), formatValue(row.value, unitOf(row.nodeId)), row.publishedAt, row.restatedAt, row.runId]),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
