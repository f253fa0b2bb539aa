import { existsSync } from 'node:fs';
import { logFileOf } from '../engine/run-log.ts';
import { nodeHistory, runHistory } from '../ledger.ts';
import { formatNodeRuns, formatRuns } from '../reports.ts';
import { displayPath } from '../summary.ts';
import { readConfig, withWarehouse } from './context.ts';
import { printValueHistory } from './value-history.ts';
import { SelectorError } from '../../graph/errors.ts';

/** `history`: past runs, newest first; with --node, the runs of one node; `history <node> --week W`, every value of a KPI-week. */
export async function historyCommand(nodeArgument: string | undefined, flags: { config?: string; node?: string; week?: string; limit: number; json?: boolean }): Promise<void> {
  const config = await readConfig(flags);
  if (flags.week !== undefined) {
    const nodeId = nodeArgument ?? flags.node;
    if (nodeId === undefined) throw new SelectorError('history --week needs the KPI: history success.kpi06 --week 2026-W10');
    return printValueHistory(config, nodeId, flags.week, flags.json === true);
  }
  flags = { ...flags, ...(nodeArgument !== undefined ? { node: nodeArgument } : {}) };
  const text = await withWarehouse(config, async (warehouse) =>
    flags.node === undefined
      ? formatRuns(
          (await runHistory(warehouse.db, flags.limit, config.timeZone)).map((run) => {
            const log = logFileOf(config, run.run_id);
            return { ...run, log: existsSync(log) ? displayPath(log) : '' };
          }),
        )
      : formatNodeRuns(await nodeHistory(warehouse.db, flags.node, flags.limit, config.timeZone), 'history'),
  );
  process.stdout.write(`${text}\n`);
}
