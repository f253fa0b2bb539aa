import { Temporal } from 'temporal-polyfill';
import type { WeekContext } from '../graph/declare.ts';
import { IsoWeek, WeekFormatError, weekRange } from '../graph/iso-week.ts';
import { WEEKDAY_NUMBERS } from './config.ts';
import type { Config, WeekCutoff } from './config.ts';

/**
 * The last ISO week that is complete at `now` in `timeZone`. A week ends at Monday 00:00
 * local; with a cut-off (say Monday 06:00, when the overnight loads have landed) it counts as
 * complete only from that moment of the following week.
 */
export function lastCompletedWeek(now: Temporal.Instant, timeZone: string, cutoff?: WeekCutoff): IsoWeek {
  const local = now.toZonedDateTimeISO(timeZone);
  const previous = IsoWeek.containing(local.toPlainDate()).add(-1);
  if (!cutoff) return previous;
  const completeFrom = previous.monday
    .add({ weeks: 1, days: WEEKDAY_NUMBERS[cutoff.day] - 1 })
    .toZonedDateTime({ timeZone, plainTime: Temporal.PlainTime.from(cutoff.time) });
  return Temporal.ZonedDateTime.compare(local, completeFrom) >= 0 ? previous : previous.add(-1);
}

/** The week as a KPI sees it: its days, and its bounds as instants in the configured time zone. */
export function weekContext(week: IsoWeek, timeZone: string): WeekContext {
  const key = `${week.id} ${timeZone}`;
  let context = WEEK_CONTEXTS.get(key);
  if (!context) {
    const start = week.monday.toZonedDateTime({ timeZone });
    const end = week.monday.add({ weeks: 1 }).toZonedDateTime({ timeZone });
    context = Object.freeze({
      id: week.id,
      year: week.year,
      number: week.week,
      monday: week.monday.toString(),
      lastSunday: week.lastSunday.toString(),
      startsAt: start.toString({ timeZoneName: 'never' }),
      endsAt: end.toString({ timeZoneName: 'never' }),
      timeZone,
    });
    WEEK_CONTEXTS.set(key, context);
  }
  return context;
}

/** Every KPI of a week gets the same context, and time-zone arithmetic in the Temporal polyfill is slow: made once. */
const WEEK_CONTEXTS = new Map<string, WeekContext>();

/** Local wall-clock time for `print_date`, to the second: `2026-11-23T09:15:02`. */
export function localTimestamp(now: Temporal.Instant, timeZone: string): string {
  return now.toZonedDateTimeISO(timeZone).toPlainDateTime().toString({ smallestUnit: 'second' });
}

export function currentInstant(): Temporal.Instant {
  return Temporal.Now.instant();
}

export interface WeekFlags {
  readonly week?: string;
  /** `2025-W01..2026-W47` */
  readonly weeks?: string;
  /** From this week to the last completed one. */
  readonly since?: string;
  /** Allow more than the configured maximum number of weeks. */
  readonly yes?: boolean;
  /** Allow weeks that have not ended yet (after the last completed one). */
  readonly allowIncomplete?: boolean;
}

/** The configured first week with source data, parsed. */
export function firstWeekOf(config: Pick<Config, 'firstWeek'>): IsoWeek | undefined {
  return config.firstWeek === undefined ? undefined : IsoWeek.parse(config.firstWeek);
}

/** What bounds the weeks a command may run for, from the configuration and the clock. */
export function weekPolicyOf(config: Config, now: Temporal.Instant = currentInstant()): WeekPolicy & { readonly restateWeeks: number } {
  const firstWeek = firstWeekOf(config);
  return {
    lastCompleted: lastCompletedWeek(now, config.timeZone, config.weekCutoff),
    maxWeeks: config.maxWeeks,
    restateWeeks: config.restateWeeks,
    ...(firstWeek ? { firstWeek } : {}),
  };
}

