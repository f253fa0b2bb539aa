/**
 * The leadership KPIs against the other domains' figures computed in test/helpers/expected-kpis.ts
 * straight from the staging tables, on PGlite and on PostgreSQL; and the cross-domain edges: a
 * leadership KPI reruns when an upstream KPI of another domain changes value, and only then.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Warehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import type { RunOutcome } from '../../pipeline/engine/run.ts';
import { statusOf } from '../../pipeline/reports/summary.ts';
import { ENGINES, engineSkipReason } from '../helpers/environment.ts';
import { applicationsReceived, churn, conversion, hires, openPositions, weeksEndingWith } from '../helpers/expected-kpis.ts';
import { assertClose, storedValue } from '../helpers/stored.ts';
import { domainRuns, failuresOf } from '../helpers/domain-runs.ts';

const WEEKS = ['2024-W40', '2026-W53', '2028-W10'];
const RERUN_WEEK = '2026-W53';

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

for (const engine of ENGINES) {
  describe(`leadership KPIs on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    const runs = domainRuns(engine, '+leadership.*', WEEKS);
    const db = () => runs.warehouse.db;
    const stored = (kpi: string, week: string) => storedValue(db(), 'leadership', kpi, week);
    const weekly = (week: string, weeks: number, of: (db: Warehouse['db'], week: string) => Promise<number>) =>
      Promise.all(weeksEndingWith(week, weeks).map((id) => of(db(), id)));

    test('every run succeeded and computed the upstream KPIs of all three other domains', () => {
      for (const [week, outcome] of runs.outcomes) {
        assert.deepEqual(failuresOf(outcome), [], `week ${week}`);
        for (const upstream of ['success.kpi32', 'recruitment.kpi41', 'recruitment.kpi42', 'applications.kpi51', 'applications.kpi52']) {
          assert.ok(outcome.results.some((result) => result.task.id === `${upstream}@${week}`), `${upstream}@${week}`);
        }
      }
    });

    for (const week of WEEKS) {
      test(`${week}: kpi61 weighs retention, 4 weeks of hires and 4 weeks of conversion`, async () => {
        const retention = 1 - (await churn(db(), week));
        const hiring = Math.min(1, sum(await weekly(week, 4, hires)) / 8);
        const conversions = await Promise.all(weeksEndingWith(week, 4).map(async (id) => (await conversion(db(), id))!));
        const funnel = Math.min(1, sum(conversions) / conversions.length / 0.25);
        const expected = 100 * (0.5 * retention + 0.25 * hiring + 0.25 * funnel);
        assert.ok(expected > 0 && expected < 100, `fixture health in ${week} should be non-trivial, got ${expected}`);
        assertClose(await stored('61', week), expected);
      });

      test(`${week}: kpi62 is 4 weeks of applications per open position`, async () => {
        const expected = sum(await weekly(week, 4, applicationsReceived)) / (await openPositions(db(), week));
        assert.ok(expected > 0, `fixture has applications and open positions in ${week}`);
        assertClose(await stored('62', week), expected);
      });

      test(`${week}: kpi63 is 12 weeks of hires over 12 weeks of applications`, async () => {
        const expected = sum(await weekly(week, 12, hires)) / sum(await weekly(week, 12, applicationsReceived));
        assert.ok(expected > 0 && expected < 1, `fixture yield in ${week} should be non-trivial, got ${expected}`);
        assertClose(await stored('63', week), expected);
      });
    }

    test(`${RERUN_WEEK}: a leadership KPI reruns when an upstream KPI of another domain changes value, and only then`, async () => {
      /** KPI and publish tasks of a run by what happened to them. */
      const byStatus = (outcome: RunOutcome) => {
        const groups: Record<string, string[]> = {};
        for (const result of outcome.results) {
          if (result.task.node.kind !== 'kpi' && result.task.node.kind !== 'publish') continue;
          (groups[statusOf(result)] ??= []).push(result.task.id.replace(`@${RERUN_WEEK}`, ''));
        }
        for (const ids of Object.values(groups)) ids.sort();
        return groups;
      };
      const reasonsOf = (outcome: RunOutcome, node: string) => {
        const value = outcome.results.find((result) => result.task.id === `${node}@${RERUN_WEEK}`)?.value;
        return value?.kind === 'kpi' ? value.reasons : [];
      };
      /** Edits an application in place as the ATS would, moving the change column on. */
      const editApplication = (id: string, changes: ReturnType<typeof sql>) =>
        sql`update stg_ats.applications
            set ${changes}, updated_at = (select max(updated_at) from stg_ats.applications) + interval '1 second'
            where application_id = ${id}`.execute(db());

      const hiresBefore = await storedValue(db(), 'recruitment', '42', RERUN_WEEK);
      assert.equal(hiresBefore, await hires(db(), RERUN_WEEK));
      // A hire of the week on a real position, with no re-sync duplicate, backs out before starting.
      const hire = await sql<{ application_id: string }>`
        select a.application_id
        from stg_ats.applications a join stg_ats.positions p on p.position_id = a.position_id
        where upper(btrim(p.department)) <> 'TEST'
          and (a.hired_at at time zone 'Europe/Madrid')::date between to_date(${RERUN_WEEK.replace('-W', '-')}, 'IYYY-IW') and to_date(${RERUN_WEEK.replace('-W', '-')}, 'IYYY-IW') + 6
          and not exists (select 1 from stg_ats.applications b
                          where b.candidate_id = a.candidate_id and b.position_id = a.position_id and b.application_id <> a.application_id)
        order by a.application_id limit 1`.execute(db());
      assert.ok(hire.rows[0], `fixture has a single-row hire in ${RERUN_WEEK}`);
      await editApplication(hire.rows[0].application_id, sql`hired_at = null, stage = 'Withdrawn'`);

      const changed = await runs.run(RERUN_WEEK);
      assert.deepEqual(byStatus(changed), {
        succeeded: ['leadership.kpi61', 'leadership.kpi63', 'leadership.publish:workbook', 'recruitment.kpi42'],
        fresh: ['applications.kpi51', 'applications.kpi52', 'leadership.kpi62', 'recruitment.kpi41', 'success.kpi32'],
      });
      assert.equal(await storedValue(db(), 'recruitment', '42', RERUN_WEEK), hiresBefore! - 1);
      assert.deepEqual(reasonsOf(changed, 'leadership.kpi61'), ['input recruitment.kpi42 changed']);
      assert.deepEqual(reasonsOf(changed, 'leadership.kpi63'), ['input recruitment.kpi42 changed']);
      const expectedYield = sum(await weekly(RERUN_WEEK, 12, hires)) / sum(await weekly(RERUN_WEEK, 12, applicationsReceived));
      assertClose(await stored('63', RERUN_WEEK), expectedYield);

      // A rejected application's stage retyped: the ATS table changes, no recruitment value does.
      const rejected = await sql<{ application_id: string }>`
        select application_id from stg_ats.applications where rejected_at is not null order by application_id limit 1`.execute(db());
      await editApplication(rejected.rows[0]!.application_id, sql`stage = ' rejected '`);

      const unchanged = await runs.run(RERUN_WEEK);
      assert.deepEqual(byStatus(unchanged), {
        succeeded: ['recruitment.kpi42'],
        fresh: [
          'applications.kpi51', 'applications.kpi52', 'leadership.kpi61', 'leadership.kpi62', 'leadership.kpi63',
          'leadership.publish:workbook', 'recruitment.kpi41', 'success.kpi32',
        ],
      });
      assert.deepEqual(reasonsOf(unchanged, 'recruitment.kpi42'), ['input table:stg_ats.applications changed']);
      assert.equal(await storedValue(db(), 'recruitment', '42', RERUN_WEEK), hiresBefore! - 1);
    });
  });
}
