import { latestNodeRuns } from '../ledger.ts';
import { formatNodeRuns } from '../reports.ts';
import { readConfig, withWarehouse } from './context.ts';

/** `status`: per node, the latest run, its week, status, value, when and how long. */
export async function statusCommand(flags: { config?: string }): Promise<void> {
  const config = await readConfig(flags);
  const rows = await withWarehouse(config, (warehouse) => latestNodeRuns(warehouse.db, config.timeZone));
  process.stdout.write(`${formatNodeRuns(rows, 'status')}\n`);
}
