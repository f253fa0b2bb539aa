import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { FIRST_WEEK_COLUMN, HEADER_ROW, planWeekColumn } from './layout.ts';
import type { TabSnapshot } from './layout.ts';
import type { PublishReport, ScorecardSink } from './scorecard-sink.ts';

/** The embedded default: one workbook per domain, `<dir>/<domain>.xlsx`, in the scorecard layout. */
export function xlsxSink(dir: string): ScorecardSink {
  const fileOf = (domain: string) => join(dir, `${domain}.xlsx`);
  return {
    destination: (domain) => `workbook ${fileOf(domain)}${existsSync(fileOf(domain)) ? '' : ' (missing)'}`,
    async publish(domain, tab, column): Promise<PublishReport> {
      const file = fileOf(domain);
      const workbook = new ExcelJS.Workbook();
      if (existsSync(file)) await workbook.xlsx.readFile(file);
      const sheet = workbook.getWorksheet(tab) ?? workbook.addWorksheet(tab);

      const plan = planWeekColumn(snapshot(sheet), column);
      if (plan.insertColumnAt !== undefined) sheet.spliceColumns(plan.insertColumnAt, 0, []);
      for (const write of plan.writes) {
        const cell = sheet.getCell(write.row, write.column);
        cell.value = write.value;
        if (write.numberFormat) cell.numFmt = write.numberFormat;
        if (write.bold) cell.font = { ...cell.font, bold: true };
      }
      sheet.views = [{ state: 'frozen', xSplit: FIRST_WEEK_COLUMN - 1, ySplit: HEADER_ROW }];

      await mkdir(dir, { recursive: true });
      // Write beside and rename, so a crash never leaves a half-written workbook.
      const partial = `${file}.partial`;
      await workbook.xlsx.writeFile(partial);
      await rename(partial, file);
      return {
        location: file,
        tab,
        weekColumn: plan.weekColumn,
        addedRows: plan.addedRows,
        emptyKpis: column.kpis.filter((kpi) => kpi.value === null).map((kpi) => kpi.number),
      };
    },
  };
}

function snapshot(sheet: ExcelJS.Worksheet): TabSnapshot {
  const headerRow: (string | null)[] = [];
  sheet.getRow(HEADER_ROW).eachCell({ includeEmpty: true }, (cell, column) => {
    headerRow[column - 1] = text(cell.value);
  });
  const kpiColumn: (string | null)[] = [];
  sheet.getColumn(1).eachCell({ includeEmpty: true }, (cell, row) => {
    kpiColumn[row - 1] = text(cell.value);
  });
  return {
    headerRow: Array.from(headerRow, (cell) => cell ?? null),
    kpiColumn: Array.from(kpiColumn, (cell) => cell ?? null),
    lastUsedRow: sheet.actualRowCount === 0 ? 0 : (sheet.lastRow?.number ?? 0),
  };
}

function text(value: ExcelJS.CellValue): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') return 'result' in value ? text(value.result as ExcelJS.CellValue) : null;
  return String(value);
}
