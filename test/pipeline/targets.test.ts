/**
 * Targets through a run: each stored value's status (on both engines), and the status as the value cell's fill
 * with the change from the week before as its note, in the workbook and in the emulated Google
 * sheet alike, unchanged by publishing again. The test KPIs' value is the week number, so weeks
 * 3 to 12 fall on each side of both thresholds.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { IsoWeek, weekRange } from '../../graph/iso-week.ts';
import type { Config } from '../../pipeline/config.ts';
import { STATUS_FILLS } from '../../pipeline/connectors/scorecards/layout.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { runPipeline } from '../../pipeline/engine/run.ts';
import type { RunOptions } from '../../pipeline/engine/run.ts';
import { ENGINES, REPO, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';
import { SheetsEmulator } from '../helpers/sheets-emulator.ts';

const NODES = join(REPO, 'fixtures', 'test-nodes', 'targets');
const WEEKS = weekRange(IsoWeek.parse('2026-W03'), IsoWeek.parse('2026-W12'));
const log = createLogger({ level: 'silent' });

/** Week number → status: KPI 01 (higher is better, green from 10, amber from 5), KPI 02 (lower is better, green to 5, amber to 10). */
const EXPECTED: Record<'01' | '02', Record<number, string>> = {
  '01': { 3: 'red', 4: 'red', 5: 'amber', 6: 'amber', 9: 'amber', 10: 'green', 12: 'green' },
  '02': { 3: 'green', 5: 'green', 6: 'amber', 10: 'amber', 11: 'red', 12: 'red' },
};
const ROW = { '01': 2, '02': 3 } as const;
/** The 2027 thresholds of KPI 02 (green to 4, amber to 8) make week 5 amber. */
const W2027 = IsoWeek.parse('2027-W05');

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const ACCOUNT = 'kpi-factory@demo-project.iam.gserviceaccount.com';
const GOOGLE_ENV = { GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ type: 'service_account', client_email: ACCOUNT, private_key: privateKey }) };
const SPREADSHEET = 'targetsScorecard0001';

