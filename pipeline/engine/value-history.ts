import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import type { Fingerprint } from './fingerprint.ts';
import type { Write } from '../connectors/warehouse/write-at-once.ts';

/**
 * What was published, and what changed after: every value a KPI-week ever had is a node-run
 * of the ledger (with its run, code version and input fingerprints); these add what each
 * publish wrote where, and the restatements — a value that changed after it was published.
 */

type Db = Kysely<any>;

export interface PublishedValue {
  readonly value: number | null;
  readonly publishedAt: string;
}

const keyOf = (nodeId: string, week: string) => `${nodeId}@${week}`;

/** The last published value of each node-week among `weeks` (any destination), keyed `node@week`. */
export async function lastPublishedValues(db: Db, weeks: readonly string[]): Promise<Map<string, PublishedValue>> {
  if (weeks.length === 0) return new Map();
  const rows: { node_id: string; iso_week: string; value: number | null; published_at: unknown }[] = await db
    .selectFrom('kpi_ledger.published_values')
    .distinctOn(['node_id', 'iso_week'])
    .select(['node_id', 'iso_week', 'value', 'published_at'])
    .where('iso_week', 'in', weeks)
    .orderBy('node_id')
    .orderBy('iso_week')
    .orderBy('published_at', 'desc')
    .execute();
  return new Map(rows.map((row) => [keyOf(row.node_id, row.iso_week), { value: numberOrNull(row.value), publishedAt: instant(row.published_at) }]));
}

export interface PublishedCell {
  readonly nodeId: string;
  readonly week: string;
  readonly destination: string;
  readonly tab: string;
  readonly cell?: string;
  readonly value: number | null;
}

/** What a publish wrote, for the ledger; sent with the publish's node-run (see writeAtOnce). */
export function publishedWrites(db: Db, runId: string, cells: readonly PublishedCell[]): Write[] {
  if (cells.length === 0) return [];
  const publishedAt = Temporal.Now.instant().toString();
  return [
    db
      .insertInto('kpi_ledger.published_values')
      .values(cells.map((cell) => ({ node_id: cell.nodeId, iso_week: cell.week, destination: cell.destination, tab: cell.tab, cell: cell.cell ?? null, value: cell.value, run_id: runId, published_at: publishedAt }))),
  ];
}

export interface Restatement {
  readonly nodeId: string;
  readonly week: string;
  readonly previous: number | null;
  readonly value: number | null;
  /** When the previous value was published. */
  readonly publishedAt: string;
  readonly runId: string;
  readonly restatedAt: string;
}

