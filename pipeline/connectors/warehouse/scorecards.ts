import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { isValidName, kpiNumberLabel } from '../../../graph/ids.ts';
import type { IsoWeek } from '../../../graph/iso-week.ts';
import type { Write } from './write-at-once.ts';
import { SCORECARD_SCHEMA, regclassText } from '../../environments/environment.ts';

export const RANGE_TYPE = 'weekly';

type Db = Kysely<any>;

/** One stored KPI value with the standard metadata of the scorecard tables. */
export interface ScorecardValue {
  readonly domain: string;
  readonly scorecardName: string;
  readonly kpiNumber: number;
  readonly name: string;
  readonly details: string;
  readonly week: IsoWeek;
  readonly value: number | null;
  /** Local wall-clock time of the run, `YYYY-MM-DDTHH:MM:SS`. */
  readonly printDate: string;
  readonly runId: string;
}

function scorecardTable(domain: string): string {
  if (!isValidName(domain)) throw new Error(`invalid domain name "${domain}"`);
  return `scorecard_${domain}`;
}

/** Creates `vl_analytics.scorecard_<domain>` with the columns dashboards already read. */
export async function ensureScorecardTable(db: Db, domain: string): Promise<void> {
  await db.schema
    .withSchema(SCORECARD_SCHEMA)
    .createTable(scorecardTable(domain))
    .ifNotExists()
    .addColumn('year', 'integer', (column) => column.notNull())
    .addColumn('print_date', 'timestamp', (column) => column.notNull())
    .addColumn('sc_name', 'text', (column) => column.notNull())
    .addColumn('last_sunday', 'date', (column) => column.notNull())
    .addColumn('kpi_number', 'text', (column) => column.notNull())
    .addColumn('range_type', 'text', (column) => column.notNull())
    .addColumn('week_month', 'text', (column) => column.notNull())
    .addColumn('field_name', 'text', (column) => column.notNull())
    .addColumn('field_details', 'text')
    .addColumn('field_value', 'double precision')
    .addColumn('iso_week', 'text', (column) => column.notNull())
    .addColumn('run_id', 'text', (column) => column.notNull())
    .addUniqueConstraint(`${scorecardTable(domain)}_one_value`, ['kpi_number', 'range_type', 'last_sunday'])
    .execute();
}

/** The write of a value; a rerun of the same KPI and week replaces the row, never duplicates it. */
export function scorecardValueWrite(db: Db, value: ScorecardValue): Write {
  const row = {
    year: value.week.year,
    print_date: value.printDate,
    sc_name: value.scorecardName,
    last_sunday: value.week.lastSunday.toString(),
    kpi_number: kpiNumberLabel(value.kpiNumber),
    range_type: RANGE_TYPE,
    week_month: value.week.weekLabel,
    field_name: value.name,
    field_details: value.details,
    field_value: value.value,
    iso_week: value.week.id,
    run_id: value.runId,
  };
  const { kpi_number: _number, range_type: _range, last_sunday: _sunday, ...updates } = row;
  return db
    .withSchema(SCORECARD_SCHEMA)
    .insertInto(scorecardTable(value.domain))
    .values(row)
    .onConflict((conflict) => conflict.columns(['kpi_number', 'range_type', 'last_sunday']).doUpdateSet(updates));
}

/** One stored value of a domain's scorecard. */
export interface StoredValue {
  readonly kpiNumber: string;
  readonly week: string;
  readonly value: number | null;
}

/** Every stored value of a domain, oldest week first; none when the domain has never run (its table does not exist yet). */
export async function readStoredValues(db: Db, domain: string): Promise<StoredValue[]> {
  const { rows } = await sql<{ exists: boolean }>`select to_regclass(${regclassText(db, `${SCORECARD_SCHEMA}.${scorecardTable(domain)}`)}) is not null as exists`.execute(db);
  if (!rows[0]?.exists) return [];
  const values: { kpi_number: string; iso_week: string; field_value: number | null }[] = await db
    .withSchema(SCORECARD_SCHEMA)
    .selectFrom(scorecardTable(domain))
    .select(['kpi_number', 'iso_week', 'field_value'])
    .where('range_type', '=', RANGE_TYPE)
    .orderBy('last_sunday')
    .orderBy('kpi_number')
    .execute();
  return values.map((row) => ({ kpiNumber: row.kpi_number, week: row.iso_week, value: row.field_value === null ? null : Number(row.field_value) }));
}
