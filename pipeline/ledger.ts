import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Temporal } from 'temporal-polyfill';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface RunRecord {
  readonly runId: string;
  readonly command: string;
  readonly selection: string;
  readonly weeks: string;
  readonly concurrency: number;
}

export interface NodeRunRecord {
  readonly runId: string;
  readonly taskId: string;
  readonly nodeId: string;
  readonly week?: string;
  readonly status: 'succeeded' | 'failed' | 'blocked';
  readonly startedAt?: Temporal.Instant;
  readonly finishedAt?: Temporal.Instant;
  readonly durationMs?: number;
  readonly value?: number | null;
  readonly error?: string;
}

/** Sortable and readable: `20261123T221503Z-3f9a1c`. */
export function newRunId(now: Temporal.Instant = Temporal.Now.instant()): string {
  const stamp = now.toString({ smallestUnit: 'second' }).replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function startRun(db: Db, run: RunRecord): Promise<void> {
  await db
    .insertInto('kpi_ledger.runs')
    .values({
      run_id: run.runId,
      command: run.command,
      selection: run.selection,
      weeks: run.weeks,
      concurrency: run.concurrency,
      status: 'running',
      started_at: Temporal.Now.instant().toString(),
    })
    .execute();
}

export async function finishRun(db: Db, runId: string, status: RunStatus): Promise<void> {
  await db
    .updateTable('kpi_ledger.runs')
    .set({ status, finished_at: Temporal.Now.instant().toString() })
    .where('run_id', '=', runId)
    .execute();
}

/** One node-run. Call it in the transaction that writes the node's value, so both land or neither. */
export async function recordNodeRun(db: Db, record: NodeRunRecord): Promise<void> {
  await db
    .insertInto('kpi_ledger.node_runs')
    .values({
      run_id: record.runId,
      task_id: record.taskId,
      node_id: record.nodeId,
      iso_week: record.week ?? null,
      status: record.status,
      started_at: record.startedAt?.toString() ?? null,
      finished_at: record.finishedAt?.toString() ?? null,
      duration_ms: record.durationMs === undefined ? null : Math.round(record.durationMs),
      value: record.value ?? null,
      error: record.error ?? null,
    })
    .execute();
}
