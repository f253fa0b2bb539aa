/**
 * The declaration API: everything a file under `nodes/` imports. A KPI declares what it
 * reads and how it computes one number for one week; the engine hands it what it
 * declared through one context object and never lets it open a connection itself.
 */
import type { Kysely, RawBuilder, SelectQueryBuilder } from 'kysely';
import type { Target } from './targets.ts';

export { sql } from 'kysely';
export type { Direction, Target, Thresholds } from './targets.ts';

export const UNITS = ['integer', 'decimal', 'percent', 'currency'] as const;
export type Unit = (typeof UNITS)[number];

// ---------------------------------------------------------------- inputs

export interface TableInput {
  readonly kind: 'table';
  /** `schema.table` in the warehouse. */
  readonly table: string;
  /**
   * A column that grows whenever a row is added or changed (`updated_at`, a load id): the
   * table's fingerprint is then its row count plus the column's maximum, a cheap option for
   * very large tables. Without one, it is a checksum of the table's content, computed in the
   * warehouse, so an update in place is seen.
   */
  readonly changeColumn?: string;
  /** Only these columns count for the fingerprint: a change in another column leaves the KPI fresh. */
  readonly columns?: readonly string[];
  /** Only rows whose `column` falls in the `weeks` weeks ending with the computed week count for its fingerprint. */
  readonly window?: TableWindow;
}

/** Rows whose date or timestamp `column` lies in the `weeks` ISO weeks ending with the computed one (local time). */
export interface TableWindow {
  readonly column: string;
  readonly weeks: number;
}

export interface TableOptions {
  readonly changeColumn?: string;
  readonly columns?: readonly string[];
  readonly window?: TableWindow;
}

export interface SheetInput {
  readonly kind: 'sheet';
  /** A spreadsheet range named in the configuration's `sheets`. */
  readonly source: string;
}

export interface KpiInput {
  readonly kind: 'kpi';
  /** Node id of the upstream KPI, e.g. `success.kpi06`. */
  readonly kpi: string;
  /** How many weeks ending with the computed week it reads (1 = the same week only). */
  readonly weeks: number;
  /**
   * A window with weeks that have no value is acceptable: compute gets null for them. By
   * default such a window gives the KPI no value, with the reason.
   */
  readonly partial?: boolean;
}

/** A model (a shared transform materialised in the warehouse), read as a table. */
export interface ModelInput {
  readonly kind: 'model';
  /** Node id of the model, e.g. `applications.records`. */
  readonly model: string;
  /** As for a table (see TableInput): only these columns count for the fingerprint. */
  readonly columns?: readonly string[];
  /** As for a table: only rows whose `column` falls in the `weeks` weeks ending with the computed week count. */
  readonly window?: TableWindow;
}

export type InputDeclaration = TableInput | SheetInput | KpiInput | ModelInput;

/** What a model may read: warehouse tables and other models (its SQL runs in the warehouse). */
export type ModelSourceInput = TableInput | ModelInput;

/**
 * A warehouse table: a Kysely query builder over it and a reference for raw SQL. `columns` and
 * `window` narrow what decides the KPI's freshness to what it reads, so that a change outside
 * a week's window does not make every week stale.
 */
export function table(name: string, options: TableOptions = {}): TableInput {
  return { kind: 'table', table: name, ...options };
}

/** A spreadsheet range, read once per run and registered as a DuckDB table. */
export function sheet(source: string): SheetInput {
  return { kind: 'sheet', source };
}

/** A model's table, as a table input reads a warehouse table (same options). */
export function model(id: string, options: Omit<TableOptions, 'changeColumn'> = {}): ModelInput {
  return { kind: 'model', model: id, ...options };
}

/** Values of another KPI for the computed week and the `weeks - 1` before it. */
export function kpi(id: string, options: { weeks?: number; partial?: boolean } = {}): KpiInput {
  return { kind: 'kpi', kpi: id, weeks: options.weeks ?? 1, ...(options.partial ? { partial: true } : {}) };
}

// ---------------------------------------------------------------- what compute receives

export interface TableHandle {
  readonly name: string;
  /** Validated identifier for `sql` templates: sql`select count(*) from ${handle.ref}`. */
  readonly ref: RawBuilder<unknown>;
  selectFrom(): SelectQueryBuilder<any, any, {}>;
}

