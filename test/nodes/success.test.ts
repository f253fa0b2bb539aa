/**
 * The success KPIs against SQL written here, independently of the KPI files, over the same
 * fixtures: on PGlite always and on PostgreSQL when a server is configured.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { IsoWeek } from '../../graph/iso-week.ts';
import type { Warehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { ENGINES, REPO, engineSkipReason } from '../helpers/environment.ts';
import { churn } from '../helpers/expected-kpis.ts';
import { domainRuns, failuresOf } from '../helpers/domain-runs.ts';
import { assertClose, storedValue } from '../helpers/stored.ts';

const WEEKS = ['2024-W10', '2025-W14', '2026-W47'];
const TIME_ZONE = 'Europe/Madrid';

for (const engine of ENGINES) {
  describe(`success KPIs on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    const runs = domainRuns(engine, 'success.*', WEEKS);
    const stored = (kpi: string, week: string) => storedValue(runs.warehouse.db, 'success', kpi, week);

    test('every run succeeded', () => {
      for (const [week, outcome] of runs.outcomes) {
        assert.deepEqual(failuresOf(outcome), [], `week ${week}`);
      }
    });

    for (const week of WEEKS) {
      test(`${week}: kpi06 is the count of completed forms submitted in the local week`, async () => {
        assert.equal(await stored('06', week), await expectedKpi06(runs.warehouse, week));
      });

      test(`${week}: kpi05 is the mean of kpi06 over the week and the three before`, async () => {
        const weeks = [3, 2, 1, 0].map((back) => IsoWeek.parse(week).add(-back).id);
        const counts = await Promise.all(weeks.map((id) => expectedKpi06(runs.warehouse, id)));
        const mean = counts.reduce((sum, count) => sum + count, 0) / counts.length;
        assertClose(await stored('05', week), mean);
        // And it agrees with the kpi06 values the run stored for those weeks.
        const storedCounts = await Promise.all(weeks.map((id) => stored('06', id)));
        assert.deepEqual(storedCounts, counts);
      });

      test(`${week}: kpi32 is churned over exposed customers in the 52 weeks to last Sunday`, async () => {
        const expected = await churn(runs.warehouse.db, week);
        assert.ok(expected > 0 && expected < 1, `fixture churn for ${week} should be non-trivial, got ${expected}`);
        assertClose(await stored('32', week), expected);
      });

      test(`${week}: kpi16 is the week's sum of new replacement processes in the CS report`, async () => {
        const expected = await expectedKpi16(week);
        assert.ok(expected > 0, `fixture report should have replacements in ${week}`);
        assert.equal(await stored('16', week), expected);
      });

      test(`${week}: kpi05 started only after the kpi06 tasks it reads had finished`, () => {
        const results = runs.outcomes.get(week)!.results;
        const kpi05 = results.find((result) => result.task.id === `success.kpi05@${week}`);
        const kpi06 = results.filter((result) => result.task.node.id === 'success.kpi06');
        assert.equal(kpi06.length, 4, 'on an empty store the run computes kpi06 for the four weeks');
        for (const upstream of kpi06) {
          assert.ok(kpi05?.startedAt && upstream.finishedAt, 'both have timestamps');
          assert.ok(
            kpi05.startedAt >= upstream.finishedAt,
            `${kpi05.task.id} started ${kpi05.startedAt} before ${upstream.task.id} finished ${upstream.finishedAt}`,
          );
        }
      });
    }

    test('values are not the same every week', async () => {
      for (const kpi of ['06', '05', '16', '32']) {
        const values = await Promise.all(WEEKS.map((week) => stored(kpi, week)));
        assert.ok(new Set(values).size > 1, `kpi${kpi}: ${values.join(', ')}`);
      }
    });

    test('stored rows carry the standard metadata', async () => {
      const row = await runs.warehouse.db
        .selectFrom('vl_analytics.scorecard_success')
        .select([
          'year',
          sql<string>`print_date::text`.as('print_date'),
          'sc_name',
          sql<string>`last_sunday::text`.as('last_sunday'),
          'kpi_number',
          'range_type',
          'week_month',
          'field_name',
          'iso_week',
          'run_id',
        ])
        .where('iso_week', '=', '2024-W10')
        .where('kpi_number', '=', '05')
        .executeTakeFirstOrThrow();
      assert.equal(row.year, 2024);
      assert.equal(row.sc_name, 'Success');
      assert.equal(row.last_sunday, '2024-03-10');
      assert.equal(row.range_type, 'weekly');
      assert.equal(row.week_month, '10');
      assert.equal(row.field_name, '4 Week Ave. Offboarding Forms Completed');
      assert.equal(row.run_id, runs.outcomes.get('2024-W10')!.runId);
      assert.match(row.print_date, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    });
  });
}

/** Week bounds from PostgreSQL's own ISO week parsing, local days from its time zone conversion. */
async function expectedKpi06(warehouse: Warehouse, week: string): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n
    from stg_forms.offboarding_submissions
    where upper(btrim(form_status)) = 'COMPLETED'
      and (submitted_at at time zone ${TIME_ZONE})::date
          between to_date(${week.replace('-W', '-')}, 'IYYY-IW') and to_date(${week.replace('-W', '-')}, 'IYYY-IW') + 6`.execute(warehouse.db);
  return result.rows[0]!.n;
}

/** Reads the report workbook directly and sums in DuckDB with DuckDB's own ISO week functions. */
async function expectedKpi16(week: string): Promise<number> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(join(REPO, 'fixtures', 'sources', 'cs_weekly_report.xlsx'));
  const sheet = workbook.getWorksheet('Report')!;
  const entries: { date: string; serial: number | null; count: number }[] = [];
  sheet.eachRow((row, number) => {
    if (number === 1) return;
    const date = row.getCell(1).value;
    const count = row.getCell(4).value;
    if (date === null || date === undefined || (typeof date === 'string' && date.trim() === '')) return;
    const parsedCount = count === null || count === undefined || String(count).trim() === '' ? 0 : Number(String(count).trim());
    if (date instanceof Date) entries.push({ date: date.toISOString().slice(0, 10), serial: null, count: parsedCount });
    else if (typeof date === 'number') entries.push({ date: '', serial: date, count: parsedCount });
    else {
      const text = String(date).trim();
      const [a, b, c] = text.split('/');
      entries.push({ date: c ? `${c}-${b}-${a}` : text, serial: null, count: parsedCount });
    }
  });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run('create table entries (date varchar, serial integer, count double)');
    const appender = await connection.createAppender('entries');
    for (const entry of entries) {
      appender.appendVarchar(entry.date);
      if (entry.serial === null) appender.appendNull();
      else appender.appendInteger(entry.serial);
      appender.appendDouble(entry.count);
      appender.endRow();
    }
    appender.closeSync();
    const [isoYear, isoWeek] = week.split('-W').map(Number);
    const reader = await connection.runAndReadAll(
      `with days as (
         select case when serial is null then cast(date as date) else date '1899-12-30' + serial end as day, count from entries
       )
       select sum(count)::double as total from days where isoyear(day) = $1 and weekofyear(day) = $2`,
      [isoYear!, isoWeek!],
    );
    return Number(reader.getRowObjectsJS()[0]!.total ?? 0);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
