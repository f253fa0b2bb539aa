import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { IsoWeek, WeekFormatError } from '../../graph/iso-week.ts';
import { lastCompletedWeek, localTimestamp, resolveWeeks, weekContext } from '../../pipeline/dates.ts';

const MADRID = 'Europe/Madrid';
const at = (local: string, timeZone = MADRID) => Temporal.PlainDateTime.from(local).toZonedDateTime(timeZone).toInstant();

describe('last completed week', () => {
  test('just after midnight on Monday in Madrid (still Sunday in UTC) the week just ended is complete', () => {
    const now = at('2026-11-23T00:30');
    assert.equal(now.toString(), '2026-11-22T23:30:00Z');
    assert.equal(lastCompletedWeek(now, MADRID).id, '2026-W47');
    // The same instant read in UTC is still Sunday: the week before.
    assert.equal(lastCompletedWeek(now, 'UTC').id, '2026-W46');
  });

  test('late on Sunday in Madrid the week is not over yet', () => {
    assert.equal(lastCompletedWeek(at('2026-11-22T23:30'), MADRID).id, '2026-W46');
  });

  test('a Monday 06:00 cut-off: 05:59 gives the week before, 06:00 the week just ended', () => {
    const cutoff = { day: 'monday', time: '06:00' } as const;
    assert.equal(lastCompletedWeek(at('2026-11-23T05:59'), MADRID, cutoff).id, '2026-W46');
    assert.equal(lastCompletedWeek(at('2026-11-23T06:00'), MADRID, cutoff).id, '2026-W47');
    assert.equal(lastCompletedWeek(at('2026-11-25T12:00'), MADRID, cutoff).id, '2026-W47');
  });

  test('a Tuesday 12:00 cut-off holds the week back through Monday', () => {
    const cutoff = { day: 'tuesday', time: '12:00' } as const;
    assert.equal(lastCompletedWeek(at('2026-11-23T18:00'), MADRID, cutoff).id, '2026-W46');
    assert.equal(lastCompletedWeek(at('2026-11-24T12:00'), MADRID, cutoff).id, '2026-W47');
  });

  test('across the ISO year boundary, week 53 is the last completed week on 2021-01-04', () => {
    assert.equal(lastCompletedWeek(at('2021-01-04T09:00'), MADRID).id, '2020-W53');
    assert.equal(lastCompletedWeek(at('2027-01-04T09:00'), MADRID).id, '2026-W53');
  });
});

describe('week context', () => {
  test('bounds carry the local offset, winter and summer', () => {
    const winter = weekContext(IsoWeek.parse('2026-W47'), MADRID);
    assert.equal(winter.startsAt, '2026-11-16T00:00:00+01:00');
    assert.equal(winter.endsAt, '2026-11-23T00:00:00+01:00');
    assert.equal(winter.monday, '2026-11-16');
    assert.equal(winter.lastSunday, '2026-11-22');
    const summer = weekContext(IsoWeek.parse('2026-W27'), MADRID);
    assert.equal(summer.startsAt, '2026-06-29T00:00:00+02:00');
  });

  test('the week the clocks change is 167 hours long', () => {
    const context = weekContext(IsoWeek.parse('2026-W13'), MADRID);
    const hours = Temporal.Instant.from(context.startsAt).until(Temporal.Instant.from(context.endsAt)).total('hours');
    assert.equal(hours, 167);
  });

  test('print dates are local wall-clock time', () => {
    assert.equal(localTimestamp(Temporal.Instant.from('2026-11-22T23:30:00Z'), MADRID), '2026-11-23T00:30:00');
  });
});

describe('week selection', () => {
  const policy = { lastCompleted: IsoWeek.parse('2026-W47'), maxWeeks: 104 };

  test('default, single week, range and since', () => {
    assert.deepEqual(resolveWeeks({}, policy).map(String), ['2026-W47']);
    assert.deepEqual(resolveWeeks({ week: '2026-W10' }, policy).map(String), ['2026-W10']);
    assert.deepEqual(resolveWeeks({ weeks: '2025-W52..2026-W02' }, policy).map(String), ['2025-W52', '2026-W01', '2026-W02']);
    assert.deepEqual(resolveWeeks({ weeks: '2020-W52..2021-W01' }, policy).map(String), ['2020-W52', '2020-W53', '2021-W01']);
    const since = resolveWeeks({ since: '2026-W30' }, policy);
    assert.equal(since.length, 18);
    assert.equal(since.at(-1)!.id, '2026-W47');
  });

  const bad: [string, Parameters<typeof resolveWeeks>[0], RegExp][] = [
    ['2025 has 52 weeks', { week: '2025-W53' }, /2025 has weeks W01 to W52; W53 does not exist/],
    ['no week 54', { week: '2026-W54' }, /W54 does not exist/],
    ['no week 0', { week: '2026-W00' }, /W00 does not exist/],
    ['two-digit year', { week: '26-W1' }, /"26-W1" is not an ISO week/],
    ['reversed range', { weeks: '2026-W10..2026-W01' }, /reversed/],
    ['not a range', { weeks: '2026-W10' }, /not a week range/],
    ['since in the future', { since: '2026-W48' }, /after the last completed week/],
    ['two week flags', { week: '2026-W01', since: '2026-W01' }, /only one of/],
    ['too many weeks', { weeks: '2024-W01..2026-W47' }, /151 weeks is more than the 104 allowed without --yes/],
  ];
  for (const [name, flags, message] of bad) {
    test(`rejects: ${name}`, () => {
      assert.throws(() => resolveWeeks(flags, policy), (error: Error) => error instanceof WeekFormatError && message.test(error.message));
    });
  }

  test('--yes allows a long range; the first week with data bounds it', () => {
    assert.equal(resolveWeeks({ weeks: '2024-W01..2026-W47', yes: true }, policy).length, 151);
    assert.throws(() => resolveWeeks({ week: '2023-W52' }, { ...policy, firstWeek: IsoWeek.parse('2024-W01') }), /before the first week with source data, 2024-W01/);
  });
});
