import type { Kysely } from 'kysely';
import { kpiNumberLabel } from '../../../graph/ids.ts';
import type { IsoWeek } from '../../../graph/iso-week.ts';
import { statusOf, thresholdsFor } from '../../../graph/targets.ts';
import type { Target } from '../../../graph/targets.ts';
import { RANGE_TYPE } from './scorecards.ts';
import type { Write } from './write-at-once.ts';

/** `vl_analytics.scorecard_status`: each stored value's status against its KPI's target (migration 005). */
const STATUS_TABLE = 'vl_analytics.scorecard_status';

type Db = Kysely<any>;

export interface ValueStatus {
  readonly domain: string;
  readonly kpiNumber: number;
  readonly week: IsoWeek;
  readonly value: number | null;
  readonly target: Target | undefined;
  readonly runId: string;
}

/** The status of a value with the thresholds that decided it; send it with the write of the value (see writeAtOnce). */
export function valueStatusWrite(db: Db, entry: ValueStatus): Write {
  const status = statusOf(entry.value, entry.target, entry.week.year);
  const thresholds = entry.target ? thresholdsFor(entry.target, entry.week.year) : undefined;
  const row = {
    domain: entry.domain,
    kpi_number: kpiNumberLabel(entry.kpiNumber),
    range_type: RANGE_TYPE,
    last_sunday: entry.week.lastSunday.toString(),
    iso_week: entry.week.id,
    status,
    direction: entry.target?.direction ?? null,
    green: thresholds?.green ?? null,
    amber: thresholds?.amber ?? null,
    run_id: entry.runId,
  };
  const { domain: _domain, kpi_number: _number, range_type: _range, last_sunday: _sunday, ...updates } = row;
  return db
    .insertInto(STATUS_TABLE)
    .values(row)
    .onConflict((conflict) => conflict.columns(['domain', 'kpi_number', 'range_type', 'last_sunday']).doUpdateSet(updates));
}
