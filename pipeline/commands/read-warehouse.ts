import type { Config } from '../config.ts';
import { openWarehouseToRead } from '../connectors/warehouse/warehouse.ts';
import type { ReadOnlyWarehouse, ReadOptions } from '../connectors/warehouse/warehouse.ts';
import { createLogger } from '../log.ts';
import { holdingWarehouse } from '../engine/run.ts';

/**
 * Opens the warehouse for reading only for the time of `work` (an embedded one only when no run
 * holds it). On a warehouse no run has written to, `neverRun` answers instead, when given.
 */
export function withWarehouse<T>(config: Config, work: (warehouse: ReadOnlyWarehouse) => Promise<T>, neverRun?: () => T, options: ReadOptions = {}): Promise<T> {
  const log = createLogger();
  return holdingWarehouse(config, { purpose: 'read', log }, async () => {
    const warehouse = await openWarehouseToRead(config, log, options);
    try {
      return !warehouse.hasLedger && neverRun ? neverRun() : await work(warehouse);
    } finally {
      await warehouse.close();
    }
  });
}
