import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { Temporal } from 'temporal-polyfill';
import { IsoWeek, WeekFormatError, weekRange } from '../../graph/iso-week.ts';

const day = (text: string) => Temporal.PlainDate.from(text);
const ids = (weeks: readonly IsoWeek[]) => weeks.map((week) => week.id);

describe('IsoWeek: parse and format', () => {
  test('parse gives the ISO week-year and week; id formats it back', () => {
    const week = IsoWeek.parse('2026-W47');
    assert.equal(week.year, 2026);
    assert.equal(week.week, 47);
    assert.equal(week.id, '2026-W47');
    assert.equal(week.toString(), '2026-W47');
    assert.equal(JSON.stringify({ week }), '{"week":"2026-W47"}');
    assert.equal(week.weekLabel, '47');
    assert.equal(IsoWeek.parse('2026-W05').weekLabel, '05');
    assert.equal(IsoWeek.parse(' 2026-W05 ').id, '2026-W05');
    assert.equal(IsoWeek.of(2026, 1).id, '2026-W01');
  });

  test('monday and lastSunday in the calendar', () => {
    const week = IsoWeek.parse('2026-W47');
    assert.equal(week.monday.toString(), '2026-11-16');
    assert.equal(week.lastSunday.toString(), '2026-11-22');
    // Week 1 can start in the previous calendar year.
    assert.equal(IsoWeek.parse('2026-W01').monday.toString(), '2025-12-29');
    assert.equal(IsoWeek.parse('2021-W01').monday.toString(), '2021-01-04');
  });

  for (const [text, pattern] of [
    ['2025-W53', /2025 has weeks W01 to W52; W53 does not exist/],
    ['2026-W54', /2026 has weeks W01 to W53; W54 does not exist/],
    ['2026-W00', /W00 does not exist/],
    ['26-W1', /"26-W1" is not an ISO week; write it as YYYY-Www/],
    ['2026-W1', /not an ISO week/],
    ['2026W47', /not an ISO week/],
    ['2026-47', /not an ISO week/],
    ['2026-W470', /not an ISO week/],
    ['', /not an ISO week/],
  ] as const) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => IsoWeek.parse(text), (error: unknown) => error instanceof WeekFormatError && error.code === 'week_format' && pattern.test(error.message));
    });
  }

  test('of() rejects impossible years and weeks', () => {
    for (const [year, week] of [
      [999, 1],
      [10000, 1],
      [2026.5, 1],
      [2026, 1.5],
      [2026, -1],
    ] as const) {
      assert.throws(() => IsoWeek.of(year, week), WeekFormatError, `${year}-W${week}`);
    }
  });

  test('weeksInYear: 53 exactly when the year starts on a Thursday, or is a leap year starting on a Wednesday', () => {
    assert.equal(IsoWeek.weeksInYear(2020), 53);
    assert.equal(IsoWeek.weeksInYear(2026), 53);
    assert.equal(IsoWeek.weeksInYear(2015), 53);
    assert.equal(IsoWeek.weeksInYear(2025), 52);
    assert.equal(IsoWeek.weeksInYear(2021), 52);
    assert.equal(IsoWeek.weeksInYear(2024), 52);
  });

  test('2020-W53 ends on Sunday 2021-01-03 and belongs to 2020', () => {
    const week = IsoWeek.parse('2020-W53');
    assert.equal(week.monday.toString(), '2020-12-28');
    assert.equal(week.lastSunday.toString(), '2021-01-03');
    assert.equal(week.year, 2020);
    assert.equal(IsoWeek.containing(day('2021-01-03')).id, '2020-W53');
    assert.equal(IsoWeek.containing(day('2021-01-01')).year, 2020);
    assert.equal(IsoWeek.containing(day('2021-01-04')).id, '2021-W01');
  });

  test('2026-W53 exists: 2026-12-28 to 2027-01-03', () => {
    const week = IsoWeek.parse('2026-W53');
    assert.equal(week.monday.toString(), '2026-12-28');
    assert.equal(week.lastSunday.toString(), '2027-01-03');
    assert.equal(IsoWeek.containing(day('2027-01-03')).id, '2026-W53');
  });

  test('days at the start of a calendar year can belong to the previous week-year and vice versa', () => {
    assert.equal(IsoWeek.containing(day('2027-01-01')).id, '2026-W53');
    assert.equal(IsoWeek.containing(day('2025-12-29')).id, '2026-W01');
    assert.equal(IsoWeek.containing(day('2024-12-30')).id, '2025-W01');
  });
});

