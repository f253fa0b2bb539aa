/**
 * The applications KPIs against SQL written in test/helpers/expected-kpis.ts, independently of
 * the KPI files, over the webhook fixtures, on PGlite and on PostgreSQL; and the late-arriving
 * status updates that restate a week's conversion.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { RunOutcome } from '../../pipeline/engine/run.ts';
import { statusOf } from '../../pipeline/reports/summary.ts';
import { ENGINES, engineSkipReason } from '../helpers/environment.ts';
import { applicationsReceived, applicationsTrend, conversion } from '../helpers/expected-kpis.ts';
import { assertClose, storedValue } from '../helpers/stored.ts';
import { domainRuns, failuresOf } from '../helpers/domain-runs.ts';

const WEEKS = ['2024-W14', '2025-W44', '2026-W53'];
/** The week fixtures/README.md cites: 2 of its 10 applications had an interview status when it ended, 5 later. */
const LATE_WEEK = '2026-W10';

for (const engine of ENGINES) {
  describe(`applications KPIs on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    const runs = domainRuns(engine, 'applications.*', WEEKS);
    const db = () => runs.warehouse.db;
    const stored = (kpi: string, week: string) => storedValue(db(), 'applications', kpi, week);

    test('every run succeeded', () => {
      for (const [week, outcome] of runs.outcomes) {
        assert.deepEqual(failuresOf(outcome), [], `week ${week}`);
      }
    });

    for (const week of WEEKS) {
      test(`${week}: kpi51 is the records first delivered in the local week, tests left out`, async () => {
        const expected = await applicationsReceived(db(), week);
        assert.ok(expected > 0, `fixture has applications in ${week}`);
        assert.equal(await stored('51', week), expected);
      });

      test(`${week}: kpi52 is the share of the week's applications with an interview status`, async () => {
        const expected = await conversion(db(), week);
        assert.ok(expected !== null && expected > 0 && expected < 1, `fixture conversion in ${week} should be non-trivial, got ${expected}`);
        assertClose(await stored('52', week), expected);
      });

      test(`${week}: kpi53 is the least-squares slope of kpi51 over 8 weeks`, async () => {
        const expected = await applicationsTrend(db(), week);
        assert.ok(expected !== null && expected !== 0, `fixture trend in ${week} should be non-zero, got ${expected}`);
        assertClose(await stored('53', week), expected);
      });
    }

    test('values are not the same every week', async () => {
      for (const kpi of ['51', '52', '53']) {
        const values = await Promise.all(WEEKS.map((week) => stored(kpi, week)));
        assert.ok(new Set(values).size > 1, `kpi${kpi}: ${values.join(', ')}`);
      }
    });

    test(`late-arriving data: ${LATE_WEEK}'s conversion computed when the week ended is lower, and a later run restates it`, async () => {
      const kpi52Status = (outcome: RunOutcome) => statusOf(outcome.results.find((result) => result.task.id === `applications.kpi52@${LATE_WEEK}`)!);
      await runs.run(LATE_WEEK);
      const complete = await stored('52', LATE_WEEK);
      const received = await stored('51', LATE_WEEK);
      assertClose(complete, await conversion(db(), LATE_WEEK));
      const expectedAtWeekEnd = await conversion(db(), LATE_WEEK, true);

      // The warehouse as it stood on the Monday 00:00 after the week: later deliveries set aside.
      const weekEnd = sql`(to_date(${LATE_WEEK.replace('-W', '-')}, 'IYYY-IW') + 7)::timestamp at time zone 'Europe/Madrid'`;
      await sql`create table stg_webhooks.later_deliveries as select * from stg_webhooks.form_submissions where received_at >= ${weekEnd}`.execute(db());
      try {
        await sql`delete from stg_webhooks.form_submissions where received_at >= ${weekEnd}`.execute(db());
        const atWeekEnd = await runs.run(LATE_WEEK);
        assert.equal(kpi52Status(atWeekEnd), 'succeeded', 'kpi52 reran: its table changed');
        const early = await stored('52', LATE_WEEK);
        assertClose(early, expectedAtWeekEnd);
        assert.ok(early !== null && complete !== null && early < complete, `at the week's end ${early}, with later updates ${complete}`);
        assert.equal(await stored('51', LATE_WEEK), received, 'the applications themselves had all arrived');
      } finally {
        await sql`insert into stg_webhooks.form_submissions select * from stg_webhooks.later_deliveries`.execute(db());
        await sql`drop table stg_webhooks.later_deliveries`.execute(db());
      }

      const later = await runs.run(LATE_WEEK);
      assert.equal(kpi52Status(later), 'succeeded', 'kpi52 reran on the late deliveries');
      assertClose(await stored('52', LATE_WEEK), complete);
    });
  });
}