export type SheetCell = string | number | boolean | null;
export type SheetRow = Readonly<Record<string, SheetCell>>;

export interface SheetHandle {
  readonly source: string;
  /** Name of the DuckDB table holding the cleaned rows. */
  readonly table: string;
  readonly rows: readonly SheetRow[];
}

export interface WeekValue {
  readonly week: string;
  readonly value: number | null;
}

export type ResolvedInput<T extends InputDeclaration> = T extends TableInput | ModelInput
  ? TableHandle
  : T extends SheetInput
    ? SheetHandle
    : T extends KpiInput
      ? readonly WeekValue[]
      : never;

export type ResolvedInputs<I extends Record<string, InputDeclaration>> = {
  readonly [K in keyof I]: ResolvedInput<I[K]>;
};

/** The week being computed, with its bounds in the configured time zone. */
export interface WeekContext {
  /** `2026-W47` */
  readonly id: string;
  /** ISO week-year. */
  readonly year: number;
  readonly number: number;
  /** `2026-11-16` */
  readonly monday: string;
  /** `2026-11-22` */
  readonly lastSunday: string;
  /** Monday 00:00 local, ISO 8601 with offset: the inclusive lower bound for timestamps. */
  readonly startsAt: string;
  /** The next Monday 00:00 local: the exclusive upper bound for timestamps. */
  readonly endsAt: string;
  readonly timeZone: string;
}