describe('IsoWeek: arithmetic', () => {
  test('add across year boundaries, including week 53', () => {
    const w53 = IsoWeek.parse('2020-W53');
    assert.equal(w53.add(1).id, '2021-W01');
    assert.equal(IsoWeek.parse('2021-W01').add(-1).id, '2020-W53');
    assert.equal(IsoWeek.parse('2026-W01').add(-1).id, '2025-W52');
    assert.equal(IsoWeek.parse('2026-W52').add(1).id, '2026-W53');
    assert.equal(IsoWeek.parse('2026-W52').add(2).id, '2027-W01');
    assert.equal(IsoWeek.parse('2026-W47').add(0).id, '2026-W47');
    assert.equal(IsoWeek.parse('2026-W47').add(-3).id, '2026-W44');
    assert.equal(IsoWeek.parse('2027-W02').add(-3).id, '2026-W52');
    // 2020 and 2026 have 53 weeks: 7 week-years from 2020-W10 is 7 × 52 + 2 = 366 weeks.
    assert.equal(IsoWeek.parse('2020-W10').add(366).id, '2027-W10');
    assert.equal(IsoWeek.parse('2027-W10').add(-366).id, '2020-W10');
  });

  test('compare and equals order by week-year then week', () => {
    const a = IsoWeek.parse('2020-W53');
    const b = IsoWeek.parse('2021-W01');
    assert.ok(a.compare(b) < 0);
    assert.ok(b.compare(a) > 0);
    assert.equal(a.compare(IsoWeek.parse('2020-W53')), 0);
    assert.ok(a.equals(IsoWeek.of(2020, 53)));
    assert.ok(!a.equals(b));
    assert.ok(IsoWeek.parse('2026-W09').compare(IsoWeek.parse('2026-W10')) < 0);
  });

  test('weekRange includes both ends and week 53', () => {
    assert.deepEqual(ids(weekRange(IsoWeek.parse('2020-W52'), IsoWeek.parse('2021-W02'))), ['2020-W52', '2020-W53', '2021-W01', '2021-W02']);
    assert.deepEqual(ids(weekRange(IsoWeek.parse('2026-W47'), IsoWeek.parse('2026-W47'))), ['2026-W47']);
    assert.equal(weekRange(IsoWeek.parse('2026-W01'), IsoWeek.parse('2026-W53')).length, 53);
    assert.equal(weekRange(IsoWeek.parse('2025-W01'), IsoWeek.parse('2025-W52')).length, 52);
  });

  test('a reversed weekRange is an error naming the range', () => {
    assert.throws(
      () => weekRange(IsoWeek.parse('2026-W02'), IsoWeek.parse('2025-W52')),
      (error: unknown) => error instanceof WeekFormatError && /range 2026-W02\.\.2025-W52 is reversed/.test(error.message),
    );
  });
});

describe('IsoWeek against DuckDB', () => {
  test('containing(), monday, lastSunday and weeksInYear agree with DuckDB for every day of 2000..2040', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    let rows: { day: string; y: number; w: number; monday: string; sunday: string }[];
    try {
      const reader = await connection.runAndReadAll(`
        select d::varchar as day, isoyear(d)::int as y, weekofyear(d)::int as w,
               (d - to_days((isodow(d) - 1)::int))::date::varchar as monday,
               (d + to_days((7 - isodow(d))::int))::date::varchar as sunday
        from (select r::date as d from range(date '2000-01-01', date '2041-01-01', interval 1 day) t(r))
        order by d`);
      rows = reader.getRowObjectsJS() as typeof rows;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    // 41 years, 11 of them leap years (2000 included).
    assert.equal(rows.length, 41 * 365 + 11);

    const mismatches: string[] = [];
    const weeksPerYear = new Map<number, number>();
    let previous: IsoWeek | undefined;
    for (const row of rows) {
      const week = IsoWeek.containing(Temporal.PlainDate.from(row.day));
      const got = `${week.year}-W${week.week} monday ${week.monday.toString()} sunday ${week.lastSunday.toString()}`;
      const expected = `${row.y}-W${row.w} monday ${row.monday} sunday ${row.sunday}`;
      if (got !== expected) mismatches.push(`${row.day}: got ${got}, DuckDB ${expected}`);
      if (row.monday === row.day) {
        // Each Monday starts the week after the previous Monday's.
        if (previous !== undefined && !previous.add(1).equals(week)) mismatches.push(`${row.day}: ${previous.id} + 1 = ${previous.add(1).id}, expected ${week.id}`);
        previous = week;
      }
      weeksPerYear.set(row.y, Math.max(weeksPerYear.get(row.y) ?? 0, row.w));
    }
    for (const [year, weeks] of weeksPerYear) {
      // The first and last week-years of the range are partial.
      if (year > 2000 && year < 2040 && IsoWeek.weeksInYear(year) !== weeks) mismatches.push(`weeksInYear(${year}) = ${IsoWeek.weeksInYear(year)}, DuckDB ${weeks}`);
    }
    assert.equal(mismatches.length, 0, `${mismatches.length} mismatches; first: ${mismatches[0]}`);
  });
});
