import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { Migration } from 'kysely/migration';
import { RefusedError } from '../../errors.ts';

/**
 * The engine's own schema, in order. Scorecard tables are per domain and are created when a
 * domain first runs (see scorecard-store.ts); everything else is here.
 */
const MIGRATIONS: Record<string, Migration> = {
  '001_run_ledger': {
    async up(db) {
      await sql`create schema if not exists vl_analytics`.execute(db);
      await sql`create schema if not exists kpi_ledger`.execute(db);
      await sql`
        create table kpi_ledger.runs (
          run_id        text primary key,
          command       text not null,
          selection     text not null,
          weeks         text not null,
          concurrency   integer not null,
          status        text not null check (status in ('running', 'succeeded', 'failed', 'interrupted')),
          started_at    timestamptz not null,
          finished_at   timestamptz
        )`.execute(db);
      await sql`
        create table kpi_ledger.node_runs (
          run_id        text not null references kpi_ledger.runs (run_id),
          task_id       text not null,
          node_id       text not null,
          iso_week      text,
          status        text not null check (status in ('succeeded', 'failed', 'blocked')),
          attempt       integer not null default 1,
          started_at    timestamptz,
          finished_at   timestamptz,
          duration_ms   integer,
          value         double precision,
          error         text,
          primary key (run_id, task_id)
        )`.execute(db);
      await sql`create table kpi_ledger.meta (key text primary key, value text not null)`.execute(db);
      await sql`create index node_runs_node_week on kpi_ledger.node_runs (node_id, iso_week)`.execute(db);
    },
  },
  '002_freshness': {
    async up(db) {
      await sql`alter table kpi_ledger.runs add column code_version text`.execute(db);
      await sql`alter table kpi_ledger.node_runs drop constraint node_runs_status_check`.execute(db);
      await sql`alter table kpi_ledger.node_runs add constraint node_runs_status_check
        check (status in ('succeeded', 'fresh', 'failed', 'blocked'))`.execute(db);
      // seq orders node-runs across runs; fingerprint_parts says which part changed.
      await sql`alter table kpi_ledger.node_runs add column seq bigserial`.execute(db);
      await sql`alter table kpi_ledger.node_runs add column fingerprint text`.execute(db);
      await sql`alter table kpi_ledger.node_runs add column fingerprint_parts jsonb`.execute(db);
      await sql`alter table kpi_ledger.node_runs add column reason text`.execute(db);
      await sql`create index node_runs_task_seq on kpi_ledger.node_runs (task_id, seq desc)`.execute(db);
    },
  },
  '003_abandoned_runs': {
    async up(db) {
      // A run lists its tasks as `pending` when it starts, so a run whose process died can be
      // recorded `abandoned` with exactly what it had not finished, for `retry`.
      await sql`alter table kpi_ledger.runs drop constraint runs_status_check`.execute(db);
      await sql`alter table kpi_ledger.runs add constraint runs_status_check
        check (status in ('running', 'succeeded', 'failed', 'interrupted', 'abandoned'))`.execute(db);
      await sql`alter table kpi_ledger.node_runs drop constraint node_runs_status_check`.execute(db);
      await sql`alter table kpi_ledger.node_runs add constraint node_runs_status_check
        check (status in ('pending', 'succeeded', 'fresh', 'failed', 'blocked', 'abandoned'))`.execute(db);
      await sql`create index runs_status on kpi_ledger.runs (status) where status = 'running'`.execute(db);
    },
  },
  '004_published_values': {
    async up(db) {
      // What each publish wrote, so a later value for the same KPI-week is known as a restatement.
      await sql`
        create table kpi_ledger.published_values (
          node_id       text not null,
          iso_week      text not null,
          destination   text not null,
          tab           text not null,
          cell          text,
          value         double precision,
          run_id        text not null references kpi_ledger.runs (run_id),
          published_at  timestamptz not null
        )`.execute(db);
      await sql`create index published_values_node_week on kpi_ledger.published_values (node_id, iso_week, published_at desc)`.execute(db);
      await sql`
        create table kpi_ledger.restatements (
          node_id         text not null,
          iso_week        text not null,
          previous_value  double precision,
          value           double precision,
          published_at    timestamptz not null,
          run_id          text not null references kpi_ledger.runs (run_id),
          restated_at     timestamptz not null
        )`.execute(db);
      await sql`create index restatements_restated_at on kpi_ledger.restatements (restated_at desc)`.execute(db);
    },
  },
  '005_check_results': {
    async up(db) {
      // A KPI whose `error` check failed keeps its value, recorded `check failed`; every check's outcome is kept with the node-run.
      await sql`alter table kpi_ledger.node_runs drop constraint node_runs_status_check`.execute(db);
      await sql`alter table kpi_ledger.node_runs add constraint node_runs_status_check
        check (status in ('pending', 'succeeded', 'fresh', 'check failed', 'failed', 'blocked', 'abandoned'))`.execute(db);
      await sql`alter table kpi_ledger.node_runs add column checks jsonb`.execute(db);
    },
  },
  '006_scorecard_status': {
    async up(db) {
      // Each value's status against its KPI's target, beside the scorecard tables (whose columns
      // dashboards read and stay as they are), keyed like their rows, with the thresholds that decided it.
      await sql`
        create table vl_analytics.scorecard_status (
          domain        text not null,
          kpi_number    text not null,
          range_type    text not null,
          last_sunday   date not null,
          iso_week      text not null,
          status        text not null check (status in ('green', 'amber', 'red', 'none')),
          direction     text check (direction in ('higher', 'lower')),
          green         double precision,
          amber         double precision,
          run_id        text not null,
          primary key (domain, kpi_number, range_type, last_sunday)
        )`.execute(db);
    },
  },
};

/** The engine's migrations in order, by name. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

export async function migrate(db: Kysely<any>): Promise<void> {
  if (await allApplied(db)) return;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableSchema: 'kpi_ledger',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    // Before any migration ran (the warehouse cannot be reached, say): that error says it best.
    if (failed === undefined) throw error;
    throw new Error(`warehouse migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Whether a run ever wrote the ledger (false: no migration was ever applied), for readers, who
 * apply none. A ledger some migrations are missing from was written by an older engine: a
 * reader cannot read it, and says that the next run brings it up to date.
 */
export async function ledgerState(db: Kysely<any>): Promise<boolean> {
  const applied = await appliedMigrations(db);
  if (applied === undefined) return false;
  const missing = Object.keys(MIGRATIONS).filter((name) => !applied.has(name));
  if (missing.length === 0) return true;
  throw new RefusedError(
    `the warehouse's ledger was written by an older version of the engine (not yet applied: ${missing.join(', ')}); the next \`run\` brings it up to date (commands that only read change nothing)`,
  );
}

/** The names of the migrations applied, or undefined when the warehouse has no ledger. */
async function appliedMigrations(db: Kysely<any>): Promise<Set<string> | undefined> {
  const { rows } = await sql<{ exists: boolean }>`select to_regclass('kpi_ledger.kysely_migration') is not null as exists`.execute(db);
  if (!rows[0]?.exists) return undefined;
  return new Set((await db.selectFrom('kpi_ledger.kysely_migration').select('name').execute()).map((row: { name: string }) => row.name));
}

/**
 * Whether every migration is recorded as applied, in two cheap queries: the Migrator first
 * introspects every column of the catalog, which costs an embedded warehouse more than the
 * rest of a command that finds everything fresh.
 */
async function allApplied(db: Kysely<any>): Promise<boolean> {
  const applied = await appliedMigrations(db);
  return applied !== undefined && Object.keys(MIGRATIONS).every((name) => applied.has(name));
}
