/** The workbook sink's group commit: what arrives together is written together, and each publish still learns its own outcome. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import type { WeekColumn } from '../../../pipeline/connectors/scorecards/layout.ts';
import { xlsxSink } from '../../../pipeline/connectors/scorecards/xlsx-sink.ts';

const column = (header: string, value: number): WeekColumn => ({
  header,
  kpis: [{ number: '05', name: 'Replacement processes', unit: 'integer', value }],
});

async function headersAndValues(file: string, tab: string): Promise<Record<string, unknown>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  const sheet = workbook.getWorksheet(tab)!;
  const cells: Record<string, unknown> = {};
  sheet.getRow(1).eachCell((cell, index) => {
    if (index > 2) cells[String(cell.value)] = sheet.getRow(2).getCell(index).value;
  });
  return cells;
}

test('publishes that arrive together are written in one go, each with its own report; a later one writes again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kpi-xlsx-sink-'));
  try {
    const sink = xlsxSink(dir);
    const file = join(dir, 'success.xlsx');
    const reports = await Promise.all([column('2025-01-05', 3), column('2025-01-12', 4), column('2025-01-19', 5)].map((week) => sink.publish('success', 'sc2025', week)));
    assert.deepEqual(
      reports.map((report) => [report.weekColumn, report.valueCells['05']]),
      [
        [3, 'C2'],
        [4, 'D2'],
        [5, 'E2'],
      ],
    );
    assert.deepEqual(await headersAndValues(file, 'sc2025'), { '2025-01-05': 3, '2025-01-12': 4, '2025-01-19': 5 });
    // A backup is kept whenever an existing workbook is replaced: none means the three went out in one write.
    assert.equal(existsSync(`${file}.bak`), false);

    await sink.publish('success', 'sc2025', column('2025-01-26', 6));
    assert.equal(existsSync(`${file}.bak`), true, 'the later publish replaced the workbook');
    assert.deepEqual(await headersAndValues(`${file}.bak`, 'sc2025'), { '2025-01-05': 3, '2025-01-12': 4, '2025-01-19': 5 });
    assert.deepEqual(await headersAndValues(file, 'sc2025'), { '2025-01-05': 3, '2025-01-12': 4, '2025-01-19': 5, '2025-01-26': 6 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a write that fails fails every publish of its batch, and the next publish starts again from the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kpi-xlsx-sink-'));
  try {
    // A file where the scorecard folder should be: the workbook cannot be written.
    const blocked = join(dir, 'scorecards');
    await writeFile(blocked, 'not a folder');
    const sink = xlsxSink(blocked);
    const outcomes = await Promise.allSettled([column('2025-01-05', 3), column('2025-01-12', 4)].map((week) => sink.publish('success', 'sc2025', week)));
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['rejected', 'rejected'],
    );
    for (const outcome of outcomes) assert.match(String((outcome as PromiseRejectedResult).reason.message), /scorecards/);

    await rm(blocked);
    await sink.publish('success', 'sc2025', column('2025-01-19', 5));
    assert.deepEqual(await headersAndValues(join(blocked, 'success.xlsx'), 'sc2025'), { '2025-01-19': 5 }, 'nothing of the failed batch was kept in memory and written later');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