/** Two stored values are the same value (doubles that went through JSON and the database). */
export function sameValue(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** A restatement, sent with the write of the new value (see writeAtOnce). */
export function restatementWrite(db: Db, restatement: Restatement): Write {
  return db
    .insertInto('kpi_ledger.restatements')
    .values({
      node_id: restatement.nodeId,
      iso_week: restatement.week,
      previous_value: restatement.previous,
      value: restatement.value,
      published_at: restatement.publishedAt,
      run_id: restatement.runId,
      restated_at: restatement.restatedAt,
    });
}

/** Restatements, newest first; `since` an ISO week (`2026-W40`, by the week restated) or a date (by when). */
export async function listRestatements(db: Db, options: { since?: string; limit: number }): Promise<Restatement[]> {
  let query = db.selectFrom('kpi_ledger.restatements').selectAll();
  if (options.since !== undefined) {
    query = /^\d{4}-W\d\d$/.test(options.since)
      ? query.where('iso_week', '>=', options.since)
      : query.where('restated_at', '>=', sql<string>`${options.since}::timestamptz`);
  }
  const rows: Record<string, unknown>[] = await query.orderBy('restated_at', 'desc').limit(options.limit).execute();
  return rows.map(restatementOf);
}

const restatementOf = (row: Record<string, unknown>): Restatement => ({
  nodeId: String(row.node_id),
  week: String(row.iso_week),
  previous: numberOrNull(row.previous_value),
  value: numberOrNull(row.value),
  publishedAt: instant(row.published_at),
  runId: String(row.run_id),
  restatedAt: instant(row.restated_at),
});

/**
 * The latest restatement of each KPI-week of a session's weeks, what a scorecard cell notes:
 * read in one query when the session opens and kept current as the run records restatements
 * (the run holds the only writer's lock).
 */
export class LatestRestatements {
  private constructor(private readonly latest: Map<string, Restatement>) {}

  /** None: a warehouse whose ledger no run has written. */
  static none(): LatestRestatements {
    return new LatestRestatements(new Map());
  }

  static async load(db: Db, weeks: readonly string[]): Promise<LatestRestatements> {
    if (weeks.length === 0) return LatestRestatements.none();
    const rows: Record<string, unknown>[] = await db
      .selectFrom('kpi_ledger.restatements')
      .distinctOn(['node_id', 'iso_week'])
      .selectAll()
      .where('iso_week', 'in', weeks)
      .orderBy('node_id')
      .orderBy('iso_week')
      .orderBy('restated_at', 'desc')
      .execute();
    return new LatestRestatements(new Map(rows.map((row) => [`${String(row.node_id)}@${String(row.iso_week)}`, restatementOf(row)])));
  }

  of(nodeId: string, week: string): Restatement | undefined {
    return this.latest.get(`${nodeId}@${week}`);
  }

  /** Call once the restatement is committed. */
  remember(restatement: Restatement): void {
    this.latest.set(`${restatement.nodeId}@${restatement.week}`, restatement);
  }
}

export interface ValueVersion {
  readonly runId: string;
  readonly value: number | null;
  readonly computedAt: string;
  /** Git commit (with `+dirty`) of the run, when it ran from a checkout. */
  readonly codeVersion: string | null;
  readonly fingerprint: Fingerprint | null;
  readonly reason: string | null;
}

/** Every value a KPI-week has had, newest first: each node-run that computed it, with its run's code version. */
export async function valueHistory(db: Db, nodeId: string, week: string): Promise<ValueVersion[]> {
  const rows: { run_id: string; value: number | null; finished_at: unknown; code_version: string | null; fingerprint_parts: unknown; reason: string | null }[] = await db
    .selectFrom('kpi_ledger.node_runs as n')
    .innerJoin('kpi_ledger.runs as r', 'r.run_id', 'n.run_id')
    .select(['n.run_id', 'n.value', 'n.finished_at', 'r.code_version', 'n.fingerprint_parts', 'n.reason'])
    .where('n.node_id', '=', nodeId)
    .where('n.iso_week', '=', week)
    .where('n.status', '=', 'succeeded')
    .orderBy('n.seq', 'desc')
    .execute();
  return rows.map((row) => ({
    runId: row.run_id,
    value: numberOrNull(row.value),
    computedAt: instant(row.finished_at),
    codeVersion: row.code_version,
    fingerprint: (typeof row.fingerprint_parts === 'string' ? JSON.parse(row.fingerprint_parts) : row.fingerprint_parts) as Fingerprint | null,
    reason: row.reason,
  }));
}

/** Where a KPI-week was last published, per destination. */
export async function publishedCells(db: Db, nodeId: string, week: string): Promise<(PublishedCell & { publishedAt: string; runId: string })[]> {
  const rows: { destination: string; tab: string; cell: string | null; value: number | null; published_at: unknown; run_id: string }[] = await db
    .selectFrom('kpi_ledger.published_values')
    .distinctOn('destination')
    .select(['destination', 'tab', 'cell', 'value', 'published_at', 'run_id'])
    .where('node_id', '=', nodeId)
    .where('iso_week', '=', week)
    .orderBy('destination')
    .orderBy('published_at', 'desc')
    .execute();
  return rows.map((row) => ({
    nodeId,
    week,
    destination: row.destination,
    tab: row.tab,
    ...(row.cell ? { cell: row.cell } : {}),
    value: numberOrNull(row.value),
    publishedAt: instant(row.published_at),
    runId: row.run_id,
  }));
}

const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const instant = (value: unknown) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());
