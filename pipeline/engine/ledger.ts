import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import type { CheckOutcome } from './checks.ts';
import { fingerprintHash } from './fingerprint.ts';
import type { Fingerprint, History } from './fingerprint.ts';
import type { Write } from '../connectors/warehouse/write-at-once.ts';

type Db = Kysely<any>;

/** The ledger's tables in raw SQL, as tables a query names: so an environment's handle reads its own (see inEnvironment). */
export const RUNS = sql.table('kpi_ledger.runs');
export const NODE_RUNS = sql.table('kpi_ledger.node_runs');

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'abandoned';

export interface RunRecord {
  readonly runId: string;
  readonly command: string;
  readonly selection: string;
  readonly weeks: string;
  readonly concurrency: number;
  readonly codeVersion?: string;
}

export interface NodeRunRecord {
  readonly runId: string;
  readonly taskId: string;
  readonly nodeId: string;
  readonly week?: string;
  /** `check failed`: the value was stored, but an `error` check failed, so nothing read or published it. */
  readonly status: 'succeeded' | 'fresh' | 'check failed' | 'failed' | 'blocked';
  readonly attempt?: number;
  /** Epoch milliseconds. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly durationMs?: number;
  readonly value?: number | null;
  readonly error?: string;
  readonly fingerprint?: Fingerprint;
  /** Why it ran (or `fresh`). */
  readonly reason?: string;
  /** How the KPI's checks went, when it was computed. */
  readonly checks?: readonly CheckOutcome[];
}

/** Sortable and readable: `20261123T221503Z-3f9a1c`. */
export function newRunId(now: Temporal.Instant = Temporal.Now.instant()): string {
  const stamp = now.toString({ smallestUnit: 'second' }).replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Planned tasks are inserted this many to a statement (PostgreSQL takes at most 65,535 parameters). */
const PENDING_BATCH = 2000;

/**
 * Records a run as `running`, with every task it plans `pending`, in one transaction; again
 * after a lost connection, it adds nothing twice.
 */
export async function startRun(db: Db, run: RunRecord, tasks: readonly { taskId: string; nodeId: string; week?: string }[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('kpi_ledger.runs')
      .values({
        run_id: run.runId,
        command: run.command,
        selection: run.selection,
        weeks: run.weeks,
        concurrency: run.concurrency,
        code_version: run.codeVersion ?? null,
        status: 'running',
        started_at: Temporal.Now.instant().toString(),
      })
      .onConflict((conflict) => conflict.column('run_id').doNothing())
      .execute();
    for (let start = 0; start < tasks.length; start += PENDING_BATCH) {
      await trx
        .insertInto('kpi_ledger.node_runs')
        .values(tasks.slice(start, start + PENDING_BATCH).map((task) => ({ run_id: run.runId, task_id: task.taskId, node_id: task.nodeId, iso_week: task.week ?? null, status: 'pending' })))
        .onConflict((conflict) => conflict.columns(['run_id', 'task_id']).doNothing())
        .execute();
    }
  });
}

/**
 * Runs left `running` by a process that is gone (the caller holds the warehouse lock, so no
 * other run is alive): recorded `abandoned`, with their pending tasks, so `retry` can pick
 * them up. Returns them.
 */
export async function recordAbandonedRuns(db: Db, currentRunId: string): Promise<{ run_id: string; command: string; started_at: string }[]> {
  return db.transaction().execute(async (trx) => {
    const runs: { run_id: string; command: string; started_at: unknown }[] = await trx
      .updateTable('kpi_ledger.runs')
      .set({ status: 'abandoned', finished_at: Temporal.Now.instant().toString() })
      .where('status', '=', 'running')
      .where('run_id', '<>', currentRunId)
      .returning(['run_id', 'command', 'started_at'])
      .execute();
    if (runs.length === 0) return [];
    await trx
      .updateTable('kpi_ledger.node_runs')
      .set({ status: 'abandoned', error: 'the run was abandoned: its process stopped before this task finished' })
      .where('run_id', 'in', runs.map((run) => run.run_id))
      .where('status', '=', 'pending')
      .execute();
    return runs.map((run) => ({ run_id: run.run_id, command: run.command, started_at: new Date(run.started_at as string).toISOString() }));
  });
}

