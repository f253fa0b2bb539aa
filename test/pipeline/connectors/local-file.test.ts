/**
 * Spreadsheet sources read from local files, with workbooks written by exceljs in the test:
 * formulas with and without a saved result, booleans and text where numbers are due, empty cells.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import type { SheetRow } from '../../../graph/declare.ts';
import type { SheetColumn, SheetSourceConfig } from '../../../pipeline/config.ts';
import { cleanRange } from '../../../pipeline/connectors/sheets/clean.ts';
import { localSheetReader } from '../../../pipeline/connectors/sheets/sheet-source.ts';
import { SourceError } from '../../../pipeline/errors.ts';

const COLUMNS: Record<string, SheetColumn> = {
  Client: { name: 'client', type: 'text', required: true },
  Amount: { name: 'amount', type: 'number', required: false },
};
const HEADER = ['Client', 'Amount', 'Scratch'];

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kpi-local-file-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A workbook with a `Weekly` tab: the header, then `rows` as exceljs cell values from A2. */
async function workbook(name: string, rows: ExcelJS.CellValue[][], header: ExcelJS.CellValue[] = HEADER): Promise<string> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Weekly');
  sheet.addRow(header);
  rows.forEach((cells, index) => cells.forEach((value, column) => (sheet.getCell(index + 2, column + 1).value = value)));
  const file = join(dir, name);
  await book.xlsx.writeFile(file);
  return file;
}

/** What a run does with a sheet source: read the file, clean the range. */
async function read(file: string, source: Partial<SheetSourceConfig> = {}): Promise<SheetRow[]> {
  const config: SheetSourceConfig = { file, tab: 'Weekly', headerRow: 1, columns: COLUMNS, ...source };
  const range = await localSheetReader(dir).read('report', config);
  return cleanRange('report', range, config.columns);
}

async function sourceErrorOf(promise: Promise<unknown>): Promise<string> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SourceError, `expected a SourceError, got ${String(caught)}`);
  return caught.message;
}

describe('formulas', () => {
  test('a formula with a saved result reads that result, shared formulas too', async () => {
    const file = await workbook('computed.xlsx', [
      ['A', 1],
      ['B', 2],
      ['Total', { formula: 'SUM(B2:B3)', result: 3 }],
      ['Double', { formula: 'B2*2', result: 2, shareType: 'shared', ref: 'B5:B6' } as ExcelJS.CellFormulaValue],
      ['Double next', { sharedFormula: 'B5', result: 4 }],
      ['Label', 7, { formula: 'A2&"!"', result: 'A!' }],
    ]);
    assert.deepEqual(await read(file), [
      { client: 'A', amount: 1 },
      { client: 'B', amount: 2 },
      { client: 'Total', amount: 3 },
      { client: 'Double', amount: 2 },
      { client: 'Double next', amount: 4 },
      { client: 'Label', amount: 7 },
    ]);
  });

  test('a formula without a saved result names the file, tab, cell and formula, and how to fix it', async () => {
    const file = await workbook('uncomputed.xlsx', [
      ['A', 1],
      ['B', 2],
      ['Total', { formula: 'SUM(B2:B3)' } as ExcelJS.CellFormulaValue],
    ]);
    assert.equal(
      await sourceErrorOf(read(file)),
      `sheet source "report" (${file}, tab Weekly): row 4, column "Amount": cell B4 holds the formula =SUM(B2:B3) without a saved result: ` +
        'open the file in a spreadsheet program and save it (which calculates it), or export the values',
    );
  });

  test('a shared formula without a saved result is named as it reads in its own cell', async () => {
    const file = await workbook('shared.xlsx', [
      ['A', { formula: 'C2*2', result: 2, shareType: 'shared', ref: 'B2:B3' } as ExcelJS.CellFormulaValue, 1],
      ['B', { sharedFormula: 'B2' } as ExcelJS.CellSharedFormulaValue, 5],
    ]);
    assert.match(await sourceErrorOf(read(file)), /row 3, column "Amount": cell B3 holds the formula =C3\*2 without a saved result/);
  });

  test('a formula without a result in a column no KPI reads is no problem', async () => {
    const file = await workbook('scratch.xlsx', [['A', 1, { formula: 'B2*10' } as ExcelJS.CellFormulaValue]]);
    assert.deepEqual(await read(file), [{ client: 'A', amount: 1 }]);
  });

  test('a header made by a formula without a result fails the source naming the cell', async () => {
    const file = await workbook('header.xlsx', [['A', 1]], ['Client', { formula: '"Amo"&"unt"' } as ExcelJS.CellFormulaValue]);
    assert.match(await sourceErrorOf(read(file)), new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}, tab Weekly: header row 1: cell B1 holds the formula ="Amo"&"unt" without a saved result`));
  });
});

describe('cells in a number column', () => {
  test('a boolean is an error naming the sheet, the row and the column', async () => {
    const file = await workbook('boolean.xlsx', [
      ['A', 1],
      ['B', true],
    ]);
    assert.equal(await sourceErrorOf(read(file)), `sheet source "report" (${file}, tab Weekly): row 3, column "Amount": true is not a number`);
  });

  test('text that is no number is an error naming the sheet, the row and the column', async () => {
    const file = await workbook('text.xlsx', [
      ['A', 'about 3'],
      ['B', 'n/a'],
    ]);
    const message = await sourceErrorOf(read(file));
    assert.equal(message, `sheet source "report" (${file}, tab Weekly): row 2, column "Amount": "about 3" is not a number; row 3, column "Amount": "n/a" is not a number`);
  });

  test('an empty string is empty, not 0; numbers as text still read', async () => {
    const file = await workbook('empty.xlsx', [
      ['A', ''],
      ['B', '   '],
      ['C', null],
      ['D', '0'],
      ['E', '1.234,5'],
    ]);
    assert.deepEqual(await read(file), [
      { client: 'A', amount: null },
      { client: 'B', amount: null },
      { client: 'C', amount: null },
      { client: 'D', amount: 0 },
      { client: 'E', amount: 1234.5 },
    ]);
  });

  test('in a CSV file too: empty is null, text is an error with its row', async () => {
    const file = join(dir, 'report.csv');
    await writeFile(file, 'Client,Amount\nA,\nB,3\nC,TRUE\n');
    assert.equal(await sourceErrorOf(read(file)), `sheet source "report" (${file}): row 4, column "Amount": "TRUE" is not a number`);
    await writeFile(file, 'Client,Amount\nA,\nB,3\n');
    assert.deepEqual(await read(file), [
      { client: 'A', amount: null },
      { client: 'B', amount: 3 },
    ]);
  });
});
