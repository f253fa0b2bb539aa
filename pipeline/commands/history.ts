import { existsSync } from 'node:fs';
import { logFileOf } from '../engine/run-log.ts';
import { nodeHistory, runHistory } from '../ledger.ts';
import { formatNodeRuns, formatRuns } from '../reports.ts';
import { displayPath } from '../summary.ts';
import { readConfig, withWarehouse } from './context.ts';

/** `history`: past runs, newest first; with --node, the runs of one node. */
export async function historyCommand(flags: { config?: string; node?: string; limit: number }): Promise<void> {
  const config = await readConfig(flags);
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
