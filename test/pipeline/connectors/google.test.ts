/**
 * Google Sheets through the real google-spreadsheet and google-auth-library code, against the
 * in-repo emulation of the Sheets v4 REST API (test/helpers/sheets-emulator.ts).
 */
import assert from 'node:assert/strict';
import { openWarehouse } from '../../../pipeline/connectors/warehouse/warehouse.ts';
import { sql } from 'kysely';
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { IsoWeek } from '../../../graph/iso-week.ts';
import type { Config } from '../../../pipeline/config.ts';
import { ConfigError } from '../../../pipeline/config.ts';
import { READ_SCOPE, WRITE_SCOPE, serviceAccountFromEnv } from '../../../pipeline/connectors/google/credentials.ts';
import { googleSheetReader } from '../../../pipeline/connectors/google/sheets-reader.ts';
import { googleSheetsSink } from '../../../pipeline/connectors/google/sheets-sink.ts';
import { googleAuth } from '../../../pipeline/connectors/google/spreadsheet.ts';
import { LEGEND, LEGEND_LABEL, STATUS_FILLS } from '../../../pipeline/connectors/scorecards/layout.ts';
import type { WeekColumn } from '../../../pipeline/connectors/scorecards/layout.ts';
import { cleanRange } from '../../../pipeline/connectors/sheets/clean.ts';
import { createConnectors } from '../../../pipeline/connectors/factory.ts';
import { loadProject } from '../../../pipeline/project/project.ts';
import { runPipeline } from '../../../pipeline/engine/run.ts';
import type { RunOptions, RunOutcome } from '../../../pipeline/engine/run.ts';
import { checkSheets } from '../../../pipeline/connectors/sheets/sheets-check.ts';
import { formatSummary, statusOf } from '../../../pipeline/reports/summary.ts';
import { copyNodes, runCli } from '../../helpers/cli.ts';
import { REPO, createEnvironment } from '../../helpers/environment.ts';
import type { TestEnvironment } from '../../helpers/environment.ts';
import { capturingLogger } from '../../helpers/log.ts';
import { SheetsEmulator } from '../../helpers/sheets-emulator.ts';

const ACCOUNT = 'kpi-factory@demo-project.iam.gserviceaccount.com';
const SUCCESS_SHEET = 'successScorecard0001';
const CALENDAR_SHEET = 'calendarScorecard001';
const SOURCE_SHEET = 'csWeeklyReportSheet1';
const WEEK = IsoWeek.parse('2026-W47');

/** A throwaway key made for this run: no credential is ever committed. */
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const GOOGLE_ENV = { GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ type: 'service_account', client_email: ACCOUNT, private_key: privateKey }) };

function googleConfig(base: Config, overrides: Partial<Config> = {}): Config {
  return {
    ...base,
    scorecards: { success: { spreadsheetId: SUCCESS_SHEET }, calendar: { spreadsheetId: CALENDAR_SHEET } },
    google: { concurrency: 1, retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 4 } },
    ...overrides,
  };
}

