import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '../../log.ts';
import type { Config } from '../../config.ts';
import { fixturesLoaded, loadFixtures } from './fixtures.ts';
import { ledgerState, migrate } from './migrations.ts';
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

/** A warehouse opened by a reader: whether any run has ever written its ledger. */
export interface ReadOnlyWarehouse extends Warehouse {
  /** False on a warehouse no run has written to: there is no ledger to read, and readers answer as if it were empty. */
  readonly hasLedger: boolean;
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
  const { warehouse } = await openEmbedded(embeddedStore(config));
  await prepare(warehouse, config, log);
  if (options.demoData !== false && !(await fixturesLoaded(warehouse.db))) {
    log.info({ warehouse: warehouse.location, fixtures: config.paths.fixtures }, 'new embedded warehouse: loading the demo source data');
    await loadFixtures(warehouse.db, config.paths.fixtures);
  }
  return warehouse;
}

/**
 * Opens the configured warehouse for reading: no migration, no table created, nothing written
 * (`plan`, `status`, `history`, `explain`, `docs`). The one exception is an embedded store that
 * does not exist yet, which is made as a run would make it (the embedded default's first use).
 */
export async function openWarehouseToRead(config: Config, log: Logger): Promise<ReadOnlyWarehouse> {
  if (!config.databaseUrl && !existsSync(join(embeddedStore(config), 'PG_VERSION'))) return { ...(await openWarehouse(config, log)), hasLedger: true };
  const warehouse = config.databaseUrl ? openPostgres(config.databaseUrl, log) : (await openEmbedded(embeddedStore(config))).warehouse;
  try {
    const hasLedger = await withTimeout(() => ledgerState(warehouse.db), config.tasks.timeoutSeconds * 1000, undefined, 'reading the warehouse schema');
    return { ...warehouse, hasLedger };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

const embeddedStore = (config: Config) => `${config.paths.state}/warehouse`;

/** PGlite, loaded only when the warehouse is embedded. */
const openEmbedded = async (dir: string) => (await import('./pglite.ts')).openPglite(dir);

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
