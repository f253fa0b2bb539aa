import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../pipeline/config.ts';
import type { Config } from '../../pipeline/config.ts';
import { loadFixtures } from '../../pipeline/connectors/warehouse/fixtures.ts';
import { openPostgres } from '../../pipeline/connectors/warehouse/postgres.ts';
import { migrate } from '../../pipeline/connectors/warehouse/migrations.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';

export const REPO = resolve(import.meta.dirname, '..', '..');
const silent = createLogger({ level: 'silent' });
export const POSTGRES_URL = process.env.KPI_TEST_POSTGRES_URL;

/** The warehouse engines every warehouse test runs on; PostgreSQL when CI (or you) provides a server. */
export const ENGINES = ['pglite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export function engineSkipReason(engine: Engine): string | undefined {
  return engine === 'postgres' && !POSTGRES_URL ? 'KPI_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against' : undefined;
}

/** A private place to run in: its own state and scorecard folders and, for PostgreSQL, its own database. */
export interface TestEnvironment {
  readonly dir: string;
  readonly config: Config;
  /** Variables for a CLI child process that should use this environment. */
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * `demoData: false` leaves a PostgreSQL database bare (no schema, no source data), as a new
 * production warehouse is; an embedded one gets the demo data on first use unless `seed` opens it first.
 * An embedded warehouse with the demo data starts as a copy of one made once (see seededStore),
 * unless `newStore` asks for the first use itself.
 */
export async function createEnvironment(engine: Engine = 'pglite', options: { readonly demoData?: boolean; readonly newStore?: boolean } = {}): Promise<TestEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), 'kpi-test-'));
  const env: Record<string, string> = {
    KPI_STATE_DIR: join(dir, 'state'),
    KPI_SCORECARD_DIR: join(dir, 'scorecards'),
  };
  if (engine === 'pglite' && options.demoData !== false && !options.newStore) await cp(await seededStore(), join(dir, 'state', 'warehouse'), { recursive: true });
  let dropDatabase = async () => {};
  if (engine === 'postgres') {
    if (!POSTGRES_URL) throw new Error('KPI_TEST_POSTGRES_URL is not set');
    const name = `kpi_test_${randomBytes(4).toString('hex')}`;
    // A production warehouse is never seeded by a run: the test seeds it, as a copy of a database seeded once.
    await adminQuery(options.demoData === false ? `create database ${name}` : `create database ${name} template ${await seededDatabase()}`);
    env.DATABASE_URL = databaseUrl(name);
    dropDatabase = () => dropWhenIdle(name);
  }
  const config = await loadConfig({ file: join(REPO, 'kpi.config.json'), explicit: true }, env);
  return {
    dir,
    config,
    env,
    async cleanup() {
      await dropDatabase();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const databaseUrl = (name: string) => {
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  return url.toString();
};

/** What a seeded warehouse is made from: the fixtures, the migrations and the loader. */
async function seedVersion(): Promise<ReturnType<typeof createHash>> {
  const hash = createHash('sha256');
  const fixtures = join(REPO, 'fixtures', 'warehouse');
  for (const file of (await readdir(fixtures)).sort()) hash.update(file).update(await readFile(join(fixtures, file)));
  hash.update(await readFile(join(REPO, 'pipeline', 'connectors', 'warehouse', 'migrations.ts')));
  hash.update(await readFile(join(REPO, 'pipeline', 'connectors', 'warehouse', 'fixtures.ts')));
  return hash;
}

/**
 * A PostgreSQL database migrated and seeded with the demo data, made once per version of the
 * fixtures and migrations on the test server, which tests copy (`create database … template`):
 * a copy takes a fraction of the migrations and the load. Made under a name of its own and
 * renamed, so concurrent test processes never copy half of one.
 */
async function seededDatabase(): Promise<string> {
  const template = `kpi_test_seeded_${(await seedVersion()).digest('hex').slice(0, 16)}`;
  if (await databaseExists(template)) return template;
  const building = `${template}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`create database ${building}`);
  const warehouse = openPostgres(databaseUrl(building), silent);
  try {
    await migrate(warehouse.db);
    await loadFixtures(warehouse.db, join(REPO, 'fixtures', 'warehouse'));
  } finally {
    await warehouse.close();
  }
  await untilIdle(building);
  try {
    await adminQuery(`alter database ${building} rename to ${template}`);
  } catch (error) {
    // Another test process made it first: the same database.
    await dropWhenIdle(building);
    if (!(await databaseExists(template))) throw error;
  }
  return template;
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

/**
 * An embedded warehouse migrated and seeded with the demo data, made once per version of the
 * fixtures, the migrations and PGlite, and kept for every test process: making one takes seconds
 * of CPU (PGlite's start and the fixtures' load), copying it a fraction of one. Made in a
 * temporary folder and renamed, so concurrent test processes never see half of one.
 */
async function seededStore(): Promise<string> {
  const hash = await seedVersion();
  hash.update(JSON.parse(await readFile(join(REPO, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')).version);
  const store = join(REPO, 'node_modules', '.cache', 'kpi-factory', `test-store-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(store, 'PG_VERSION'))) return store;
  const building = await mkdtemp(join(tmpdir(), 'kpi-store-'));
  const config = await loadConfig({ file: join(REPO, 'kpi.config.json'), explicit: true }, { KPI_STATE_DIR: building });
  const warehouse = await openWarehouse(config, silent);
  await warehouse.close();
  await mkdir(dirname(store), { recursive: true });
  try {
    await rename(join(building, 'warehouse'), store);
  } catch (error) {
    // Another test process made it first: the same store.
    if (!existsSync(join(store, 'PG_VERSION'))) throw error;
  }
  await rm(building, { recursive: true, force: true });
  return store;
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Drops a test database once the connections the test closed have really gone: a pool's end()
 * resolves before its backends exit, and a forced drop that terminates a backend whose client is
 * still ending makes that client throw an uncaught error. Forced anyway after a few seconds.
 */
async function dropWhenIdle(name: string): Promise<void> {
  await untilIdle(name);
  await adminQuery(`drop database if exists ${name} with (force)`);
}

/** Until no backend serves `name` (a pool's end() resolves before its backends exit), for a few seconds at most. */
async function untilIdle(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
      if (rows[0]?.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.end();
  }
}

/** A copy of the repository's configuration with absolute paths and `extra` keys, in the environment's folder. */
export async function configWith(environment: TestEnvironment, extra: Record<string, unknown>): Promise<string> {
  const base = JSON.parse(await readFile(join(REPO, 'kpi.config.json'), 'utf8')) as Record<string, any>;
  for (const key of ['nodesDir', 'fixturesDir']) base[key] = join(REPO, base[key]);
  for (const source of Object.values(base.sheets as Record<string, { file: string }>)) source.file = join(REPO, source.file);
  const file = join(environment.dir, 'kpi.config.json');
  await writeFile(file, JSON.stringify({ ...base, ...extra }));
  return file;
}

/** How many success values are stored, and how many (KPI, week) keys hold more than one. */
export async function oneRowPerKpiWeek(environment: TestEnvironment): Promise<{ rows: number; duplicates: number }> {
  const warehouse = await openWarehouse(environment.config, silent);
  try {
    const { rows } = await sql<{ rows: number; duplicates: number }>`
      select count(*)::int as rows, count(*) filter (where copies > 1)::int as duplicates
      from (select count(*) as copies from vl_analytics.scorecard_success group by kpi_number, range_type, last_sunday) keys`.execute(warehouse.db);
    return rows[0]!;
  } finally {
    await warehouse.close();
  }
}

/** Every run in the ledger and its status. */
export async function runStatuses(environment: TestEnvironment): Promise<Map<string, string>> {
  const warehouse = await openWarehouse(environment.config, silent);
  try {
    const { rows } = await sql<{ run_id: string; status: string }>`select run_id, status from kpi_ledger.runs`.execute(warehouse.db);
    return new Map(rows.map((row) => [row.run_id, row.status]));
  } finally {
    await warehouse.close();
  }
}