export async function finishRun(db: Db, runId: string, status: RunStatus): Promise<void> {
  await db
    .updateTable('kpi_ledger.runs')
    .set({ status, finished_at: Temporal.Now.instant().toString() })
    .where('run_id', '=', runId)
    .execute();
}

/**
 * One node-run, replacing the task's `pending` row. Send it with the write of the node's value
 * (see writeAtOnce), so both land or neither.
 */
export function nodeRunWrite(db: Db, record: NodeRunRecord): Write {
  return nodeRunsWrite(db, [record]);
}

/** Node-runs, each replacing its task's `pending` row, in one statement (fresh tasks, gathered). */
export function nodeRunsWrite(db: Db, records: readonly NodeRunRecord[]): Write {
  const rows = records.map((record) => ({
    run_id: record.runId,
    task_id: record.taskId,
    node_id: record.nodeId,
    iso_week: record.week ?? null,
    status: record.status,
    attempt: record.attempt ?? 1,
    started_at: record.startedAt === undefined ? null : new Date(record.startedAt).toISOString(),
    finished_at: record.finishedAt === undefined ? null : new Date(record.finishedAt).toISOString(),
    duration_ms: record.durationMs === undefined ? null : Math.round(record.durationMs),
    value: record.value ?? null,
    error: record.error ?? null,
    fingerprint: record.fingerprint ? fingerprintHash(record.fingerprint) : null,
    fingerprint_parts: record.fingerprint ? JSON.stringify(record.fingerprint) : null,
    reason: record.reason ?? null,
    checks: record.checks ? JSON.stringify(record.checks) : null,
  }));
  const replaced = Object.keys(rows[0]!).filter((column) => column !== 'run_id' && column !== 'task_id');
  return db
    .insertInto('kpi_ledger.node_runs')
    .values(rows)
    .onConflict((conflict) =>
      conflict.columns(['run_id', 'task_id']).doUpdateSet(Object.fromEntries(replaced.map((column) => [column, sql.ref(`excluded.${column}`)]))),
    );
}

/**
 * For each task, its latest successful (or fresh) node-run's fingerprint and its latest status,
 * in one query: each task's latest rows are found through the (task_id, seq) index, so the cost
 * follows the number of tasks, not the length of the history.
 */
export async function loadHistory(db: Db, taskIds: readonly string[]): Promise<Map<string, History>> {
  const history = new Map<string, History>();
  if (taskIds.length === 0) return history;
  const result = await sql<{ task_id: string; last_status: string | null; fingerprint: string | null; fingerprint_parts: unknown }>`
    select t.task_id, latest.status as last_status, success.fingerprint, success.fingerprint_parts
    from unnest(${[...taskIds]}::text[]) as t (task_id)
    left join lateral (
      select status from ${NODE_RUNS} n
      where n.task_id = t.task_id and n.status <> 'pending' order by n.seq desc limit 1
    ) latest on true
    left join lateral (
      select fingerprint, fingerprint_parts from ${NODE_RUNS} n
      where n.task_id = t.task_id and n.status in ('succeeded', 'fresh') order by n.seq desc limit 1
    ) success on true`.execute(db);
  for (const row of result.rows) {
    if (row.last_status === null) continue;
    const parts = (typeof row.fingerprint_parts === 'string' ? JSON.parse(row.fingerprint_parts) : row.fingerprint_parts) as Fingerprint | null;
    history.set(row.task_id, { lastStatus: row.last_status, ...(row.fingerprint !== null ? { lastSuccess: { fingerprint: row.fingerprint, parts } } : {}) });
  }
  return history;
}

/**
 * Task ids (`node@week`) whose latest node-run is `check failed`: their stored value failed an
 * `error` check, so nothing may read it until a run computes it again and it passes.
 */
export async function checkFailedTasks(db: Db): Promise<Set<string>> {
  const { rows } = await sql<{ task_id: string }>`
    select task_id from (
      select distinct on (task_id) task_id, status from ${NODE_RUNS}
      where status <> 'pending'
        and task_id in (select task_id from ${NODE_RUNS} where status = 'check failed')
      order by task_id, seq desc
    ) latest
    where status = 'check failed'`.execute(db);
  return new Set(rows.map((row) => row.task_id));
}

