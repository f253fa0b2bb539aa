import { existsSync } from 'node:fs';
import { startOfWeekOrDay } from '../dates.ts';
import { logFileOf } from '../engine/run-log.ts';
import { nodeHistory, runHistory } from '../ledger.ts';
import type { HistoryWindow } from '../ledger.ts';
import { loadProject } from '../project.ts';
import { formatNodeRuns, formatRuns, nodeRunReport, runReport } from '../reports.ts';
import { displayPath } from '../summary.ts';
import { readConfig, writeJson } from './context.ts';
import { nodesDirOf } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';

export interface HistoryFlags {
  config?: string;
  nodes?: string;
  node?: string;
  limit: number;
  /** A week (`2026-W30`) or a day (`2026-07-20`): runs started from its first local midnight on. */
  since?: string;
  json?: boolean;
}

/** `history`: past runs, newest first; with --node, the runs of one node. */
export async function historyCommand(flags: HistoryFlags): Promise<void> {
  const config = await readConfig(flags);
  const window: HistoryWindow = { limit: flags.limit, ...(flags.since === undefined ? {} : { since: startOfWeekOrDay(flags.since, config.timeZone).toString() }) };
  if (flags.node === undefined) {
    const runs = await withWarehouse(config, async (warehouse) =>
      (await runHistory(warehouse.db, window)).map((row) => {
        const log = logFileOf(config, row.run_id);
        return runReport(row, existsSync(log) ? displayPath(log) : null, config.timeZone);
      }),
    );
    if (flags.json) return writeJson(runs);
    process.stdout.write(`${runs.length === 0 ? 'no run yet' : formatRuns(runs)}\n`);
    return;
  }
  const node = flags.node;
  const project = await loadProject(config, nodesDirOf(flags));
  const nodeRuns = (await withWarehouse(config, (warehouse) => nodeHistory(warehouse.db, node, window))).map((row) => nodeRunReport(row, project, config.timeZone));
  if (flags.json) return writeJson(nodeRuns);
  process.stdout.write(`${nodeRuns.length === 0 ? `${node} has no run yet` : formatNodeRuns(nodeRuns, 'history')}\n`);
}