describe('Google Sheets', () => {
  let environment: TestEnvironment;
  let emulator: SheetsEmulator;
  let nodes: string;

  before(async () => {
    environment = await createEnvironment();
    // The success domain and the one-KPI calendar domain, so one domain can fail while the other publishes.
    nodes = await copyNodes(join(REPO, 'nodes'));
    await cp(join(REPO, 'fixtures', 'test-nodes', 'calendar', 'calendar'), join(nodes, 'calendar'), { recursive: true });
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });
  beforeEach(() => {
    emulator = SheetsEmulator.install();
    emulator.addSpreadsheet(SUCCESS_SHEET, { sharedWith: [ACCOUNT] });
    emulator.addSpreadsheet(CALENDAR_SHEET, { sharedWith: [ACCOUNT] });
  });
  afterEach(() => emulator.uninstall());

  /** A forced run of the success domain for WEEK with Google credentials, unless `options` says otherwise. */
  const run = (config: Config, options: Partial<RunOptions> = {}): Promise<RunOutcome> =>
    runPipeline({
      config,
      log: capturingLogger().log,
      concurrency: 4,
      command: 'test',
      select: ['success.*'],
      exclude: [],
      weeks: [WEEK],
      nodesDir: nodes,
      env: GOOGLE_ENV,
      force: true,
      ...options,
    });

  test('publishes into a sheet with earlier weeks, manual rows and notes, touching nothing else', async () => {
    emulator.addTab(SUCCESS_SHEET, 'sc2026', { rowCount: 20, columnCount: 6, frozenRowCount: 1 });
    emulator.setCells(SUCCESS_SHEET, 'sc2026', 'A1', [
      ['KPI', 'Name', '2026-11-08', '2026-11-15'],
      ['05', '4 Week Ave. Offboarding Forms Completed', 11.5, 12.25],
      ['6', 'Offboarding Forms Completed', 10, 14],
      [null, 'Comment from the team: W46 was a holiday week', null, null],
    ]);
    emulator.setCell(SUCCESS_SHEET, 'sc2026', 'D3', { note: 'checked by hand' });
    emulator.setCell(SUCCESS_SHEET, 'sc2026', 'B4', { bold: true });

    const outcome = await run(googleConfig(environment.config));
    assert.equal(outcome.status, 'succeeded', outcome.results.find((result) => result.error)?.error?.message);
    const values = new Map(
      outcome.results.flatMap((result) => (result.value?.kind === 'kpi' ? [[result.task.id.split('@')[0]! + '@' + result.task.week?.id, result.value.value] as const] : [])),
    );
    const value = (node: string) => values.get(`${node}@${WEEK.id}`);
    assert.deepEqual(emulator.grid(SUCCESS_SHEET, 'sc2026'), [
      ['KPI', 'Name', '2026-11-08', '2026-11-15', '2026-11-22'],
      ['05', '4 Week Ave. Offboarding Forms Completed', 11.5, 12.25, value('success.kpi05')],
      ['06', 'Offboarding Forms Completed', 10, 14, value('success.kpi06')],
      [null, 'Comment from the team: W46 was a holiday week', null, null, null],
      ['16', 'New replacement processes for existing clients', null, null, value('success.kpi16')],
      ['32', 'Overall churn [real churn] (52 weeks)', null, null, value('success.kpi32')],
      [null, null, null, null, null],
      ...LEGEND.map((entry, index) => [index === 0 ? LEGEND_LABEL : null, entry.text, null, null, null]),
    ]);
    // Churn has a target (lower is better, green to 10%, amber to 15%): its status is the fill.
    assert.ok(value('success.kpi32')! > 0.1 && value('success.kpi32')! < 0.15);
    assert.equal(emulator.cell(SUCCESS_SHEET, 'sc2026', 'E6')?.background, STATUS_FILLS.amber);
    assert.equal(emulator.cell(SUCCESS_SHEET, 'sc2026', 'E2')?.background, undefined, 'KPI 05 has none');
    // KPI 06 of W46 was computed for KPI 05's window: its change is noted; KPI 05 of W46 was never stored.
    assert.match(emulator.cell(SUCCESS_SHEET, 'sc2026', 'E3')?.note ?? '', /^[▲▼=] .* vs 2026-W46$/);
    assert.equal(emulator.cell(SUCCESS_SHEET, 'sc2026', 'E2')?.note, 'no value in 2026-W46 to compare with');
    assert.deepEqual(emulator.cell(SUCCESS_SHEET, 'sc2026', 'D3'), { value: 14, note: 'checked by hand' });
    assert.equal(emulator.cell(SUCCESS_SHEET, 'sc2026', 'B4')?.bold, true);
    assert.equal(emulator.cell(SUCCESS_SHEET, 'sc2026', 'E2')?.numberFormat, '0.00');
    assert.equal(emulator.cell(SUCCESS_SHEET, 'sc2026', 'E6')?.numberFormat, '0.00%');
    assert.equal(emulator.cell(SUCCESS_SHEET, 'sc2026', 'E1')?.bold, true);
    assert.deepEqual(emulator.tabs(SUCCESS_SHEET).map((tab) => [tab.frozenRowCount, tab.frozenColumnCount]), [[1, 2]], 'the header stays frozen, the label columns too');

    const before = emulator.grid(SUCCESS_SHEET, 'sc2026');
    const again = await run(googleConfig(environment.config));
    assert.equal(again.status, 'succeeded');
    assert.deepEqual(emulator.grid(SUCCESS_SHEET, 'sc2026'), before, 'publishing again changes nothing');
    assert.deepEqual(emulator.cell(SUCCESS_SHEET, 'sc2026', 'D3'), { value: 14, note: 'checked by hand' });
  });

  test('creates the tab with a frozen header; an older week is inserted in date order', async () => {
    assert.equal((await run(googleConfig(environment.config))).status, 'succeeded');
    const [tab] = emulator.tabs(SUCCESS_SHEET);
    assert.deepEqual([tab?.title, tab?.frozenRowCount, tab?.frozenColumnCount], ['sc2026', 1, 2]);
    const older = await run(googleConfig(environment.config), { concurrency: 2, select: ['success.publish'], weeks: [IsoWeek.parse('2026-W45')], force: false });
    assert.equal(older.status, 'succeeded');
    assert.deepEqual(emulator.grid(SUCCESS_SHEET, 'sc2026')[0], ['KPI', 'Name', '2026-11-08', '2026-11-22']);
  });

  test('the number of requests of a publish does not grow with the number of KPIs', async () => {
    const counts: number[] = [];
    emulator.addTab(CALENDAR_SHEET, 'sc2026');
    for (const size of [3, 12]) {
      const folder = join(REPO, '.tmp', `many-${size}-${process.pid}`);
      await mkdir(join(folder, 'calendar'), { recursive: true });
      await writeFile(join(folder, 'calendar', 'publish.ts'), "import { definePublish } from 'kpi-factory';\nexport default definePublish({ domain: 'calendar', scorecard: 'Calendar' });\n");
      for (let number = 1; number <= size; number++) {
        await writeFile(
          join(folder, 'calendar', `kpi${number}.ts`),
          `import { defineKpi } from 'kpi-factory';\nexport default defineKpi({ domain: 'calendar', number: ${number}, name: 'K${number}', unit: 'integer', inputs: {}, compute: () => ${number} });\n`,
        );
      }
      const start = emulator.requests.length;
      const outcome = await run(googleConfig(environment.config), {
        select: ['calendar.*'],
        weeks: [IsoWeek.parse(`2026-W${String(10 + size).padStart(2, '0')}`)],
        nodesDir: folder,
        force: false,
      });
      await rm(folder, { recursive: true, force: true });
      assert.equal(outcome.status, 'succeeded');
      const requests = emulator.requests.slice(start);
      counts.push(requests.length);
      assert.equal(requests.filter((request) => request.path.endsWith(':batchUpdate') && JSON.stringify(request.body).includes('updateCells')).length, 1, 'one write for all cells');
    }
    assert.equal(counts[0], counts[1], `requests for 3 KPIs (${counts[0]}) and for 12 (${counts[1]})`);
  });

  test('five 429s in a row are waited out, saying so, and the week is published once', async () => {
    emulator.addTab(SUCCESS_SHEET, 'sc2026');
    emulator.failNext(5, 429, { method: 'POST', pathIncludes: ':batchUpdate' });
    const { log, lines } = capturingLogger();
    const config = googleConfig(environment.config);
    const outcome = await run({ ...config, google: { ...config.google, retry: { attempts: 7, baseDelayMs: 1, maxDelayMs: 4 } } }, { log });
    assert.equal(outcome.status, 'succeeded', outcome.results.find((result) => result.error)?.error?.message);
    const waits = lines.filter((line) => typeof line.msg === 'string' && line.msg.includes('waiting'));
    assert.deepEqual(
      waits.map((line) => [line.status, String(line.msg).replace(/waiting [\d.]+ s/, 'waiting N s')]),
      [2, 3, 4, 5, 6].map((attempt) => [429, `publish success: Google Sheets quota exceeded (429) on spreadsheet ${SUCCESS_SHEET}: waiting N s before attempt ${attempt} of 7`]),
    );
    assert.deepEqual(emulator.grid(SUCCESS_SHEET, 'sc2026')[0], ['KPI', 'Name', '2026-11-22']);
    assert.equal(emulator.grid(SUCCESS_SHEET, 'sc2026').length, 5 + 1 + LEGEND.length, 'the KPIs, a blank row and the legend');
  });

  describe('with the default retry policy and a clock that only records', () => {
    const column: WeekColumn = { header: '2026-11-22', kpis: [{ number: '05', name: 'Average', unit: 'decimal', value: 1.5 }] };
    /** The success sink as a run makes it, with the default google.retry, waiting by `waits` instead of the clock. */
    const sink = async (waits: number[]) => {
      const { log, lines } = capturingLogger();
      const account = (await serviceAccountFromEnv(GOOGLE_ENV))!;
      const context = { auth: googleAuth(account, WRITE_SCOPE), account: ACCOUNT, retry: environment.config.google.retry, log, sleep: async (ms: number) => void waits.push(ms) };
      return { sink: googleSheetsSink(context, SUCCESS_SHEET), lines };
    };

    test('a quota that never lifts is retried for over a minute, then the publish fails naming the quota', async () => {
      emulator.failNext(Infinity, 429, { method: 'POST', pathIncludes: ':batchUpdate' });
      const waits: number[] = [];
      const { sink: google, lines } = await sink(waits);
      let message = '';
      await assert.rejects(google.publish('success', 'sc2026', column), (error: Error) => ((message = error.message), true));
      const waited = waits.reduce((sum, ms) => sum + ms, 0);
      assert.equal(waits.length, 6);
      assert.ok(waited >= 60_000 && waited <= 68_000, `waited ${waited} ms`);
      assert.equal(
        message,
        `publish success: Google Sheets quota exceeded (429) for spreadsheet ${SUCCESS_SHEET}, retried for ${Math.round(waited / 1000)} s (7 attempts): ` +
          "Google API error - [429] Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service 'sheets.googleapis.com'.",
      );
      assert.equal(lines.filter((line) => String(line.msg).includes('waiting')).length, 6, 'each wait is in the log');
      assert.ok(lines.some((line) => String(line.msg).endsWith('waiting 32 s before attempt 7 of 7')), 'the longest wait, at the cap');
      assert.equal(emulator.requests.filter((request) => request.path.endsWith(':batchUpdate')).length, 7);
    });

    test("a Retry-After is waited as asked; a 503 that lifts is published", async () => {
      emulator.failNext(1, 429, { method: 'POST', pathIncludes: ':batchUpdate', retryAfterSeconds: 20 });
      emulator.failNext(1, 503, { method: 'GET' });
      const waits: number[] = [];
      const { sink: google } = await sink(waits);
      const report = await google.publish('success', 'sc2026', column);
      assert.equal(report.tab, 'sc2026');
      assert.equal(waits.length, 2);
      assert.ok(waits[0]! >= 1000 && waits[0]! <= 2000, `the 503 at loading first: ${waits[0]} ms`);
      assert.equal(waits[1], 20_000, 'the 429 asked for 20 s');
      assert.deepEqual(emulator.grid(SUCCESS_SHEET, 'sc2026'), [['KPI', 'Name', '2026-11-22'], ['05', 'Average', 1.5]]);
    });
  });

  test('a 403 fails that domain with the spreadsheet and the account; the other domain publishes', async () => {
    emulator.uninstall();
    emulator = SheetsEmulator.install();
    emulator.addSpreadsheet(SUCCESS_SHEET, { sharedWith: ['someone-else@example.com'] });
    emulator.addSpreadsheet(CALENDAR_SHEET, { sharedWith: [ACCOUNT] });
    const { log, lines } = capturingLogger();
    const outcome = await run(googleConfig(environment.config), { log, select: ['success.*', 'calendar.*'] });
    assert.equal(outcome.status, 'failed');
    const publish = outcome.results.find((result) => result.task.id === `success.publish@${WEEK.id}:google`)!;
    assert.equal(publish.status, 'failed');
    assert.match(publish.error!.message, new RegExp(`${SUCCESS_SHEET}.*403.*share it with ${ACCOUNT.replace(/\./g, '\\.')}`));
    assert.equal(outcome.results.find((result) => result.task.id === `success.publish@${WEEK.id}:workbook`)?.status, 'succeeded', 'the local workbook is written all the same');
    assert.equal(outcome.results.find((result) => result.task.id === `calendar.publish@${WEEK.id}:google`)?.status, 'succeeded');
    assert.deepEqual(emulator.grid(CALENDAR_SHEET, 'sc2026'), [
      ['KPI', 'Name', '2026-11-22'],
      ['01', 'ISO week number', 47],
    ]);
    assert.equal(lines.filter((line) => String(line.msg).includes('waiting')).length, 0, 'a 403 is not retried');
    assert.ok(!JSON.stringify(lines).includes('PRIVATE KEY'), 'the key never reaches the log');
    assert.ok(emulator.tokenRequests >= 1, 'the service-account token came from the token endpoint');
  });

  test('a 404 names the spreadsheet id and the account', async () => {
    const config = googleConfig(environment.config, {});
    const outcome = await run({ ...config, scorecards: { success: { spreadsheetId: 'noSuchSpreadsheet00' } } });
    const publish = outcome.results.find((result) => result.task.id === `success.publish@${WEEK.id}:google`)!;
    assert.equal(publish.status, 'failed');
    assert.match(publish.error!.message, new RegExp(`noSuchSpreadsheet00 was not found \\(404\\).*${ACCOUNT.replace(/\./g, '\\.')} can open it`));
  });

  test('a KPI without a value leaves its cell empty and the log says so', async () => {
    const folder = join(REPO, '.tmp', `empty-value-${process.pid}`);
    await mkdir(join(folder, 'calendar'), { recursive: true });
    await writeFile(join(folder, 'calendar', 'publish.ts'), "import { definePublish } from 'kpi-factory';\nexport default definePublish({ domain: 'calendar', scorecard: 'Calendar' });\n");
    const kpiFile = (value: string) =>
      `import { defineKpi } from 'kpi-factory';\nexport default defineKpi({ domain: 'calendar', number: 1, name: 'Maybe', unit: 'integer', inputs: {}, compute: () => ${value} });\n`;
    const publish = async () => {
      const { log, lines } = capturingLogger();
      const outcome = await run(googleConfig(environment.config), { log, concurrency: 2, select: ['calendar.*'], nodesDir: folder, force: false });
      assert.equal(outcome.status, 'succeeded');
      return lines;
    };
    try {
      await writeFile(join(folder, 'calendar', 'kpi01.ts'), kpiFile('7'));
      await publish();
      assert.equal(emulator.cell(CALENDAR_SHEET, 'sc2026', 'C2')?.value, 7);
      await writeFile(join(folder, 'calendar', 'kpi01.ts'), kpiFile('null'));
      const lines = await publish();
      assert.equal(emulator.cell(CALENDAR_SHEET, 'sc2026', 'C2')?.value ?? null, null);
      assert.deepEqual(emulator.grid(CALENDAR_SHEET, 'sc2026'), [['KPI', 'Name', '2026-11-22'], ['01', 'Maybe', null]]);
      assert.ok(lines.some((line) => line.msg === `no value for KPI 01 in ${WEEK.id}: cells left empty`));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('local workbook and Google sheet get identical grids for the same week', async () => {
    // Earlier tests published other weeks to the workbook (the emulated spreadsheets start empty each time).
    await rm(join(environment.dir, 'scorecards', 'success.xlsx'), { force: true });
    const local = await run(googleConfig(environment.config), { env: {} });
    assert.equal(local.status, 'succeeded');
    assert.equal((await run(googleConfig(environment.config))).status, 'succeeded');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(environment.dir, 'scorecards', 'success.xlsx'));
    const sheet = workbook.getWorksheet('sc2026')!;
    const google = emulator.grid(SUCCESS_SHEET, 'sc2026');
    const xlsx = google.map((row, r) => row.map((_, c) => (sheet.getCell(r + 1, c + 1).value as string | number | null) ?? null));
    assert.deepEqual(xlsx, google);
    for (let row = 2; row <= google.length; row++) {
      assert.equal(sheet.getCell(row, 3).numFmt, emulator.cell(SUCCESS_SHEET, 'sc2026', `C${row}`)?.numberFormat, `format of row ${row}`);
    }
  });

  test('one run publishes to the Google spreadsheet and to the local workbook, each a task of its own', async () => {
    const workbookFile = join(environment.dir, 'scorecards', 'success.xlsx');
    await rm(workbookFile, { force: true });
    const outcome = await run(googleConfig(environment.config));
    assert.equal(outcome.status, 'succeeded');
    const publishes = outcome.results.flatMap((result) => (result.value?.kind === 'publish' ? [result] : []));
    assert.deepEqual(
      publishes.map((result) => [result.task.id, result.status, result.value?.kind === 'publish' ? result.value.report?.location : undefined]).sort(),
      [
        [`success.publish@${WEEK.id}:google`, 'succeeded', `Google spreadsheet ${SUCCESS_SHEET}`],
        [`success.publish@${WEEK.id}:workbook`, 'succeeded', workbookFile],
      ],
    );
    const [google, workbook] = publishes.map((result) => (result.value?.kind === 'publish' ? result.value.fingerprint.inputs.destination : undefined)).sort();
    assert.notEqual(google, workbook, 'each destination is part of its own fingerprint');
    assert.deepEqual(emulator.grid(SUCCESS_SHEET, 'sc2026')[0], ['KPI', 'Name', '2026-11-22']);
    const xlsx = new ExcelJS.Workbook();
    await xlsx.xlsx.readFile(workbookFile);
    assert.equal(xlsx.getWorksheet('sc2026')?.getCell('C1').value, '2026-11-22');
    const summary = formatSummary(outcome.tasks, outcome.results);
    assert.match(summary, new RegExp(`^success\\.publish:google\\s+${WEEK.id}\\s+succeeded\\s+Google spreadsheet ${SUCCESS_SHEET} \\[sc2026\\]`, 'm'));
    assert.match(summary, new RegExp(`^success\\.publish:workbook\\s+${WEEK.id}\\s+succeeded\\s+\\S*success\\.xlsx \\[sc2026\\]`, 'm'));
    assert.match(summary, /^\d+ KPI values computed, 2 scorecards published\.$/m);
  });

  test('a Google outage fails only the Google task: the workbook is published; retry reruns the Google task alone', async () => {
    // A week no other test publishes to Google, so its Google task has never succeeded before.
    const week = IsoWeek.parse('2026-W46');
    emulator.failNext(Infinity, 500);
    const down = await run(googleConfig(environment.config), { weeks: [week] });
    assert.equal(down.status, 'failed');
    const statusOfTask = (outcome: RunOutcome, destination: string) => outcome.results.find((result) => result.task.id === `success.publish@${week.id}:${destination}`)!;
    assert.equal(statusOfTask(down, 'google').status, 'failed');
    assert.match(statusOfTask(down, 'google').error!.message, /Google Sheets failed on spreadsheet successScorecard0001 \(500\)/);
    assert.equal(statusOfTask(down, 'workbook').status, 'succeeded');
    assert.match(formatSummary(down.tasks, down.results), /^Not everything ran: 1 task failed; \d+ KPI values computed, 1 scorecard published\.$/m);

    await emulator.uninstall();
    emulator = SheetsEmulator.install();
    emulator.addSpreadsheet(SUCCESS_SHEET, { sharedWith: [ACCOUNT] });
    const retried = await run(googleConfig(environment.config), { retry: {}, force: false });
    assert.deepEqual(retried.results.map((result) => [result.task.id, result.status]), [[`success.publish@${week.id}:google`, 'succeeded']]);
    assert.deepEqual(emulator.grid(SUCCESS_SHEET, 'sc2026')[0], ['KPI', 'Name', '2026-11-15']);
    const again = await run(googleConfig(environment.config), { weeks: [week], force: false });
    assert.deepEqual([statusOf(statusOfTask(again, 'google')), statusOf(statusOfTask(again, 'workbook'))], ['fresh', 'fresh']);
  });

  test('"publish" in the configuration keeps one destination only', async () => {
    const only = (publish: ('google' | 'workbook')[]) => googleConfig(environment.config, { scorecards: { success: { spreadsheetId: SUCCESS_SHEET, publish } } });
    for (const [publish, expected] of [[['google'], 'google'], [['workbook'], 'workbook']] as const) {
      const outcome = await run(only([...publish]));
      assert.deepEqual(outcome.results.filter((result) => result.task.node.kind === 'publish').map((result) => result.task.destination), [expected]);
    }
  });

  test('a new KPI gets its row in number order; the name column fits the longest name; header and labels frozen', async () => {
    const copy = await copyNodes(join(REPO, 'nodes'));
    const config = googleConfig(environment.config, { scorecards: { success: { spreadsheetId: SUCCESS_SHEET, publish: ['google'] } } });
    try {
      assert.equal((await run(config, { nodesDir: copy })).status, 'succeeded');
      emulator.setCells(SUCCESS_SHEET, 'sc2026', 'A7', [[null, 'A note under the KPIs, kept where it is']]);
      const created = await runCli(['new', 'success', '17', 'Open escalations', '--nodes', copy], environment.env);
      assert.equal(created.code, 0, created.stderr);
      assert.equal((await run(config, { nodesDir: copy })).status, 'succeeded');
      const grid = emulator.grid(SUCCESS_SHEET, 'sc2026');
      assert.deepEqual(grid.map((row) => row[0]).slice(0, 8), ['KPI', '05', '06', '16', '17', '32', null, null]);
      assert.ok(grid.findIndex((row) => row[0] === 'Legend') > 7, 'the legend below the manual row');
      assert.equal(grid[4]![1], 'Open escalations');
      assert.equal(grid[7]![1], 'A note under the KPIs, kept where it is', 'the manual row moved down with the rows above it');
      assert.equal(emulator.cell(SUCCESS_SHEET, 'sc2026', 'C6')?.numberFormat, '0.00%', 'KPI 32 kept its format');
      const longest = Math.max(...grid.slice(1, 6).map((row) => String(row[1]).length));
      assert.ok(longest > 40);
      assert.ok(emulator.columnWidth(SUCCESS_SHEET, 'sc2026', 'B') >= longest * 7, `name column ${emulator.columnWidth(SUCCESS_SHEET, 'sc2026', 'B')} px for ${longest} characters`);
      assert.deepEqual(emulator.tabs(SUCCESS_SHEET).map((tab) => [tab.frozenRowCount, tab.frozenColumnCount]), [[1, 2]]);

      const widths = () => ['A', 'B', 'C'].map((column) => emulator.columnWidth(SUCCESS_SHEET, 'sc2026', column));
      const before = { grid: emulator.grid(SUCCESS_SHEET, 'sc2026'), widths: widths() };
      assert.equal((await run(config, { nodesDir: copy })).status, 'succeeded');
      assert.deepEqual({ grid: emulator.grid(SUCCESS_SHEET, 'sc2026'), widths: widths() }, before, 'publishing twice changes nothing');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  describe('a Google sheet source', () => {
    const REPORT_HEADER = ['Date', 'CSM', 'Client', 'New replacement processes', 'Notes'];
    const withSource = (): Config => {
      const base = googleConfig(environment.config);
      const report = base.sheets.cs_weekly_report!;
      // The report writes thousands with a comma: `1,200` alone could be a decimal, so the source says which.
      return { ...base, sheets: { cs_weekly_report: { ...report, decimalSeparator: '.', google: { spreadsheetId: SOURCE_SHEET, tab: 'Report' } } } };
    };
    /** The CS weekly report as a shared Google spreadsheet with these data rows under its header. */
    const emulateReport = (rows: (string | number | boolean | null)[][]) => {
      emulator.addSpreadsheet(SOURCE_SHEET, { sharedWith: [ACCOUNT] });
      emulator.addTab(SOURCE_SHEET, 'Report');
      emulator.setCells(SOURCE_SHEET, 'Report', 'A1', [REPORT_HEADER, ...rows]);
    };
    const kpi16 = (outcome: RunOutcome) => outcome.results.find((result) => result.task.id === `success.kpi16@${WEEK.id}`)!;

    test('each kind of dirt is cleaned and the week sums right', async () => {
      emulateReport([
        ['15/11/2026', ' csm_01 ', 'Client 0001 SL', 40, 'previous Sunday: not this week'],
        ['17/11/2026', 'csm_02', ' Client 0002 SL ', '2', 'dd/mm/yyyy date, number as text'],
        [null, null, null, null, null],
        ['2026-11-18', 'csm_03', 'Client 0003 SL', ' 3 ', 'ISO date, padded text'],
        [46345, 'csm_04', 'Client 0004 SL', '1,200', 'serial date 2026-11-19, thousands separator'],
        [null, null, null, null, 'a note on its own: a blank row'],
        [46347, 'csm_05', 'Client 0005 SL', 4, 'serial date 2026-11-21'],
        [46348, 'csm_06', 'Client 0006 SL', null, 'Sunday, no count'],
        ['23/11/2026', 'csm_01', 'Client 0001 SL', 50, 'next Monday: not this week'],
      ]);
      const outcome = await run(withSource());
      assert.equal(statusOf(kpi16(outcome)), 'succeeded', kpi16(outcome).error?.message);
      const value = kpi16(outcome).value;
      assert.equal(value?.kind === 'kpi' ? value.value : undefined, 2 + 3 + 1200 + 4);
      const reads = emulator.requests.filter((request) => request.path.includes(SOURCE_SHEET) && request.path.includes('values'));
      assert.equal(reads.length, 1, 'the range is read once per run');
    });

    test('an uncleanable cell fails the source with its row; nothing half-read is used', async () => {
      emulateReport([
        ['17/11/2026', 'csm_02', 'Client 0002 SL', 2, ''],
        ['18/11/2026', 'csm_03', 'Client 0003 SL', 'three', ''],
      ]);
      const outcome = await run(withSource());
      const source = outcome.results.find((result) => result.task.id === 'sheet:cs_weekly_report')!;
      assert.equal(source.status, 'failed');
      assert.match(source.error!.message, new RegExp(`spreadsheet ${SOURCE_SHEET}, tab Report.*row 3, column "New replacement processes": "three" is not a number`));
      assert.equal(kpi16(outcome).status, 'blocked');
      assert.equal(outcome.results.find((result) => result.task.id === `success.kpi06@${WEEK.id}`)?.status, 'succeeded');
    });

    test('read as Google returns it: an empty cell is no value, a checkbox in a number column an error with its row', async () => {
      emulateReport([
        ['17/11/2026', 'csm_02', 'Client 0002 SL', null, 'no count'],
        ['18/11/2026', 'csm_03', 'Client 0003 SL', 0, 'zero'],
      ]);
      const source = withSource().sheets.cs_weekly_report!;
      const account = (await serviceAccountFromEnv(GOOGLE_ENV))!;
      const reader = googleSheetReader({ auth: googleAuth(account, READ_SCOPE), account: ACCOUNT, retry: googleConfig(environment.config).google.retry, log: capturingLogger().log });
      const range = await reader.read('cs_weekly_report', source);
      assert.deepEqual(range.rows[0]?.cells, ['17/11/2026', 'csm_02', 'Client 0002 SL', '', 'no count'], 'Google answers an empty cell inside a row as ""');
      const rows = cleanRange('cs_weekly_report', range, source.columns);
      assert.deepEqual(rows.map((row) => row.new_replacements), [null, 0]);

      emulator.setCell(SOURCE_SHEET, 'Report', 'D3', { value: true });
      const checkbox = await reader.read('cs_weekly_report', source);
      assert.throws(() => cleanRange('cs_weekly_report', checkbox, source.columns), {
        message: `sheet source "cs_weekly_report" (spreadsheet ${SOURCE_SHEET}, tab Report): row 3, column "New replacement processes": true is not a number`,
      });
    });
  });

  test('a value restated after it was published carries the note in the Google cell, as in the workbook', async () => {
    const config = googleConfig(environment.config);
    const first = await run(config);
    assert.equal(first.status, 'succeeded');
    // A late completed form for WEEK: KPI 6 changes after it was published.
    const warehouse = await openWarehouse(environment.config, capturingLogger().log);
    try {
      await sql`insert into stg_forms.offboarding_submissions (submission_id, client_id, submitted_at, form_status, submitted_by)
                values ('late-google', 'C0001', ${`${WEEK.monday.add({ days: 2 }).toString()}T12:00:00+01:00`}::timestamptz, 'completed', 'late')`.execute(warehouse.db);
    } finally {
      await warehouse.close();
    }
    const second = await run(config, { force: false });
    assert.equal(second.status, 'succeeded');
    const restatement = second.restatements.find((entry) => entry.nodeId === 'success.kpi06')!;
    assert.equal(restatement.value, (restatement.previous ?? 0) + 1);
    const row = emulator.grid(SUCCESS_SHEET, 'sc2026').findIndex((cells) => cells[0] === '06') + 1;
    const column = emulator.grid(SUCCESS_SHEET, 'sc2026')[0]!.indexOf(WEEK.lastSunday.toString());
    const cell = emulator.cell(SUCCESS_SHEET, 'sc2026', `${String.fromCharCode(65 + column)}${row}`)!;
    assert.equal(cell.value, restatement.value);
    assert.match(cell.note ?? '', new RegExp(`restated \\d{4}-\\d\\d-\\d\\d, was ${restatement.previous}$`));
  });

  test('sheets check verifies access and previews the publish without writing', async () => {
    emulator.addTab(SUCCESS_SHEET, 'sc2026');
    emulator.setCells(SUCCESS_SHEET, 'sc2026', 'A1', [['KPI', 'Name', '2026-11-15'], ['05', 'x', 1]]);
    const config = googleConfig(environment.config);
    const project = await loadProject(config, nodes);
    const connectors = await createConnectors(config, capturingLogger().log, GOOGLE_ENV);
    const writes = () => emulator.requests.filter((request) => request.method !== 'GET' && !request.path.endsWith(':getByDataFilter')).length;
    const lines = await checkSheets(config, project, WEEK, connectors);
    assert.deepEqual(lines, [
      { ok: true, text: `scorecard calendar: spreadsheet ${CALENDAR_SHEET}, tab sc2026 (to be created), column C (week 2026-11-22), 1 KPI row; new rows for KPI 01` },
      { ok: true, text: `scorecard success: spreadsheet ${SUCCESS_SHEET}, tab sc2026, column D (week 2026-11-22), 4 KPI rows; new rows for KPI 06, 16, 32` },
    ]);
    assert.equal(writes(), 0);
  });

  test('credentials come from the environment, and a bad one is named without its content', async () => {
    assert.equal(await serviceAccountFromEnv({}), undefined);
    assert.equal((await serviceAccountFromEnv(GOOGLE_ENV))?.email, ACCOUNT);
    await assert.rejects(serviceAccountFromEnv({ GOOGLE_SERVICE_ACCOUNT_JSON: '{"client_email": "x@y", "private_key": "secret-value"}' }), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /GOOGLE_SERVICE_ACCOUNT_JSON: not a service-account key/);
      assert.ok(!error.message.includes('secret-value'));
      return true;
    });
    await assert.rejects(serviceAccountFromEnv({ GOOGLE_APPLICATION_CREDENTIALS: join(REPO, 'no-such-key.json') }), /GOOGLE_APPLICATION_CREDENTIALS .*no-such-key\.json.*cannot read the key file: ENOENT/);
  });
});
