import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import type { IsoWeek } from '../../graph/iso-week.ts';
import type { PipelineGraph } from '../../graph/build.ts';
import { ConfigError } from '../config.ts';
import type { Config } from '../config.ts';
import { describeTable } from '../connectors/warehouse/catalog.ts';
import { weekContext } from '../dates.ts';

/** A length of time as the configuration writes it: `{ hours: 24 }`, `{ days: 3 }`. */
export interface Duration {
  readonly days?: number;
  readonly hours?: number;
  readonly minutes?: number;
}

/** How fresh a table's extract must be (dbt's source freshness): the column its loader stamps, and the limits on its age. */
export interface FreshnessRule {
  /** A date or timestamp column the loader sets on each row it writes (`_airbyte_extracted_at`, `received_at`). */
  readonly loadedAt: string;
  readonly warnAfter?: Duration;
  readonly errorAfter?: Duration;
}

export type LoadStatus = 'pass' | 'warn' | 'error';

/** A table's latest load, as the run found it when it started. */
export interface SourceLoad {
  readonly table: string;
  readonly loadedAt: string;
  /** ISO instant of the newest `loadedAt`; null for a table with no row. */
  readonly lastLoaded: string | null;
  /** Hours from the latest load to the run's start. */
  readonly ageHours: number | null;
  readonly status: LoadStatus;
  readonly warnAfterHours: number | null;
  readonly errorAfterHours: number | null;
}

/** What a source's freshness does to a KPI-week that reads it: warn (computed, with the warning) or error (not computed). */
export interface SourceHold {
  readonly level: 'warn' | 'error';
  /** `source freshness: stg_hubspot.agreements last loaded 2026-11-29 03:12, 76 h ago` */
  readonly message: string;
}

export const hoursOf = (duration: Duration) => (duration.days ?? 0) * 24 + (duration.hours ?? 0) + (duration.minutes ?? 0) / 60;

/** The newest `loadedAt` of a table and how old it is at `now` (the run's start), against the rule's limits. */
export async function readLoad(db: Kysely<any>, table: string, rule: FreshnessRule, now: Temporal.Instant): Promise<SourceLoad> {
  const { rows } = await sql<{ epoch: string | null }>`
    select extract(epoch from max(${sql.ref(rule.loadedAt)})::timestamptz)::text as epoch from ${sql.table(table)}`.execute(db);
  const epoch = rows[0]?.epoch;
  const last = epoch === null || epoch === undefined ? null : Temporal.Instant.fromEpochMilliseconds(Math.round(Number(epoch) * 1000));
  const ageHours = last === null ? null : (now.epochMilliseconds - last.epochMilliseconds) / 3_600_000;
  const warnAfterHours = rule.warnAfter ? hoursOf(rule.warnAfter) : null;
  const errorAfterHours = rule.errorAfter ? hoursOf(rule.errorAfter) : null;
  const beyond = (limit: number | null) => limit !== null && (ageHours === null || ageHours > limit);
  const status: LoadStatus = beyond(errorAfterHours) ? 'error' : beyond(warnAfterHours) ? 'warn' : 'pass';
  return { table, loadedAt: rule.loadedAt, lastLoaded: last?.toString() ?? null, ageHours, status, warnAfterHours, errorAfterHours };
}

/**
 * What a load means for computing `week`: an error when the extract is older than `errorAfter`
 * or has not landed anything since the week ended (the week's data cannot be complete), a
 * warning past `warnAfter`, nothing otherwise.
 */
export function holdFor(load: SourceLoad, week: IsoWeek, timeZone: string): SourceHold | undefined {
  if (load.lastLoaded === null) return { level: load.status === 'warn' ? 'warn' : 'error', message: `source freshness: ${load.table} has no rows yet` };
  const when = `${load.table} last loaded ${localMinute(load.lastLoaded, timeZone)}, ${Math.floor(load.ageHours!)} h ago`;
  if (load.status === 'error') return { level: 'error', message: `source freshness: ${when}` };
  if (Temporal.Instant.compare(Temporal.Instant.from(load.lastLoaded), Temporal.Instant.from(weekContext(week, timeZone).endsAt)) < 0) {
    return { level: 'error', message: `source freshness: ${when}, before ${week.id} ended` };
  }
  if (load.status === 'warn') return { level: 'warn', message: `source freshness: ${when} (warn after ${load.warnAfterHours} h)` };
  return undefined;
}

/** The tables a node reads, directly or through the models it reads. */
export function tablesReadBy(graph: PipelineGraph, nodeId: string): string[] {
  const tables = new Set<string>();
  const seen = new Set<string>();
  const walk = (id: string) => {
    for (const upstream of graph.inNeighbors(id)) {
      if (seen.has(upstream)) continue;
      seen.add(upstream);
      const node = graph.getNodeAttributes(upstream);
      if (node.kind === 'table') tables.add(node.table);
      else if (node.kind === 'model') walk(upstream);
    }
  };
  walk(nodeId);
  return [...tables].sort();
}

/** Each table's freshness rule: from the configuration's `sources`. */
export function freshnessRules(config: Pick<Config, 'sources'>): Map<string, FreshnessRule> {
  return new Map(Object.entries(config.sources).map(([table, source]) => [table, source.freshness]));
}

/**
 * That each rule's `loadedAt` column exists in its table, before anything runs: a misspelt
 * column is a configuration error naming both, not a failure of every KPI that reads the table.
 */
export async function checkRules(db: Kysely<any>, rules: ReadonlyMap<string, FreshnessRule>, tables: Iterable<string>): Promise<void> {
  for (const table of tables) {
    const rule = rules.get(table);
    if (!rule) continue;
    const columns = await describeTable(db, table);
    if (columns && !columns.some((column) => column.name === rule.loadedAt)) {
      throw new ConfigError(`sources.${table}.freshness.loadedAt: table ${table} has no column "${rule.loadedAt}" (its columns: ${columns.map((column) => column.name).join(', ')})`);
    }
  }
}

/** `2026-11-29 03:12`, local. */
export function localMinute(instant: string, timeZone: string): string {
  const local = Temporal.Instant.from(instant).toZonedDateTimeISO(timeZone);
  return `${local.toPlainDate().toString()} ${local.toPlainTime().toString({ smallestUnit: 'minute' })}`;
}