export interface DuckQuery {
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface KpiLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

export interface ComputeContext<I extends Record<string, InputDeclaration>> {
  readonly week: WeekContext;
  readonly inputs: ResolvedInputs<I>;
  readonly warehouse: Kysely<any>;
  readonly duck: DuckQuery;
  readonly log: KpiLogger;
  readonly signal: AbortSignal;
}

// ---------------------------------------------------------------- checks

/**
 * What a failed check does. `error` (the default): the value is stored with the failure, but
 * nothing that reads it runs (its domain's publish, KPIs built on it) and the run fails.
 * `warn`: the failure is reported and the value is published anyway.
 */
export type Severity = 'error' | 'warn';

export const SEVERITIES: readonly Severity[] = ['error', 'warn'];

export interface CheckOptions {
  readonly severity?: Severity;
}

/** What a check gets besides the value. */
export interface CheckContext {
  /** The week checked, `2026-W47`. */
  readonly week: string;
  /**
   * The KPI's stored value for the week before (value null when it has none). When the same
   * run computes that week too, it is computed first (see Check.readsPreviousWeek).
   */
  readonly previous: WeekValue;
}

/** A rule on a computed value; `test` returns why it fails, or undefined when it holds. */
export interface Check {
  readonly name: string;
  readonly severity: Severity;
  /**
   * The rule compares with the week before: that week is computed first when the run has it,
   * a change to its value makes this week's value stale, and its failure blocks this week.
   */
  readonly readsPreviousWeek: boolean;
  test(value: number | null, context: CheckContext): string | undefined;
}

function severityOf(options: CheckOptions, name: string): Severity {
  const severity = options.severity ?? 'error';
  if (!SEVERITIES.includes(severity)) throw new Error(`check ${name}: severity ${JSON.stringify(severity)} must be one of ${SEVERITIES.join(', ')}`);
  return severity;
}

/** A number in a check's message: no floating-point noise (0.30000000000000004 shows as 0.3). */
const shown = (value: number) => String(Number(value.toPrecision(10)));

/** Floating-point noise is no change: a limit is exceeded by more than this. */
const TOLERANCE = 1e-9;

export function notNull(options: CheckOptions = {}): Check {
  return { name: 'notNull', severity: severityOf(options, 'notNull'), readsPreviousWeek: false, test: (value) => (value === null ? 'value is null' : undefined) };
}

/** The value lies in [min, max] (no value passes: notNull says whether one is required). */
export function between(min: number, max: number, options: CheckOptions = {}): Check {
  const name = `between(${min}, ${max})`;
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new Error(`check ${name}: min and max must be numbers with min <= max`);
  return {
    name,
    severity: severityOf(options, name),
    readsPreviousWeek: false,
    test: (value) => (value !== null && (value < min || value > max) ? `value ${shown(value)} is outside ${min}..${max}` : undefined),
  };
}

/** At most this much change from the week before: a `ratio` of the previous value (0.5 = 50%) or an `absolute` amount. */
export type ChangeLimit = { readonly ratio: number; readonly absolute?: never } | { readonly absolute: number; readonly ratio?: never };

/**
 * The week-over-week change stays within a limit: `maxChange({ ratio: 0.5 })` or
 * `maxChange({ absolute: 10 })`. It compares with the KPI's stored value of the week before;
 * without a value on either side there is nothing to compare and it passes. With a ratio, any
 * change from 0 exceeds it.
 */
export function maxChange(limit: ChangeLimit, options: CheckOptions = {}): Check {
  const kind = limit.ratio !== undefined ? 'ratio' : 'absolute';
  const bound = limit.ratio ?? limit.absolute;
  const name = `maxChange(${kind}: ${bound})`;
  if ((limit.ratio === undefined) === (limit.absolute === undefined) || !Number.isFinite(bound) || bound! < 0) {
    throw new Error(`check maxChange: give one of { ratio } or { absolute }, a number of at least 0`);
  }
  const most = bound!;
  return {
    name,
    severity: severityOf(options, name),
    readsPreviousWeek: true,
    test: (value, { previous }) => {
      if (value === null || previous.value === null) return undefined;
      const change = Math.abs(value - previous.value);
      const from = `from ${shown(previous.value)} in ${previous.week} to ${shown(value)}`;
      if (kind === 'absolute') return change > most + TOLERANCE ? `changed by ${shown(change)} ${from}, more than ${shown(most)}` : undefined;
      if (previous.value === 0) return change > 0 ? `changed ${from}: any change from 0 is more than ${shown(most * 100)}%` : undefined;
      const ratio = change / Math.abs(previous.value);
      return ratio > most + TOLERANCE ? `changed by ${shown(ratio * 100)}% ${from}, more than ${shown(most * 100)}%` : undefined;
    },
  };
}

/**
 * A rule of your own: `check('fewer than last year', (value, { previous }) => …)` returns why
 * the value fails, or undefined. It gets the week before's stored value, so it counts as reading
 * that week (see Check.readsPreviousWeek).
 */
export function check(name: string, test: (value: number | null, context: CheckContext) => string | undefined, options: CheckOptions = {}): Check {
  if (typeof name !== 'string' || name.trim() === '') throw new Error('check: a custom check needs a name');
  if (typeof test !== 'function') throw new Error(`check ${name}: the second argument is the test, a function (value, context) => reason | undefined`);
  return { name, severity: severityOf(options, name), readsPreviousWeek: true, test };
}

/** Whether a KPI's checks compare with the week before (see Check.readsPreviousWeek). */
export function readsPreviousWeek(declaration: { readonly checks?: readonly Check[] }): boolean {
  return (declaration.checks ?? []).some((rule) => rule.readsPreviousWeek);
}

// ---------------------------------------------------------------- declarations

export interface KpiDefinition<I extends Record<string, InputDeclaration>> {
  readonly domain: string;
  readonly number: number;
  readonly name: string;
  readonly unit: Unit;
  /** Free text stored in `field_details`: how the number is made. */
  readonly details?: string;
  readonly inputs: I;
  readonly checks?: readonly Check[];
  /** What counts as on target, near it and off it; each stored value gets its status (see targets.ts). */
  readonly target?: Target;
  /** Labels to select it by (`--select tag:board`): lower-case words. */
  readonly tags?: readonly string[];
  compute(context: ComputeContext<I>): Promise<number | null> | number | null;
}

export interface KpiDeclaration<I extends Record<string, InputDeclaration> = Record<string, InputDeclaration>>
  extends KpiDefinition<I> {
  readonly kind: 'kpi';
}

export interface PublishDefinition {
  readonly domain: string;
  /** Scorecard name stored in `sc_name`, e.g. `Success`. */
  readonly scorecard: string;
  /** Labels to select it by (`--select tag:board`): lower-case words. */
  readonly tags?: readonly string[];
}

export interface PublishDeclaration extends PublishDefinition {
  readonly kind: 'publish';
}

/**
 * A model: a query over warehouse tables and other models, materialised once per run as a
 * table of its own (`kpi_models.<domain>__<name>`) when its fingerprint changed, and read by
 * KPIs and other models through `model('<domain>.<name>')`. Shared logic lives here, computed
 * once, instead of in a helper every KPI runs again.
 */
export interface ModelDefinition<I extends Record<string, ModelSourceInput>> {
  readonly domain: string;
  /** Lower case letters, digits and single underscores; not `publish` nor a KPI's `kpiNN`. */
  readonly name: string;
  /** What the rows are: shown in the plan, `ls` and the site. */
  readonly details?: string;
  readonly inputs: I;
  /**
   * A date or timestamp column of the rows: the model is then kept by ISO week of it (in the
   * configured time zone), and a rebuild replaces only the weeks whose rows changed, each
   * week's rows deleted and inserted in one transaction. Without it, a rebuild replaces the
   * whole table at once.
   */
  readonly timeColumn?: string;
  /** Labels to select it by (`--select tag:board`): lower-case words. */
  readonly tags?: readonly string[];
  /**
   * The model's rows: a query over the inputs' tables (`sql` or a Kysely select). It takes no
   * parameters (write constants with sql.lit): PostgreSQL creates a table from a query only
   * without them.
   */
  query(context: ModelContext<I>): ModelQuery;
}

/** A model's rows: a raw `sql` query or a Kysely select. */
export type ModelQuery = RawBuilder<unknown> | SelectQueryBuilder<any, any, any>;

export interface ModelContext<I extends Record<string, ModelSourceInput>> {
  readonly inputs: ResolvedInputs<I>;
  readonly warehouse: Kysely<any>;
}

export interface ModelDeclaration<I extends Record<string, ModelSourceInput> = Record<string, ModelSourceInput>> extends ModelDefinition<I> {
  readonly kind: 'model';
}

export type Declaration = KpiDeclaration | PublishDeclaration | ModelDeclaration;

export function defineModel<const I extends Record<string, ModelSourceInput>>(definition: ModelDefinition<I>): ModelDeclaration<I> {
  return { kind: 'model', ...definition };
}

export function defineKpi<const I extends Record<string, InputDeclaration>>(definition: KpiDefinition<I>): KpiDeclaration<I> {
  return { kind: 'kpi', ...definition };
}

export function definePublish(definition: PublishDefinition): PublishDeclaration {
  return { kind: 'publish', ...definition };
}

// ---------------------------------------------------------------- helpers for compute

/** Mean of the weeks that have a value; null when none has. */
export function average(values: readonly WeekValue[]): number | null {
  const present = values.flatMap((entry) => (entry.value === null ? [] : [entry.value]));
  if (present.length === 0) return null;
  return present.reduce((sum, value) => sum + value, 0) / present.length;
}

// ---------------------------------------------------------------- examples

/** A row given to a table, model or sheet input: only the columns that matter (the others take their default, or null). */
export type GivenRow = Readonly<Record<string, unknown>>;

/** Values of a kpi input by ISO week (`{ '2026-W09': 3 }`); the weeks it reads that are not given have no value. */
export type GivenWeeks = Readonly<Record<string, number | null>>;

/**
 * What an example expects: the value (compared with a relative tolerance of 1e-9), no value
 * (`null`), or an error: compute throws or returns something that is not a KPI value, or a
 * check of severity `error` fails; `error` is a substring of the message, or a pattern it matches.
 */
export type ExpectedValue = number | null | { readonly error: string | RegExp };

/** One case of a KPI's logic, as dbt's unit tests: given rows per input, the week, the value expected. */
export interface Example {
  /** What the case shows, printed beside ✓ or ✗: unique among the KPI's examples. */
  readonly name: string;
  /** The ISO week computed, `2026-W10`. */
  readonly week: string;
  /** By input name of the KPI: rows for a table, model or sheet input, values by week for a kpi input. Inputs not given are empty. */
  readonly given: Readonly<Record<string, readonly GivenRow[] | GivenWeeks>>;
  readonly expect: ExpectedValue;
  /** With `expect: null`: a substring of why there is no value (`incomplete window`). */
  readonly reason?: string;
}

export interface ExamplesDeclaration {
  readonly kind: 'examples';
  /** Node id of the KPI they test, `success.kpi06`. */
  readonly kpi: string;
  readonly examples: readonly Example[];
}

/**
 * A KPI's examples, declared in a file beside it (`kpi06.examples.ts`, not a node) and run by
 * `pipeline test` on an embedded warehouse of its own, each in a transaction rolled back.
 */
export function examples(kpi: string, list: readonly Example[]): ExamplesDeclaration {
  return { kind: 'examples', kpi, examples: list };
}