/** Those of `taskIds` that have a node-run other than `pending`. */
export async function tasksRunIn(db: Db, taskIds: readonly string[]): Promise<Set<string>> {
  if (taskIds.length === 0) return new Set();
  const rows: { task_id: string }[] = await db.selectFrom('kpi_ledger.node_runs').select('task_id').distinct().where('task_id', 'in', taskIds).where('status', '<>', 'pending').execute();
  return new Set(rows.map((row) => row.task_id));
}

/** The run `runId`, or the latest run when it is undefined. */
export async function findRun(db: Db, runId?: string): Promise<{ run_id: string; status: string; command: string } | undefined> {
  let query = db.selectFrom('kpi_ledger.runs').select(['run_id', 'status', 'command']);
  query = runId === undefined ? query.orderBy('started_at', 'desc').limit(1) : query.where('run_id', '=', runId);
  return query.executeTakeFirst();
}

/** The destination part of a publish task's id (`success.publish@2026-W47:google` → `google`, see taskId), else null. */
const destinationOfTask = sql<string | null>`substring(task_id from '@[^:]*:(.*)$')`;

/** A timestamp as an ISO instant (`2026-11-23T07:15:02.120Z`): the same text from PostgreSQL and PGlite, whatever the session's time zone. */
const isoInstant = (column: string) => sql<string | null>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Failed (checks included), blocked and abandoned node-runs of a run: what `retry` reruns. */
export async function unfinishedNodeRuns(db: Db, runId: string): Promise<{ node_id: string; destination: string | null; iso_week: string | null; status: string }[]> {
  return db
    .selectFrom('kpi_ledger.node_runs')
    .select(['node_id', destinationOfTask.as('destination'), 'iso_week', 'status'])
    .where('run_id', '=', runId)
    .where('status', 'in', ['check failed', 'failed', 'blocked', 'abandoned'])
    .orderBy('seq')
    .execute();
}

export interface NodeRunRow {
  readonly run_id: string;
  readonly task_id: string;
  readonly node_id: string;
  /** A publish task's destination (`workbook`, `google`); null for other tasks. */
  readonly destination: string | null;
  readonly iso_week: string | null;
  readonly status: string;
  readonly value: number | null;
  /** ISO instants. */
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly duration_ms: number | null;
  readonly reason: string | null;
  readonly error: string | null;
}

/** A node's latest node-run that did the work (a model's build): when, why, and its fingerprint's parts. */
export async function lastSucceeded(db: Db, nodeId: string): Promise<{ run_id: string; finished_at: string | null; reason: string | null; fingerprint: Fingerprint | null } | undefined> {
  const row = await db
    .selectFrom('kpi_ledger.node_runs')
    .select(['run_id', 'finished_at', 'reason', 'fingerprint_parts'])
    .where('node_id', '=', nodeId)
    .where('status', '=', 'succeeded')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const parts = typeof row.fingerprint_parts === 'string' ? JSON.parse(row.fingerprint_parts) : row.fingerprint_parts;
  return { run_id: row.run_id, finished_at: row.finished_at === null ? null : new Date(row.finished_at).toISOString(), reason: row.reason, fingerprint: (parts as Fingerprint | null) ?? null };
}

/** Which rows a history shows: at most `limit`, of runs started at or after `since` (an ISO instant). */
export interface HistoryWindow {
  readonly limit: number;
  readonly since?: string;
}

const nodeRunColumns = [
  'run_id',
  'task_id',
  'node_id',
  destinationOfTask.as('destination'),
  'iso_week',
  'status',
  'value',
  isoInstant('started_at').as('started_at'),
  isoInstant('finished_at').as('finished_at'),
  'duration_ms',
  'reason',
  'error',
] as const;

/** For every node, and every destination of a publish node: the latest node-run of its latest week. */
export async function latestNodeRuns(db: Db): Promise<NodeRunRow[]> {
  return db
    .selectFrom('kpi_ledger.node_runs')
    .distinctOn(['node_id', destinationOfTask])
    .select(nodeRunColumns)
    .where('status', '<>', 'pending')
    .orderBy('node_id')
    .orderBy(destinationOfTask)
    .orderBy(sql`iso_week desc nulls last`)
    .orderBy('seq', 'desc')
    .execute();
}

