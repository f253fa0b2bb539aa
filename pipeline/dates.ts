import { Temporal } from 'temporal-polyfill';
import type { WeekContext } from '../graph/declare.ts';
import { IsoWeek } from '../graph/iso-week.ts';

/** The last ISO week that has fully ended at `now` in `timeZone`. */
export function lastCompletedWeek(now: Temporal.Instant, timeZone: string): IsoWeek {
  const today = now.toZonedDateTimeISO(timeZone).toPlainDate();
  return IsoWeek.containing(today).add(-1);
}

/** The week as a KPI sees it: its days, and its bounds as instants in the configured time zone. */
export function weekContext(week: IsoWeek, timeZone: string): WeekContext {
  const start = week.monday.toZonedDateTime({ timeZone });
  const end = week.monday.add({ weeks: 1 }).toZonedDateTime({ timeZone });
  return {
    id: week.id,
    year: week.year,
    number: week.week,
    monday: week.monday.toString(),
    lastSunday: week.lastSunday.toString(),
    startsAt: start.toString({ timeZoneName: 'never' }),
    endsAt: end.toString({ timeZoneName: 'never' }),
    timeZone,
  };
}

/** Local wall-clock time for `print_date`, to the second: `2026-11-23T09:15:02`. */
export function localTimestamp(now: Temporal.Instant, timeZone: string): string {
  return now.toZonedDateTimeISO(timeZone).toPlainDateTime().toString({ smallestUnit: 'second' });
}

export function currentInstant(): Temporal.Instant {
  return Temporal.Now.instant();
}