export interface WeekPolicy {
  readonly lastCompleted: IsoWeek;
  readonly maxWeeks: number;
  readonly firstWeek?: IsoWeek;
}

/**
 * The weeks before the last completed one that a plain weekly run (no week flag) also
 * rechecks for late-arriving data: the `restateWeeks` before it, not before the first week.
 * Only those whose inputs changed are recomputed; earlier weeks need an explicit --weeks.
 */
export function restateWindow(flags: WeekFlags, policy: WeekPolicy & { readonly restateWeeks: number }): IsoWeek[] {
  if (flags.week !== undefined || flags.weeks !== undefined || flags.since !== undefined) return [];
  const weeks: IsoWeek[] = [];
  for (let back = policy.restateWeeks; back >= 1; back--) {
    const week = policy.lastCompleted.add(-back);
    if (!policy.firstWeek || week.compare(policy.firstWeek) >= 0) weeks.push(week);
  }
  return weeks;
}

/** The weeks a command runs for, from `--week`, `--weeks A..B` or `--since A`; default the last completed week. */
export function resolveWeeks(flags: WeekFlags, policy: WeekPolicy): IsoWeek[] {
  const given = [flags.week, flags.weeks, flags.since].filter((flag) => flag !== undefined);
  if (given.length > 1) throw new WeekFormatError('use only one of --week, --weeks and --since');
  let weeks: IsoWeek[];
  if (flags.weeks !== undefined) {
    const [first, last, ...rest] = flags.weeks.split('..');
    if (first === undefined || last === undefined || rest.length > 0) {
      throw new WeekFormatError(`"${flags.weeks}" is not a week range; write it as 2025-W01..2026-W47`);
    }
    weeks = weekRange(IsoWeek.parse(first), IsoWeek.parse(last));
  } else if (flags.since !== undefined) {
    const first = IsoWeek.parse(flags.since);
    if (first.compare(policy.lastCompleted) > 0) {
      throw new WeekFormatError(`--since ${first.id} is after the last completed week, ${policy.lastCompleted.id}`);
    }
    weeks = weekRange(first, policy.lastCompleted);
  } else {
    weeks = [flags.week === undefined ? policy.lastCompleted : IsoWeek.parse(flags.week)];
  }
  if (policy.firstWeek && weeks[0]!.compare(policy.firstWeek) < 0) {
    throw new WeekFormatError(`${weeks[0]!.id} is before the first week with source data, ${policy.firstWeek.id} (firstWeek in the configuration)`);
  }
  const last = weeks.at(-1)!;
  if (last.compare(policy.lastCompleted) > 0 && !flags.allowIncomplete) {
    throw new WeekFormatError(
      `${last.id} has not ended yet (the last completed week is ${policy.lastCompleted.id}): a value for it would change as the week goes on; add --allow-incomplete to compute it anyway`,
    );
  }
  if (weeks.length > policy.maxWeeks && !flags.yes) {
    throw new WeekFormatError(`${weeks.length} weeks is more than the ${policy.maxWeeks} allowed without --yes (maxWeeks in the configuration)`);
  }
  return weeks;
}

/** The local midnight that starts a week (`2026-W30`: its Monday) or a day (`2026-07-20`) in `timeZone`, as an instant. */
export function startOfWeekOrDay(text: string, timeZone: string): Temporal.Instant {
  const trimmed = text.trim();
  let day: Temporal.PlainDate;
  if (/^\d{4}-W\d{2}$/.test(trimmed)) day = IsoWeek.parse(trimmed).monday;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    try {
      day = Temporal.PlainDate.from(trimmed, { overflow: 'reject' });
    } catch {
      throw new WeekFormatError(`"${text}" is not a date of the calendar`);
    }
  } else throw new WeekFormatError(`"${text}" is neither an ISO week nor a date; write 2026-W30 or 2026-07-20`);
  return day.toZonedDateTime({ timeZone }).toInstant();
}
