/**
 * Source freshness: with the agreements extract older than `errorAfter`, the weekly run blocks
 * KPI 32 and what reads it (KPI 61) with the load's time and age, publishes the rest with KPI
 * 32's cell as it was, exits 1 and says why in the alert; after a fresh load the next run
 * computes them. A warning computes and says so; a `loadedAt` column that does not exist is a
 * configuration error before anything runs; `sources` lists each source's load. Both engines.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { runCli } from '../helpers/cli.ts';
import { ENGINES, configWith, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const log = createLogger({ level: 'silent' });
const WEEK = '2026-W10';
const RULE = { loadedAt: '_airbyte_extracted_at', warnAfter: { hours: 24 }, errorAfter: { hours: 72 } };

for (const engine of ENGINES) {
  describe(`source freshness on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    let config: string;
    let env: Record<string, string>;

    before(async () => {
      environment = await createEnvironment(engine);
      config = await configWith(environment, { sources: { 'stg_hubspot.agreements': { freshness: RULE } } });
      env = { ...environment.env };
      // Every domain once, with the extract fresh: the cells that must later stay as they were.
      const first = await runCli(['run', '--config', config, '--week', WEEK, '--force'], env);
      assert.equal(first.code, 0, first.stderr);
    });
    after(() => environment.cleanup());

    /** Makes the agreements extract `hours` old. */
    const loadedHoursAgo = async (hours: number) => {
      const warehouse = await openWarehouse(environment.config, log);
      try {
        await sql`update stg_hubspot.agreements set _airbyte_extracted_at = now() - make_interval(hours => ${hours})`.execute(warehouse.db);
      } finally {
        await warehouse.close();
      }
    };
    const kpiCell = async (domain: string, number: string) => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(join(environment.env.KPI_SCORECARD_DIR!, `${domain}.xlsx`));
      const sheet = workbook.getWorksheet('sc2026')!;
      const row = sheet.getColumn(1).values.findIndex((value) => String(value) === number);
      const column = (sheet.getRow(1).values as unknown[]).findIndex((value) => value instanceof Date ? value.toISOString().startsWith('2026-03-08') : String(value).startsWith('2026-03-08'));
      return sheet.getRow(row).getCell(column).value;
    };

    test('80 hours old with errorAfter 72 h: KPI 32 and KPI 61 blocked, the rest published, exit 1; a fresh load computes them', async () => {
      await loadedHoursAgo(80);
      const cell32 = await kpiCell('success', '32');
      assert.equal(typeof cell32, 'number', 'KPI 32 was published before');
      const blocked = await runCli(['run', '--config', config, '--week', WEEK, '--force', '--json'], env);
      assert.equal(blocked.code, 1, blocked.stderr);
      const events = blocked.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
      const finished = (task: string) => events.find((event) => event.event === 'task finished' && event.task === task)!;
      const message = /^blocked by source freshness: stg_hubspot\.agreements last loaded \d{4}-\d\d-\d\d \d\d:\d\d, 80 h ago$/;
      assert.equal(finished(`success.kpi32@${WEEK}`).status, 'blocked');
      assert.match(finished(`success.kpi32@${WEEK}`).reason, message);
      assert.equal(finished(`leadership.kpi61@${WEEK}`).status, 'blocked');
      assert.match(finished(`leadership.kpi61@${WEEK}`).reason, message);
      for (const task of [`success.kpi06@${WEEK}`, `success.publish@${WEEK}:workbook`, `leadership.publish@${WEEK}:workbook`, `leadership.kpi62@${WEEK}`]) {
        assert.equal(finished(task).status, 'succeeded', task);
      }
      const run = events.at(-1)!;
      assert.equal(run.status, 'failed');
      assert.ok(run.failed.some((failure: { task: string; error: string }) => failure.task === `success.kpi32@${WEEK}` && message.test(failure.error)), JSON.stringify(run.failed));
      assert.equal(await kpiCell('success', '32'), cell32, "KPI 32's cell keeps what it had");

      // The late extract lands, with a new agreement: what it feeds is computed again.
      await loadedHoursAgo(0);
      const warehouse = await openWarehouse(environment.config, log);
      try {
        await sql`insert into stg_hubspot.agreements (agreement_id, client_id, client_name, client_category, status, start_date)
                  values ('AGR-LATE', 'C-LATE', 'Late Client SL', 'Customer', 'Active', '2026-01-05')`.execute(warehouse.db);
      } finally {
        await warehouse.close();
      }
      const fresh = await runCli(['run', '--config', config, '--week', WEEK, '--json'], env);
      assert.equal(fresh.code, 0, fresh.stderr);
      const after = fresh.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
      for (const task of [`success.kpi32@${WEEK}`, `leadership.kpi61@${WEEK}`]) {
        assert.equal(after.find((event) => event.event === 'task finished' && event.task === task)?.status, 'succeeded', task);
      }
    });

    test('30 hours old with warnAfter 24 h: computed, with the warning in the events and the summary', async () => {
      await loadedHoursAgo(30);
      const warned = await runCli(['run', '--config', config, '--week', WEEK, '--force', 'success.kpi32', '--target', 'success.publish'], env);
      assert.equal(warned.code, 0, warned.stderr);
      assert.match(warned.stdout, /success\.kpi32 +2026-W10 +succeeded/);
      assert.match(warned.stdout, /source freshness.*stg_hubspot\.agreements last loaded .*, 30 h ago \(warn after 24 h\)/);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(join(environment.env.KPI_SCORECARD_DIR!, 'success.xlsx'));
      const sheet = workbook.getWorksheet('sc2026')!;
      const notes = sheet.getRows(1, sheet.rowCount)!.flatMap((row) => (row.values as unknown[]).map((_, column) => row.getCell(column).note)).filter((note) => note !== undefined);
      assert.ok(
        notes.some((note) => /⚠ source freshness: stg_hubspot\.agreements last loaded .*, 30 h ago/.test(typeof note === 'string' ? note : JSON.stringify(note))),
        'the cell of the warned value says so in its note',
      );
      const status = await runCli(['status', '--config', config, '--json'], env);
      assert.match(status.stdout, /warning: source freshness: stg_hubspot\.agreements last loaded/);
      await loadedHoursAgo(0);
    });

    test('sources lists each source with its latest load and freshness; exit 1 past errorAfter', async () => {
      await loadedHoursAgo(80);
      const listed = await runCli(['sources', '--config', config, '--json'], env);
      assert.equal(listed.code, 1, listed.stderr);
      const sources = JSON.parse(listed.stdout) as { source: string; status: string; ageHours: number | null; readBy: string[] }[];
      const agreements = sources.find((source) => source.source === 'stg_hubspot.agreements')!;
      assert.equal(agreements.status, 'error');
      assert.ok(agreements.ageHours! >= 80 && agreements.ageHours! < 81, String(agreements.ageHours));
      assert.ok(agreements.readBy.includes('success.kpi32'));
      assert.equal(sources.find((source) => source.source === 'stg_forms.offboarding_submissions')?.status, 'none');
      await loadedHoursAgo(0);
      const text = await runCli(['sources', '--config', config], env);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /stg_hubspot\.agreements +table +_airbyte_extracted_at +\d{4}-\d\d-\d\d \d\d:\d\d +0 h +24 h +72 h +pass/);
    });

    test('a loadedAt column the table does not have: exit 2 naming the table and the column, nothing run', async () => {
      const wrong = await configWith(environment, { sources: { 'stg_hubspot.agreements': { freshness: { ...RULE, loadedAt: 'loaded_at' } } } });
      const refused = await runCli(['run', '--config', wrong, '--week', WEEK, '--force'], env);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /sources\.stg_hubspot\.agreements\.freshness\.loadedAt: table stg_hubspot\.agreements has no column "loaded_at"/);
      // configWith wrote over the test's configuration: put it back.
      config = await configWith(environment, { sources: { 'stg_hubspot.agreements': { freshness: RULE } } });
    });
  });
}
