import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type ExcelJS from 'exceljs';
import { writeFailure } from '../../errors.ts';
import { FIRST_WEEK_COLUMN, HEADER_ROW, planWeekColumn } from './layout.ts';
import type { TabSnapshot, WeekColumn } from './layout.ts';
import type { PublishReport, ScorecardSink } from './scorecard-sink.ts';

/**
 * The embedded default: one workbook per domain, `<dir>/<domain>.xlsx`, in the scorecard layout.
 * Writes are group commits: the publishes that arrive while a workbook is being written go out
 * together in its next write, so a backfill of a hundred weeks writes each workbook a handful of
 * times instead of a hundred. A publish resolves only once a file holding its column is in place.
 */
export function xlsxSink(dir: string): ScorecardSink {
  const fileOf = (domain: string) => join(dir, `${domain}.xlsx`);
  const workbooks = new Map<string, WorkbookFile>();
  return {
    destination: (domain) => `workbook ${fileOf(domain)}${existsSync(fileOf(domain)) ? '' : ' (missing)'}`,
    publish(domain, tab, column) {
      const file = fileOf(domain);
      let workbook = workbooks.get(file);
      if (!workbook) {
        workbook = new WorkbookFile(file);
        workbooks.set(file, workbook);
      }
      return workbook.publish(tab, column);
    },
  };
}

interface PendingColumn {
  readonly tab: string;
  readonly column: WeekColumn;
  resolve(report: PublishReport): void;
  reject(error: unknown): void;
}

/** One workbook file and the columns waiting for its next write. */
class WorkbookFile {
  private readonly pending: PendingColumn[] = [];
  private writing = false;
  /**
   * What the file held when this process last wrote it: parsed once per run, unless something
   * else has written the file since.
   */
  private kept: { workbook: ExcelJS.Workbook; version: string } | undefined;

  constructor(private readonly file: string) {}

  publish(tab: string, column: WeekColumn): Promise<PublishReport> {
    return new Promise((resolve, reject) => {
      this.pending.push({ tab, column, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      // Started on the next turn of the event loop, so the publishes started together make one batch.
      setImmediate(() => void this.writeWhilePending());
    });
  }

  private async writeWhilePending(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.commit(this.pending.splice(0));
    } finally {
      this.writing = false;
    }
  }

  /** Applies a batch of columns in arrival order and writes the file once; each publish learns how its own column went. */
  private async commit(batch: readonly PendingColumn[]): Promise<void> {
    const kept = this.kept;
    // Dropped until written again: a failed write leaves the copy in memory ahead of the file.
    this.kept = undefined;
    const applied: { change: PendingColumn; report: PublishReport }[] = [];
    try {
      let workbook = kept !== undefined && kept.version === (await versionOf(this.file)) ? kept.workbook : await readWorkbook(this.file);
      for (const change of batch) {
        try {
          applied.push({ change, report: writeColumn(workbook, change.tab, change.column, this.file) });
        } catch (error) {
          change.reject(error);
          // The failed column may be half applied: start again from the file with the others.
          workbook = await readWorkbook(this.file);
          for (const entry of applied) entry.report = writeColumn(workbook, entry.change.tab, entry.change.column, this.file);
        }
      }
      if (applied.length === 0) return;
      await writeWorkbook(workbook, this.file);
      const version = await versionOf(this.file);
      if (version !== undefined) this.kept = { workbook, version };
    } catch (error) {
      for (const change of batch) change.reject(error);
      return;
    }
    for (const { change, report } of applied) change.resolve(report);
  }
}

/** Writes a week's column into the workbook in memory. */
function writeColumn(workbook: ExcelJS.Workbook, tab: string, column: WeekColumn, file: string): PublishReport {
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
  return {
    location: file,
    tab,
    weekColumn: plan.weekColumn,
    addedRows: plan.addedRows,
    valueCells: plan.valueCells,
    emptyKpis: column.kpis.filter((kpi) => kpi.value === null).map((kpi) => kpi.number),
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

/** A workbook's temporary file (and its backup's draft), named by the writing process: see writeWorkbook. */
const TEMPORARY = /\.xlsx\.\d+-[0-9a-f]{8}\.tmp(\.bak)?$/;

/**
 * Removes the temporary workbook files runs killed while writing left in `dir`. Called by a run
 * holding the warehouse lock: no other process writes workbooks meanwhile, so every one is a dead run's.
 */
export async function removeDeadWriters(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => []);
  const dead = names.filter((name) => TEMPORARY.test(name));
  for (const name of dead) await unlink(join(dir, name)).catch(() => undefined);
  return dead;
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
    // The fastest deflate: level 6 saves a few hundred bytes and takes longer.
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