for (const engine of ENGINES) describe(`targets (${engine})`, { skip: engineSkipReason(engine) }, () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment(engine);
  });
  after(() => environment.cleanup());

  const run = async (config: Config, options: Partial<RunOptions> = {}) => {
    const outcome = await runPipeline({ config, log, concurrency: 4, command: 'test', select: ['targets.*'], exclude: [], weeks: WEEKS, nodesDir: NODES, force: true, ...options });
    assert.equal(outcome.status, 'succeeded', outcome.results.find((result) => result.error)?.error?.message);
  };

  test('each stored value has its status beside it, with the thresholds of its year', async () => {
    await run(environment.config);
    await run(environment.config, { weeks: [W2027] });
    const warehouse = await openWarehouse(environment.config, log);
    try {
      const rows: { kpi_number: string; iso_week: string; status: string; direction: string; green: number; amber: number }[] = await warehouse.db
        .selectFrom('vl_analytics.scorecard_status')
        .select(['kpi_number', 'iso_week', 'status', 'direction', 'green', 'amber'])
        .where('domain', '=', 'targets')
        .execute();
      assert.equal(rows.length, 2 * (WEEKS.length + 1));
      const status = (number: string, week: string) => rows.find((row) => row.kpi_number === number && row.iso_week === week)?.status;
      for (const [number, byWeek] of Object.entries(EXPECTED)) {
        for (const [week, expected] of Object.entries(byWeek)) assert.equal(status(number, `2026-W${week.padStart(2, '0')}`), expected, `KPI ${number} week ${week}`);
      }
      assert.equal(status('02', W2027.id), 'amber');
      assert.equal(status('01', W2027.id), 'amber');
      const thresholds = (week: string) => {
        const row = rows.find((candidate) => candidate.kpi_number === '02' && candidate.iso_week === week)!;
        return [row.direction, Number(row.green), Number(row.amber)];
      };
      assert.deepEqual(thresholds('2026-W03'), ['lower', 5, 10]);
      assert.deepEqual(thresholds(W2027.id), ['lower', 4, 8]);
    } finally {
      await warehouse.close();
    }
  });

  // The scorecards read what the warehouse stored the same way on either engine: once is enough.
  const onPglite = { skip: engine === 'pglite' ? false : 'the sinks do not depend on the warehouse engine' };

  test('in the workbook: the fill of each value by its status, the change as its note; publishing again changes nothing', onPglite, async () => {
    const file = join(environment.config.paths.scorecards, 'targets.xlsx');
    const read = async () => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(file);
      return workbook.getWorksheet('sc2026')!;
    };
    const sheet = await read();
    const columnOf = (week: number) => 3 + WEEKS.findIndex((candidate) => candidate.week === week);
    for (const [number, byWeek] of Object.entries(EXPECTED) as ['01' | '02', Record<number, string>][]) {
      for (const [week, status] of Object.entries(byWeek)) {
        const cell = sheet.getCell(ROW[number], columnOf(Number(week)));
        assert.equal(cell.value, Number(week));
        assert.deepEqual(cell.fill, { type: 'pattern', pattern: 'solid', fgColor: { argb: `FF${STATUS_FILLS[status as 'green']}` } }, `KPI ${number} week ${week}`);
      }
    }
    assert.equal(sheet.getCell(2, columnOf(4)).note, '▲ +1 (+33.3%) vs 2026-W03');
    assert.equal(sheet.getCell(2, columnOf(3)).note, 'no value in 2026-W02 to compare with');
    assert.equal(sheet.getCell(5, 1).value, 'Legend');

    const dump = (worksheet: ExcelJS.Worksheet) => {
      const cells: unknown[] = [];
      worksheet.eachRow({ includeEmpty: true }, (row) => row.eachCell({ includeEmpty: true }, (cell) => cells.push([cell.address, cell.value, cell.numFmt, cell.fill, cell.note])));
      return cells;
    };
    const first = dump(sheet);
    await run(environment.config);
    assert.deepEqual(dump(await read()), first);
  });

  test('in the emulated Google sheet: the same backgrounds and notes; publishing again changes nothing', onPglite, async () => {
    const emulator = SheetsEmulator.install();
    try {
      emulator.addSpreadsheet(SPREADSHEET, { sharedWith: [ACCOUNT] });
      const config: Config = { ...environment.config, scorecards: { targets: { spreadsheetId: SPREADSHEET } }, google: { concurrency: 1, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } } };
      await run(config, { env: GOOGLE_ENV });
      const letter = (week: number) => String.fromCharCode(64 + 3 + WEEKS.findIndex((candidate) => candidate.week === week));
      for (const [number, byWeek] of Object.entries(EXPECTED) as ['01' | '02', Record<number, string>][]) {
        for (const [week, status] of Object.entries(byWeek)) {
          const cell = emulator.cell(SPREADSHEET, 'sc2026', `${letter(Number(week))}${ROW[number]}`);
          assert.equal(cell?.value, Number(week));
          assert.equal(cell?.background, STATUS_FILLS[status as 'green'], `KPI ${number} week ${week}`);
        }
      }
      assert.equal(emulator.cell(SPREADSHEET, 'sc2026', `${letter(12)}3`)?.note, '▲ +1 (+9.1%) vs 2026-W11');
      assert.equal(emulator.cell(SPREADSHEET, 'sc2026', 'B6')?.background, STATUS_FILLS.amber, 'the legend');

      const dump = () => emulator.grid(SPREADSHEET, 'sc2026').map((row, r) => row.map((_, c) => emulator.cell(SPREADSHEET, 'sc2026', `${String.fromCharCode(65 + c)}${r + 1}`)));
      const first = dump();
      await run(config, { env: GOOGLE_ENV });
      assert.deepEqual(dump(), first);
    } finally {
      await emulator.uninstall();
    }
  });
});
