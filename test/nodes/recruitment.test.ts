/**
 * The recruitment KPIs against SQL written in test/helpers/expected-kpis.ts, independently of
 * the KPI files, over the applicant-tracking fixtures: on PGlite always and on PostgreSQL when a
 * server is configured.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINES, engineSkipReason } from '../helpers/environment.ts';
import { hires, offerAcceptance, openPositions, timeToHire } from '../helpers/expected-kpis.ts';
import { assertClose, storedValue } from '../helpers/stored.ts';
import { domainRuns, failuresOf } from '../helpers/domain-runs.ts';

const WEEKS = ['2024-W17', '2025-W11', '2026-W53'];

for (const engine of ENGINES) {
  describe(`recruitment KPIs on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    const runs = domainRuns(engine, 'recruitment.*', WEEKS);
    const stored = (kpi: string, week: string) => storedValue(runs.warehouse.db, 'recruitment', kpi, week);

    test('every run succeeded, the publish included', () => {
      for (const [week, outcome] of runs.outcomes) {
        assert.deepEqual(failuresOf(outcome), [], `week ${week}`);
        assert.ok(outcome.results.some((result) => result.task.id === `recruitment.publish@${week}:workbook`), `published ${week}`);
      }
    });

    for (const week of WEEKS) {
      test(`${week}: kpi41 is the real positions open at the end of the local week`, async () => {
        const expected = await openPositions(runs.warehouse.db, week);
        assert.ok(expected > 0, `fixture has open positions in ${week}`);
        assert.equal(await stored('41', week), expected);
      });

      test(`${week}: kpi42 is the candidate-position pairs hired in the local week`, async () => {
        assert.equal(await stored('42', week), await hires(runs.warehouse.db, week));
      });

      test(`${week}: kpi43 is the mean days from application to hire over 4 weeks of hires`, async () => {
        const expected = await timeToHire(runs.warehouse.db, week);
        assert.ok(expected !== null && expected > 0, `fixture has hires in the 4 weeks to ${week}`);
        assertClose(await stored('43', week), expected);
      });

      test(`${week}: kpi44 is accepted over decided offers in 12 weeks`, async () => {
        const expected = await offerAcceptance(runs.warehouse.db, week);
        assert.ok(expected !== null && expected > 0 && expected < 1, `fixture acceptance in ${week} should be non-trivial, got ${expected}`);
        assertClose(await stored('44', week), expected);
      });
    }

    test('values are not the same every week', async () => {
      for (const kpi of ['41', '42', '43', '44']) {
        const values = await Promise.all(WEEKS.map((week) => stored(kpi, week)));
        assert.ok(new Set(values).size > 1, `kpi${kpi}: ${values.join(', ')}`);
      }
    });

    test('stored rows of 2026-W53 belong to ISO year 2026 and the Recruitment scorecard', async () => {
      const row = await runs.warehouse.db
        .selectFrom('vl_analytics.scorecard_recruitment')
        .select(['year', 'sc_name', 'week_month', 'field_name'])
        .where('iso_week', '=', '2026-W53')
        .where('kpi_number', '=', '42')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { year: 2026, sc_name: 'Recruitment', week_month: '53', field_name: 'Hires' });
    });
  });
}
