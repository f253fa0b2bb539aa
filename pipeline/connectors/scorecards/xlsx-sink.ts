import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type ExcelJS from 'exceljs';
import { writeFailure } from '../../errors.ts';
import { FIRST_WEEK_COLUMN, HEADER_ROW, planWeekColumn } from './layout.ts';
import type { TabSnapshot } from './layout.ts';
import type { PublishReport, ScorecardSink } from './scorecard-sink.ts';

/** The embedded default: one workbook per domain, `<dir>/<domain>.xlsx`, in the scorecard layout. */
export function xlsxSink(dir: string): ScorecardSink {
  const fileOf = (domain: string) => join(dir, `${domain}.xlsx`);
  // What each file held when this sink last wrote it: a backfill publishing a hundred weeks
  // parses each workbook once, unless something else has written the file since.
  const written = new Map<string, { workbook: ExcelJS.Workbook; version: string }>();
  return {
    destination: (domain) => `workbook ${fileOf(domain)}${existsSync(fileOf(domain)) ? '' : ' (missing)'}`,
    async publish(domain, tab, column): Promise<PublishReport> {
      const file = fileOf(domain);
      const kept = written.get(file);
      // Dropped until written again: a failed write leaves the copy in memory ahead of the file.
      written.delete(file);
      const workbook = kept !== undefined && kept.version === (await versionOf(file)) ? kept.workbook : await readWorkbook(file);
      const sheet = workbook.getWorksheet(tab) ?? workbook.addWorksheet(tab);

      const plan = planWeekColumn(snapshot(sheet), column);
      if (plan.insertColumnAt !== undefined) sheet.spliceColumns(plan.insertColumnAt, 0, []);
      for (const row of plan.insertRowsAt) sheet.spliceRows(row, 0, []);
      for (const write of plan.writes) {
        const cell = sheet.getCell(write.row, write.column);
        cell.value = write.value;
        if (write.numberFormat) cell.numFmt = write.numberFormat;
        if (write.bold) cell.font = { ...cell.font, bold: true };
        if (write.fill !== undefined) cell.fill = write.fill === null ? { type: 'pattern', pattern: 'none' } : { type: 'pattern', pattern: 'solid', fgColor: { argb: `FF${write.fill}` } };
        if (write.note !== undefined) cell.note = write.note;
      }
      for (const { column: index, width } of plan.columnWidths) sheet.getColumn(index).width = width;
      sheet.views = [{ state: 'frozen', xSplit: FIRST_WEEK_COLUMN - 1, ySplit: HEADER_ROW }];

      await writeWorkbook(workbook, file);
      const version = await versionOf(file);
      if (version !== undefined) written.set(file, { workbook, version });
      return {
        location: file,
        tab,
        weekColumn: plan.weekColumn,
        addedRows: plan.addedRows,
        valueCells: plan.valueCells,
        emptyKpis: column.kpis.filter((kpi) => kpi.value === null).map((kpi) => kpi.number),
      };
    },
  };
}

/** The workbook at `file`, or a new one when there is none; one clear error when it cannot be read. */
async function readWorkbook(file: string): Promise<ExcelJS.Workbook> {
  // Loaded at the first publish: exceljs takes longer to load than a run that publishes nothing.
  const { default: excel } = await import('exceljs');
  const workbook = new excel.Workbook();
  if (!existsSync(file)) return workbook;
  try {
    await workbook.xlsx.readFile(file);
  } catch (error) {
    const backup = existsSync(backupOf(file)) ? `restore the last good copy (mv ${backupOf(file)} ${file}) or ` : '';
    throw new Error(`${file} cannot be read as a workbook (${(error as Error).message}): ${backup}move it away to start a new one`, { cause: error });
  }
  return workbook;
}

const backupOf = (file: string) => `${file}.bak`;

/** Changes whenever the file is replaced or written: every writer renames a new file into place or changes its size or time. */
async function versionOf(file: string): Promise<string | undefined> {
  const stats = await stat(file).catch(() => undefined);
  return stats && `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

/**
 * Writes to a temporary file of its own beside the workbook and renames it into place, so a
 * crash, a full disk or another writer never leaves a half-written workbook; the previous one
 * is kept as `<file>.bak`.
 */
async function writeWorkbook(workbook: ExcelJS.Workbook, file: string): Promise<void> {
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    // The fastest deflate: a backfill writes a workbook per week, and level 6 saves a few hundred bytes.
    await workbook.xlsx.writeFile(temporary, { zip: { compression: 'DEFLATE', compressionOptions: { level: 1 } } });
    if (existsSync(file)) await keepBackup(file, temporary);
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw writeFailure(file, error);
  }
}

/** `<file>.bak` becomes the current workbook: a second name for it where the file system allows, so a full disk cannot truncate it. */
async function keepBackup(file: string, temporary: string): Promise<void> {
  const draft = `${temporary}.bak`;
  try {
    await link(file, draft).catch(() => copyFile(file, draft));
    await rename(draft, backupOf(file));
  } catch (error) {
    await unlink(draft).catch(() => undefined);
    throw error;
  }
}

function snapshot(sheet: ExcelJS.Worksheet): TabSnapshot {
  const headerRow: (string | null)[] = [];
  sheet.getRow(HEADER_ROW).eachCell({ includeEmpty: true }, (cell, column) => {
    headerRow[column - 1] = text(cell.value);
  });
  return {
    headerRow: Array.from(headerRow, (cell) => cell ?? null),
    kpiColumn: columnText(sheet, 1),
    nameColumn: columnText(sheet, 2),
    lastUsedRow: sheet.actualRowCount === 0 ? 0 : (sheet.lastRow?.number ?? 0),
  };
}

function columnText(sheet: ExcelJS.Worksheet, column: number): (string | null)[] {
  const cells: (string | null)[] = [];
  sheet.getColumn(column).eachCell({ includeEmpty: true }, (cell, row) => {
    cells[row - 1] = text(cell.value);
  });
  return Array.from(cells, (cell) => cell ?? null);
}

function text(value: ExcelJS.CellValue): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') return 'result' in value ? text(value.result as ExcelJS.CellValue) : null;
  return String(value);
}
