import { existsSync } from 'node:fs';
import { startOfWeekOrDay } from '../dates.ts';
import { logFileOf } from '../engine/run-log.ts';
import { nodeHistory, runHistory } from '../engine/ledger.ts';
import type { HistoryWindow } from '../engine/ledger.ts';
import { loadProject } from '../project/project.ts';
import { formatNodeRuns, formatRuns, nodeRunReport, runReport } from '../reports/run-reports.ts';
import { displayPath } from '../reports/summary.ts';
import { readConfig, writeJson } from './context.ts';
import { nodesDirOf } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';
import { printValueHistory } from './value-history.ts';
import { SelectorError } from '../../graph/errors.ts';

export interface HistoryFlags {
  config?: string;
  nodes?: string;
  node?: string;
  /** With a KPI: every value of that week (see value-history.ts). */
  week?: string;
  limit: number;
  /** A week (`2026-W30`) or a day (`2026-07-20`): runs started from its first local midnight on. */
  since?: string;
  json?: boolean;
}

/** `history`: past runs, newest first; with a node, the runs of one node; `history <kpi> --week W`, every value of a KPI-week. */
export async function historyCommand(nodeArgument: string | undefined, options: HistoryFlags): Promise<void> {
  const flags = nodeArgument === undefined ? options : { ...options, node: nodeArgument };
  const config = await readConfig(flags);
  if (flags.week !== undefined) {
    if (flags.node === undefined) throw new SelectorError('history --week needs the KPI: history success.kpi06 --week 2026-W10');
    return printValueHistory(config, flags.node, flags.week, flags.json === true);
  }
  const window: HistoryWindow = { limit: flags.limit, ...(flags.since === undefined ? {} : { since: startOfWeekOrDay(flags.since, config.timeZone).toString() }) };
  if (flags.node === undefined) {
    const runs = await withWarehouse(config, async (warehouse) =>
      (await runHistory(warehouse.db, window)).map((row) => {
        const log = logFileOf(config, row.run_id);
        return runReport(row, existsSync(log) ? displayPath(log) : null, config.timeZone);
      }),
      () => [],
    );
    if (flags.json) return writeJson(runs);
    process.stdout.write(`${runs.length === 0 ? 'no run yet' : formatRuns(runs)}\n`);
    return;
  }
  const node = flags.node;
  const project = await loadProject(config, nodesDirOf(flags));
  const nodeRuns = (await withWarehouse(config, (warehouse) => nodeHistory(warehouse.db, node, window), () => [])).map((row) => nodeRunReport(row, project, config.timeZone));
  if (flags.json) return writeJson(nodeRuns);
  process.stdout.write(`${nodeRuns.length === 0 ? `${node} has no run yet` : formatNodeRuns(nodeRuns, 'history')}\n`);
}
