/**
 * The recruitment KPIs against SQL written in test/helpers/expected-kpis.ts, independently of
 * the KPI files, over the applicant-tracking fixtures: on PGlite always and on PostgreSQL when a
 * server is configured.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IsoWeek } from '../../graph/iso-week.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import type { Warehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { runPipeline } from '../../pipeline/run.ts';
import type { RunOutcome } from '../../pipeline/run.ts';
import { ENGINES, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';
import { hires, offerAcceptance, openPositions, timeToHire } from '../helpers/expected-kpis.ts';
import { assertClose, storedValue } from '../helpers/stored.ts';

const WEEKS = ['2024-W17', '2025-W11', '2026-W53'];
const log = createLogger({ level: 'silent' });

for (const engine of ENGINES) {
  describe(`recruitment KPIs on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    let warehouse: Warehouse;
    const outcomes = new Map<string, RunOutcome>();
    const stored = (kpi: string, week: string) => storedValue(warehouse.db, 'recruitment', kpi, week);

    before(async () => {
      environment = await createEnvironment(engine);
      for (const week of WEEKS) {
        const outcome = await runPipeline({
          config: environment.config,
          log,
          concurrency: 4,
          command: 'test',
          select: ['recruitment.*'],
          exclude: [],
          weeks: [IsoWeek.parse(week)],
        });
        outcomes.set(week, outcome);
      }
      warehouse = await openWarehouse(environment.config, log);
    });

    after(async () => {
      await warehouse?.close();
      await environment?.cleanup();
    });

    test('every run succeeded, the publish included', () => {
      for (const [week, outcome] of outcomes) {
        const failed = outcome.results.filter((result) => result.status !== 'succeeded');
        assert.deepEqual(failed.map((result) => `${result.task.id}: ${result.error?.message}`), [], `week ${week}`);
        assert.ok(outcome.results.some((result) => result.task.id === `recruitment.publish@${week}:workbook`), `published ${week}`);
      }
    });

    for (const week of WEEKS) {
      test(`${week}: kpi41 is the real positions open at the end of the local week`, async () => {
        const expected = await openPositions(warehouse.db, week);
        assert.ok(expected > 0, `fixture has open positions in ${week}`);
        assert.equal(await stored('41', week), expected);
      });

      test(`${week}: kpi42 is the candidate-position pairs hired in the local week`, async () => {
        assert.equal(await stored('42', week), await hires(warehouse.db, week));
      });

      test(`${week}: kpi43 is the mean days from application to hire over 4 weeks of hires`, async () => {
        const expected = await timeToHire(warehouse.db, week);
        assert.ok(expected !== null && expected > 0, `fixture has hires in the 4 weeks to ${week}`);
        assertClose(await stored('43', week), expected);
      });

      test(`${week}: kpi44 is accepted over decided offers in 12 weeks`, async () => {
        const expected = await offerAcceptance(warehouse.db, week);
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
      const row = await warehouse.db
        .selectFrom('vl_analytics.scorecard_recruitment')
        .select(['year', 'sc_name', 'week_month', 'field_name'])
        .where('iso_week', '=', '2026-W53')
        .where('kpi_number', '=', '42')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { year: 2026, sc_name: 'Recruitment', week_month: '53', field_name: 'Hires' });
    });
  });
}
