import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '../../log.ts';
import type { Config } from '../../config.ts';
import { PROD, ensureEnvironment, environmentExists, inEnvironment, otherEnvironments, unknownEnvironment } from '../../environments/environment.ts';
import { fixturesLoaded, loadFixtures } from './fixtures.ts';
import { ledgerState, migrate } from './migrations.ts';
import { openPostgres } from './postgres.ts';
import { withTimeout } from '../../engine/retry.ts';

/**
 * The warehouse: a Kysely instance over PostgreSQL. The embedded engine (PGlite) and the
 * production one differ in how they connect, not in the SQL.
 */
export interface Warehouse extends Connection {
  /** The environment the commands work in (see environments/environment.ts); `db` reads and writes its schemas. */
  readonly environment: string;
  /** Prod's own handle (the same as `db` in prod): another environment reads what it has not computed itself from prod. */
  readonly prod: Kysely<any>;
}

/** A connection to the warehouse, in no environment yet (what the PostgreSQL and PGlite openers return). */
export interface Connection {
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
  const connection = config.databaseUrl ? openPostgres(config.databaseUrl, log) : (await openEmbedded(embeddedStore(config))).warehouse;
  await prepare(connection, config, log);
  if (!config.databaseUrl && options.demoData !== false && !(await fixturesLoaded(connection.db))) {
    log.info({ warehouse: connection.location, fixtures: config.paths.fixtures }, 'new embedded warehouse: loading the demo source data');
    await loadFixtures(connection.db, config.paths.fixtures);
  }
  // A new environment needs nothing but its name: its first run makes its schemas.
  await closingOnError(connection, () => ensureEnvironment(connection.db, config.environment));
  return inEnvironmentOf(connection, config.environment);
}

/**
 * Opens the configured warehouse for reading: no migration, no table created, nothing written
 * (`plan`, `status`, `history`, `explain`, `docs`). The one exception is an embedded store that
 * does not exist yet, which is made as a run would make it (the embedded default's first use).
 */
export async function openWarehouseToRead(config: Config, log: Logger, options: ReadOptions = {}): Promise<ReadOnlyWarehouse> {
  const newEnvironment = async (connection: Connection, hasLedger: boolean): Promise<ReadOnlyWarehouse> => {
    if (options.newEnvironment !== 'as prod') throw unknownEnvironment(config.environment, hasLedger ? await otherEnvironments(connection.db) : []);
    // What its first run would find: nothing of its own, everything read from prod.
    return { ...connection, prod: connection.db, environment: config.environment, hasLedger };
  };
  if (!config.databaseUrl && !existsSync(join(embeddedStore(config), 'PG_VERSION'))) {
    const created = await openWarehouse({ ...config, environment: PROD }, log);
    return config.environment === PROD ? { ...created, hasLedger: true } : closingOnError(created, () => newEnvironment(created, true));
  }
  const connection = config.databaseUrl ? openPostgres(config.databaseUrl, log) : (await openEmbedded(embeddedStore(config))).warehouse;
  return closingOnError(connection, async () => {
    const hasLedger = await withTimeout(() => ledgerState(connection.db), config.tasks.timeoutSeconds * 1000, undefined, 'reading the warehouse schema');
    if (config.environment !== PROD && !(hasLedger && (await environmentExists(connection.db, config.environment)))) return newEnvironment(connection, hasLedger);
    return { ...inEnvironmentOf(connection, config.environment), hasLedger };
  });
}

export interface ReadOptions {
  /**
   * An environment no run has made yet: an error naming those there are (the default: `status`,
   * `history` and the other readers of what it holds), or read as its first run would find it,
   * everything from prod (`plan`, and the ledger state selectors read).
   */
  readonly newEnvironment?: 'refuse' | 'as prod';
}

function inEnvironmentOf(connection: Connection, environment: string): Warehouse {
  return { ...connection, db: inEnvironment(connection.db, environment), prod: connection.db, environment };
}

async function closingOnError<T>(connection: Connection, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await connection.close();
    throw error;
  }
}

const embeddedStore = (config: Config) => `${config.paths.state}/warehouse`;

/** PGlite, loaded only when the warehouse is embedded. */
const openEmbedded = async (dir: string) => (await import('./pglite.ts')).openPglite(dir);

async function prepare(warehouse: Connection, config: Config, log: Logger): Promise<void> {
  // Under the task time limit: another process migrating could hold the schema's lock.
  await closingOnError(warehouse, () => withTimeout(() => migrate(warehouse.db), config.tasks.timeoutSeconds * 1000, undefined, 'bringing the warehouse schema up to date'));
  log.debug({ warehouse: warehouse.location, engine: warehouse.engine }, 'warehouse ready');
}
