import { loadFixtures } from '../connectors/warehouse/fixtures.ts';
import { openWarehouse } from '../connectors/warehouse/warehouse.ts';
import { createLogger } from '../log.ts';
import { holdingWarehouse } from '../engine/run.ts';
import { displayPath, table } from '../reports/summary.ts';
import { commandLine } from '../engine/processes.ts';
import { readConfig } from './context.ts';
import { waitOf } from './options.ts';

/**
 * `seed [--replace]`: the demo source data (schema and rows, one transaction) into the
 * configured warehouse, PostgreSQL included. It writes, so it holds the warehouse as a run does.
 */
export async function seedCommand(flags: { config?: string; replace?: boolean; wait?: number | true }): Promise<void> {
  const config = await readConfig(flags);
  const log = createLogger();
  const { location, seeded } = await holdingWarehouse(config, { purpose: 'run', runId: 'seed', command: commandLine(), log, ...waitOf(flags) }, async () => {
    const warehouse = await openWarehouse(config, log, { demoData: false });
    try {
      return { location: warehouse.engine === 'pglite' ? displayPath(warehouse.location) : warehouse.location, seeded: await loadFixtures(warehouse.db, config.paths.fixtures, { replace: flags.replace === true }) };
    } finally {
      await warehouse.close();
    }
  });
  const from = displayPath(config.paths.fixtures);
  if (seeded.every((entry) => entry.outcome === 'unchanged')) {
    process.stdout.write(`already seeded: ${location} holds the demo data of ${from} (${seeded.length} tables), nothing changed\n`);
    return;
  }
  const lines = table(['table', 'rows', 'done'], seeded.map((entry) => [entry.table, String(entry.rows), entry.outcome]));
  process.stdout.write(`seeded ${location} with the demo data of ${from}:\n${lines.join('\n')}\n`);
}
