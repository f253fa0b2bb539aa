import type { Config } from '../config.ts';
import { openWarehouse } from '../connectors/warehouse/warehouse.ts';
import type { Warehouse } from '../connectors/warehouse/warehouse.ts';
import { createLogger } from '../log.ts';
import { holdingWarehouse } from '../engine/run.ts';

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
