import type { Kysely } from 'kysely';
import type { Logger } from '../../log.ts';
import type { Config } from '../../config.ts';
import { fixturesLoaded, loadFixtures } from './fixtures.ts';
import { migrate } from './migrations.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { withTimeout } from '../../engine/retry.ts';

/**
 * The warehouse: a Kysely instance over PostgreSQL. The embedded engine (PGlite) and the
 * production one differ in how they connect, not in the SQL.
 */
export interface Warehouse {
  readonly engine: 'pglite' | 'postgres';
  readonly db: Kysely<any>;
  /** Where it is, without credentials: safe to log. */
  readonly location: string;
  /** Aborted, with the reason, when the warehouse stayed away past the retries: the run ends. */
  readonly lost: AbortSignal;
  close(): Promise<void>;
}

/**
 * Opens the configured warehouse and brings its schema up to date; a new embedded one gets the
 * demo data unless `demoData` is false (`seed` loads it itself, and says what it did).
 */
export async function openWarehouse(config: Config, log: Logger, options: { readonly demoData?: boolean } = {}): Promise<Warehouse> {
  if (config.databaseUrl) {
    const warehouse = openPostgres(config.databaseUrl, log);
    await prepare(warehouse, config, log);
    return warehouse;
  }
  const { warehouse } = await openPglite(`${config.paths.state}/warehouse`);
  await prepare(warehouse, config, log);
  if (options.demoData !== false && !(await fixturesLoaded(warehouse.db))) {
    log.info({ warehouse: warehouse.location, fixtures: config.paths.fixtures }, 'new embedded warehouse: loading the demo source data');
    await loadFixtures(warehouse.db, config.paths.fixtures);
  }
  return warehouse;
}

async function prepare(warehouse: Warehouse, config: Config, log: Logger): Promise<void> {
  try {
    // Under the task time limit: another process migrating could hold the schema's lock.
    await withTimeout(() => migrate(warehouse.db), config.tasks.timeoutSeconds * 1000, undefined, 'bringing the warehouse schema up to date');
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  log.debug({ warehouse: warehouse.location, engine: warehouse.engine }, 'warehouse ready');
}
