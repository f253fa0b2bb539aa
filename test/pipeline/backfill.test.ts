/**
 * Week ranges end to end: a two-year backfill of the success domain, and the calendar edge
 * of ISO week 53 through storage and the scorecard tabs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { IsoWeek, weekRange } from '../../graph/iso-week.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import type { Warehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { runPipeline } from '../../pipeline/engine/run.ts';
import type { RunOutcome } from '../../pipeline/engine/run.ts';
import { ENGINES, REPO, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const log = createLogger({ level: 'silent' });
const WEEKS = weekRange(IsoWeek.parse('2025-W01'), IsoWeek.parse('2026-W47'));

for (const engine of ENGINES) {
  describe(`backfill 2025-W01..2026-W47 of success.* on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    let warehouse: Warehouse;
    let outcome: RunOutcome;

    before(async () => {
      environment = await createEnvironment(engine);
      outcome = await runPipeline({ config: environment.config, log, concurrency: 4, command: 'test', select: ['success.*'], exclude: [], weeks: WEEKS });
      warehouse = await openWarehouse(environment.config, log);
    });
    after(async () => {
      await warehouse?.close();
      await environment?.cleanup();
    });

    test('every task succeeded', () => {
      assert.equal(outcome.status, 'succeeded', outcome.results.find((result) => result.error)?.error?.message);
    });

    test('one row per KPI per week, plus the three lookback weeks of kpi06', async () => {
      const rows = await sql<{ kpi_number: string; weeks: number; copies: number; first: string; last: string }>`
        select kpi_number, count(distinct iso_week)::int as weeks, count(*)::int as copies, min(iso_week) as first, max(iso_week) as last
        from vl_analytics.scorecard_success group by kpi_number order by kpi_number`.execute(warehouse.db);
      assert.deepEqual(rows.rows, [
        { kpi_number: '05', weeks: 99, copies: 99, first: '2025-W01', last: '2026-W47' },
        { kpi_number: '06', weeks: 102, copies: 102, first: '2024-W50', last: '2026-W47' },
        { kpi_number: '16', weeks: 99, copies: 99, first: '2025-W01', last: '2026-W47' },
        { kpi_number: '32', weeks: 99, copies: 99, first: '2025-W01', last: '2026-W47' },
      ]);
    });

    test('kpi05 of every week is the mean of the stored kpi06 of its four weeks', async () => {
      // Window by last Sunday, in SQL: independent of the engine's week arithmetic.
      const rows = await sql<{ iso_week: string; kpi05: number; mean: number; n: number }>`
        select k5.iso_week, k5.field_value as kpi05, avg(k6.field_value) as mean, count(k6.*)::int as n
        from vl_analytics.scorecard_success k5
        join vl_analytics.scorecard_success k6
          on k6.kpi_number = '06' and k6.last_sunday between k5.last_sunday - 21 and k5.last_sunday
        where k5.kpi_number = '05'
        group by k5.iso_week, k5.field_value`.execute(warehouse.db);
      assert.equal(rows.rows.length, 99);
      for (const row of rows.rows) {
        assert.equal(row.n, 4, row.iso_week);
        assert.ok(Math.abs(Number(row.kpi05) - Number(row.mean)) < 1e-9, `${row.iso_week}: ${row.kpi05} != ${row.mean}`);
      }
    });

    test('no kpi05 task started before the kpi06 tasks it reads had finished (from the ledger)', async () => {
      const early = await sql<{ task_id: string; upstream: string }>`
        select k5.task_id, k6.task_id as upstream
        from kpi_ledger.node_runs k5
        join kpi_ledger.node_runs k6 on k6.run_id = k5.run_id and k6.node_id = 'success.kpi06'
        join vl_analytics.scorecard_success s5 on s5.kpi_number = '05' and s5.iso_week = k5.iso_week
        join vl_analytics.scorecard_success s6 on s6.kpi_number = '06' and s6.iso_week = k6.iso_week
        where k5.node_id = 'success.kpi05' and k5.run_id = ${outcome.runId}
          and s6.last_sunday between s5.last_sunday - 21 and s5.last_sunday
          and k5.started_at < k6.finished_at`.execute(warehouse.db);
      assert.deepEqual(early.rows, []);
      const overlapping = await sql<{ n: number }>`
        select count(*)::int as n from kpi_ledger.node_runs a join kpi_ledger.node_runs b
          on a.run_id = b.run_id and a.task_id < b.task_id and a.started_at < b.finished_at and b.started_at < a.finished_at
        where a.run_id = ${outcome.runId}`.execute(warehouse.db);
      assert.ok(overlapping.rows[0]!.n > 0, 'tasks of different weeks ran in parallel');
    });

    test('the workbook has one tab per ISO year with the weeks in order', async () => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(join(environment.dir, 'scorecards', 'success.xlsx'));
      const headers = (tab: string) => {
        const row = workbook.getWorksheet(tab)!.getRow(1);
        return Array.from({ length: row.cellCount - 2 }, (_, index) => row.getCell(index + 3).value);
      };
      const expected = (year: number) => WEEKS.filter((week) => week.year === year).map((week) => week.lastSunday.toString());
      assert.deepEqual(headers('sc2025'), expected(2025));
      assert.deepEqual(headers('sc2026'), expected(2026));
      assert.equal(headers('sc2025').length, 52);
    });
  });
}

describe('ISO week 53 through storage and tabs', () => {
  let environment: TestEnvironment;
  let warehouse: Warehouse;
  const weeks = ['2020-W52', '2020-W53', '2021-W01', '2026-W52', '2026-W53', '2027-W01'].map((week) => IsoWeek.parse(week));

  before(async () => {
    environment = await createEnvironment();
    const outcome = await runPipeline({
      config: environment.config,
      log,
      concurrency: 2,
      command: 'test',
      select: ['calendar.*'],
      exclude: [],
      weeks,
      nodesDir: join(REPO, 'fixtures', 'test-nodes', 'calendar'),
    });
    assert.equal(outcome.status, 'succeeded');
    warehouse = await openWarehouse(environment.config, log);
  });
  after(async () => {
    await warehouse?.close();
    await environment?.cleanup();
  });

  test('stored with the ISO week-year and the Sunday that ends the week', async () => {
    const rows = await sql<{ iso_week: string; year: number; last_sunday: string; week_month: string; field_value: number }>`
      select iso_week, year, last_sunday::text as last_sunday, week_month, field_value
      from vl_analytics.scorecard_calendar order by last_sunday`.execute(warehouse.db);
    assert.deepEqual(
      rows.rows.map((row) => [row.iso_week, row.year, row.last_sunday, row.week_month, Number(row.field_value)]),
      [
        ['2020-W52', 2020, '2020-12-27', '52', 52],
        ['2020-W53', 2020, '2021-01-03', '53', 53],
        ['2021-W01', 2021, '2021-01-10', '01', 1],
        ['2026-W52', 2026, '2026-12-27', '52', 52],
        ['2026-W53', 2026, '2027-01-03', '53', 53],
        ['2027-W01', 2027, '2027-01-10', '01', 1],
      ],
    );
    // PostgreSQL's own ISO functions agree on every stored Sunday.
    const disagreements = await sql<{ iso_week: string }>`
      select iso_week from vl_analytics.scorecard_calendar
      where extract(isoyear from last_sunday) <> year or extract(week from last_sunday) <> week_month::int`.execute(warehouse.db);
    assert.deepEqual(disagreements.rows, []);
  });

  test('2020-W53 publishes to sc2020 and 2026-W53 to sc2026', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(environment.dir, 'scorecards', 'calendar.xlsx'));
    const headers = (tab: string) => {
      const row = workbook.getWorksheet(tab)?.getRow(1);
      assert.ok(row, `tab ${tab}`);
      return Array.from({ length: row.cellCount - 2 }, (_, index) => row.getCell(index + 3).value);
    };
    assert.deepEqual(workbook.worksheets.map((sheet) => sheet.name).sort(), ['sc2020', 'sc2021', 'sc2026', 'sc2027']);
    assert.deepEqual(headers('sc2020'), ['2020-12-27', '2021-01-03']);
    assert.deepEqual(headers('sc2021'), ['2021-01-10']);
    assert.deepEqual(headers('sc2026'), ['2026-12-27', '2027-01-03']);
    assert.deepEqual(headers('sc2027'), ['2027-01-10']);
  });
});
