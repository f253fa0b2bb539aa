import { Temporal } from 'temporal-polyfill';

/** Thrown for a week that does not exist or is not written as `YYYY-Www`. */
export class WeekFormatError extends Error {
  readonly code = 'week_format';
}

const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;
/** `2026-W47-3` → 2026-W44: results of IsoWeek.add, which is pure. */
const SHIFTED = new Map<string, IsoWeek>();

/**
 * One ISO 8601 week. `year` is the ISO week-year, which differs from the calendar
 * year of some of its days: 2020-W53 runs from 2020-12-28 to 2021-01-03.
 */
export class IsoWeek {
  private constructor(
    readonly year: number,
    readonly week: number,
  ) {}

  static of(year: number, week: number): IsoWeek {
    if (!Number.isInteger(year) || year < 1000 || year > 9999) {
      throw new WeekFormatError(`year ${year} is out of range (1000-9999)`);
    }
    const weeks = IsoWeek.weeksInYear(year);
    if (!Number.isInteger(week) || week < 1 || week > weeks) {
      throw new WeekFormatError(`${year} has weeks W01 to W${weeks}; W${String(week).padStart(2, '0')} does not exist`);
    }
    return new IsoWeek(year, week);
  }

  /** Parses `2026-W47`. */
  static parse(text: string): IsoWeek {
    const match = WEEK_PATTERN.exec(text.trim());
    if (!match) throw new WeekFormatError(`"${text}" is not an ISO week; write it as YYYY-Www, e.g. 2026-W47`);
    return IsoWeek.of(Number(match[1]), Number(match[2]));
  }

  /** The ISO week a calendar day belongs to. */
  static containing(date: Temporal.PlainDate): IsoWeek {
    return new IsoWeek(date.yearOfWeek!, date.weekOfYear!);
  }

  /** 52 or 53: a year has 53 ISO weeks when its 28 December falls in week 53. */
  static weeksInYear(year: number): number {
    return Temporal.PlainDate.from({ year, month: 12, day: 28 }).weekOfYear!;
  }

  get id(): string {
    this.#id ??= `${this.year}-W${String(this.week).padStart(2, '0')}`;
    return this.#id;
  }

  /** Two-digit week number, as stored in `week_month`. */
  get weekLabel(): string {
    return String(this.week).padStart(2, '0');
  }

  // Computed once: every task, fingerprint and stored row of a week asks for them, and Temporal arithmetic is not cheap.
  #id: string | undefined;
  #monday: Temporal.PlainDate | undefined;
  #lastSunday: Temporal.PlainDate | undefined;

  get monday(): Temporal.PlainDate {
    if (!this.#monday) {
      // 4 January is always in week 1.
      const jan4 = Temporal.PlainDate.from({ year: this.year, month: 1, day: 4 });
      this.#monday = jan4.subtract({ days: jan4.dayOfWeek - 1 }).add({ weeks: this.week - 1 });
    }
    return this.#monday;
  }

  /** The Sunday that closes the week: the key of a week in storage and in the scorecards. */
  get lastSunday(): Temporal.PlainDate {
    this.#lastSunday ??= this.monday.add({ days: 6 });
    return this.#lastSunday;
  }

  add(weeks: number): IsoWeek {
    // Planning a backfill asks for the same neighbours many times; Temporal arithmetic is not cheap.
    const key = `${this.id}${weeks >= 0 ? '+' : ''}${weeks}`;
    let week = SHIFTED.get(key);
    if (!week) {
      week = IsoWeek.containing(this.monday.add({ weeks }));
      SHIFTED.set(key, week);
    }
    return week;
  }

  compare(other: IsoWeek): number {
    return this.year - other.year || this.week - other.week;
  }

  equals(other: IsoWeek): boolean {
    return this.compare(other) === 0;
  }

  toString(): string {
    return this.id;
  }

  toJSON(): string {
    return this.id;
  }
}

/** Every week from `first` to `last`, both included. */
export function weekRange(first: IsoWeek, last: IsoWeek): IsoWeek[] {
  if (first.compare(last) > 0) throw new WeekFormatError(`range ${first.id}..${last.id} is reversed`);
  const weeks: IsoWeek[] = [];
  for (let week = first; week.compare(last) <= 0; week = week.add(1)) weeks.push(week);
  return weeks;
}