/** Node-runs of one node, newest first. */
export async function nodeHistory(db: Db, nodeId: string, window: HistoryWindow): Promise<NodeRunRow[]> {
  let query = db.selectFrom('kpi_ledger.node_runs').select(nodeRunColumns).where('node_id', '=', nodeId);
  if (window.since !== undefined) {
    query = query.where('run_id', 'in', db.selectFrom('kpi_ledger.runs').select('run_id').where('started_at', '>=', window.since));
  }
  return query.orderBy('seq', 'desc').limit(window.limit).execute();
}

export interface RunRow {
  readonly run_id: string;
  readonly command: string;
  readonly weeks: string;
  readonly status: string;
  /** ISO instants. */
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly computed: number;
  readonly fresh: number;
  readonly failed: number;
  readonly blocked: number;
  readonly abandoned: number;
}

/** Runs, newest first, with their node-run counts. */
export async function runHistory(db: Db, window: HistoryWindow): Promise<RunRow[]> {
  const since = window.since === undefined ? sql`` : sql`where r.started_at >= ${window.since}`;
  const result = await sql<RunRow>`
    select r.run_id, r.command, r.weeks, r.status,
           ${isoInstant('r.started_at')} as started_at,
           ${isoInstant('r.finished_at')} as finished_at,
           count(*) filter (where n.status = 'succeeded' and n.iso_week is not null)::int as computed,
           count(*) filter (where n.status = 'fresh')::int as fresh,
           count(*) filter (where n.status in ('failed', 'check failed'))::int as failed,
           count(*) filter (where n.status = 'blocked')::int as blocked,
           count(*) filter (where n.status = 'abandoned')::int as abandoned
    from ${RUNS} r left join ${NODE_RUNS} n on n.run_id = r.run_id
    ${since}
    group by r.run_id order by r.started_at desc limit ${window.limit}`.execute(db);
  return result.rows;
}

/** A KPI whose stored weeks were computed by code other than its code now. */
export interface OlderCodeWeeks {
  readonly nodeId: string;
  readonly weeks: readonly string[];
}

/**
 * For each of `kpis` (node id → its code hash now), the stored weeks whose latest computation
 * ran other code: a run recomputes only the weeks it is given, so earlier weeks keep what older
 * code gave them, and what reads them mixes both.
 */
export async function olderCodeWeeks(db: Db, kpis: ReadonlyMap<string, string>): Promise<OlderCodeWeeks[]> {
  if (kpis.size === 0) return [];
  const { rows } = await sql<{ node_id: string; iso_week: string; code: string | null }>`
    select distinct on (task_id) node_id, iso_week, fingerprint_parts->>'code' as code
    from ${NODE_RUNS}
    where node_id = any(${[...kpis.keys()]}::text[]) and iso_week is not null and status in ('succeeded', 'fresh', 'check failed') and fingerprint_parts is not null
    order by task_id, seq desc`.execute(db);
  const older = new Map<string, string[]>();
  for (const row of rows) {
    if (row.code === kpis.get(row.node_id)) continue;
    older.set(row.node_id, [...(older.get(row.node_id) ?? []), row.iso_week]);
  }
  return [...older].sort(([a], [b]) => a.localeCompare(b)).map(([nodeId, weeks]) => ({ nodeId, weeks: weeks.sort() }));
}

/** `success.kpi06: 140 stored weeks from older code (2024-W01..2026-W40); run --select success.kpi06 --weeks 2024-W01..2026-W40 to recompute them`. */
export function olderCodeLine({ nodeId, weeks }: OlderCodeWeeks): string {
  const range = weeks.length === 1 ? weeks[0]! : `${weeks[0]}..${weeks.at(-1)}`;
  const flag = weeks.length === 1 ? `--week ${range}` : `--weeks ${range}`;
  return `${nodeId}: ${weeks.length} stored ${weeks.length === 1 ? 'week' : 'weeks'} from older code (${range}); run --select ${nodeId} ${flag} to recompute ${weeks.length === 1 ? 'it' : 'them'}`;
}
