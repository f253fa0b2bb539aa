import { resolve } from 'node:path';
import { CONFIG_FILE, loadConfig } from '../config.ts';
import type { Config } from '../config.ts';
import { openWarehouse } from '../connectors/warehouse/warehouse.ts';
import type { Warehouse } from '../connectors/warehouse/warehouse.ts';
import { resolveWeeks, weekPolicyOf } from '../dates.ts';
import { createLogger } from '../log.ts';
import { holdingWarehouse } from '../run.ts';
import { withTargets } from '../selection.ts';
import type { Selection } from '../run.ts';
import type { SelectionFlags } from './options.ts';

/** The configuration of `--config`, or of ./kpi.config.json. */
export function readConfig(flags: { config?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  return loadConfig(resolve(flags.config ?? CONFIG_FILE), env);
}

/** The configuration and the selection of nodes and weeks that the flags describe. */
export async function readSelection(flags: SelectionFlags): Promise<{ config: Config; selection: Selection & { nodesDir?: string } }> {
  const config = await readConfig(flags, { ...process.env, ...(flags.tz ? { KPI_TIME_ZONE: flags.tz } : {}) });
  const weeks = resolveWeeks(flags, weekPolicyOf(config));
  return {
    config,
    selection: {
      select: withTargets(flags.select, flags.target),
      exclude: flags.exclude,
      weeks,
      ...(flags.nodes ? { nodesDir: resolve(flags.nodes) } : {}),
    },
  };
}

/** Opens the warehouse for reading only for the time of `work` (an embedded one only when no run holds it). */
export function withWarehouse<T>(config: Config, work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const log = createLogger();
  return holdingWarehouse(config, { purpose: 'read', log }, async () => {
    const warehouse = await openWarehouse(config, log);
    try {
      return await work(warehouse);
    } finally {
      await warehouse.close();
    }
  });
}

/** The command line as the user typed it, for the ledger. */
export const commandLine = () => process.argv.slice(2).join(' ');
