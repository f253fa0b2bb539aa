import type { GoogleSpreadsheet, GoogleSpreadsheetCell, GoogleSpreadsheetWorksheet } from 'google-spreadsheet';
import { FIRST_WEEK_COLUMN, HEADER_ROW, planWeekColumn } from '../scorecards/layout.ts';
import type { CellWrite, LayoutPlan, TabSnapshot, WeekColumn } from '../scorecards/layout.ts';
import type { PublishReport, ScorecardSink } from '../scorecards/scorecard-sink.ts';
import { columnLetter } from '../sheets/a1.ts';
import { fromSerialDate } from '../sheets/clean.ts';
import { withSpreadsheet } from './spreadsheet.ts';
import type { GoogleContext } from './spreadsheet.ts';

const NEW_TAB = { rowCount: 100, columnCount: 60 } as const;

/** What publish would do to a tab, without doing it (for `sheets check`). */
export interface PublishPreview {
  readonly tabExists: boolean;
  readonly plan: LayoutPlan;
}

export interface GoogleScorecardSink extends ScorecardSink {
  preview(domain: string, tab: string, column: WeekColumn): Promise<PublishPreview>;
}

/**
 * Publishes a domain's week into its Google spreadsheet with the shared layout: the tab is
 * created when missing (header frozen), the week column and KPI rows are found or added, and
 * every cell is written in one batched request. Other rows, notes and formats are untouched; a
 * value cell's status is its background and its change from the week before its note.
 */
export function googleSheetsSink(context: GoogleContext, spreadsheetId: string): GoogleScorecardSink {
  return {
    destination: () => `Google spreadsheet ${spreadsheetId}`,
    async publish(domain, tab, column): Promise<PublishReport> {
      return withSpreadsheet(context, spreadsheetId, `publish ${domain}`, async (doc) => {
        let sheet = doc.sheetsByTitle[tab];
        if (!sheet) {
          sheet = await doc.addSheet({
            title: tab,
            gridProperties: { ...NEW_TAB, frozenRowCount: HEADER_ROW, frozenColumnCount: FIRST_WEEK_COLUMN - 1 },
          });
        }
        const plan = planWeekColumn(await snapshot(sheet), column);
        if (plan.insertColumnAt !== undefined) {
          await sheet.insertDimension('COLUMNS', { startIndex: plan.insertColumnAt - 1, endIndex: plan.insertColumnAt }, true);
        }
        const rows = Math.max(...plan.writes.map((write) => write.row));
        const columns = Math.max(...plan.writes.map((write) => write.column));
        if (rows > sheet.rowCount || columns > sheet.columnCount) {
          await sheet.resize({ rowCount: Math.max(rows, sheet.rowCount), columnCount: Math.max(columns, sheet.columnCount) });
        }
        await sheet.loadCells([`A1:B${rows}`, `${columnLetter(plan.weekColumn)}1:${columnLetter(plan.weekColumn)}${rows}`]);
        for (const write of plan.writes) apply(sheet.getCell(write.row - 1, write.column - 1), write);
        // One request for every cell of the week, however many KPIs.
        await sheet.saveUpdatedCells();
        return {
          location: `Google spreadsheet ${spreadsheetId}`,
          tab,
          weekColumn: plan.weekColumn,
          addedRows: plan.addedRows,
          emptyKpis: column.kpis.filter((kpi) => kpi.value === null).map((kpi) => kpi.number),
        };
      });
    },

    async preview(domain, tab, column): Promise<PublishPreview> {
      return withSpreadsheet(context, spreadsheetId, `check ${domain}`, async (doc: GoogleSpreadsheet) => {
        const sheet = doc.sheetsByTitle[tab];
        return {
          tabExists: sheet !== undefined,
          plan: planWeekColumn(sheet ? await snapshot(sheet) : { headerRow: [], kpiColumn: [] }, column),
        };
      });
    },
  };
}

/**
 * Row 1 and column A as text (date headers typed by hand, serial numbers, read as
 * `YYYY-MM-DD`), and the last row used in column A or B.
 */
async function snapshot(sheet: GoogleSpreadsheetWorksheet): Promise<TabSnapshot> {
  await sheet.loadCells([`A1:${columnLetter(sheet.columnCount)}1`, `A1:B${sheet.rowCount}`]);
  const text = (cell: GoogleSpreadsheetCell, isHeader: boolean): string | null => {
    const value = cell.value;
    if (value === null || value === undefined) return null;
    // Not cell.numberFormat: that getter throws on a cell without any format.
    const type = cell.userEnteredFormat?.numberFormat?.type;
    if (isHeader && typeof value === 'number' && (type === 'DATE' || type === 'DATE_TIME')) {
      return fromSerialDate(value).toString();
    }
    return typeof value === 'object' ? null : String(value);
  };
  const kpiColumn = Array.from({ length: sheet.rowCount }, (_, index) => text(sheet.getCell(index, 0), false));
  let lastUsedRow = 0;
  for (let row = 0; row < sheet.rowCount; row++) {
    if (kpiColumn[row] !== null || text(sheet.getCell(row, 1), false) !== null) lastUsedRow = row + 1;
  }
  return {
    headerRow: Array.from({ length: sheet.columnCount }, (_, index) => text(sheet.getCell(0, index), true)),
    kpiColumn,
    lastUsedRow,
  };
}

function apply(cell: GoogleSpreadsheetCell, write: CellWrite): void {
  cell.value = write.value ?? null;
  if (write.numberFormat) {
    cell.numberFormat = { type: write.numberFormat.includes('%') ? 'PERCENT' : 'NUMBER', pattern: write.numberFormat };
  }
  if (write.bold) cell.textFormat = { ...cell.userEnteredFormat?.textFormat, bold: true };
  if (write.fill !== undefined) applyFill(cell, write.fill);
  // The setter marks the cell for saving even when the note is the same.
  if (write.note !== undefined && cell.note !== write.note) cell.note = write.note;
}

/**
 * Sets or removes a cell's background. Sheets keeps colours to 8 bits a channel, so a fill
 * already there within that is left alone, and publishing again sends nothing for it.
 */
function applyFill(cell: GoogleSpreadsheetCell, fill: string | null): void {
  const style = cell.userEnteredFormat?.backgroundColorStyle;
  const current = (style && 'rgbColor' in style ? style.rgbColor : undefined) ?? cell.userEnteredFormat?.backgroundColor;
  if (fill === null) {
    if (style === undefined && current === undefined) return;
    // The setters take undefined as "remove", though the types do not say so; backgroundColorStyle
    // takes precedence over backgroundColor, so both go.
    const removable = cell as unknown as { backgroundColor: undefined; backgroundColorStyle: undefined };
    removable.backgroundColor = undefined;
    removable.backgroundColorStyle = undefined;
    return;
  }
  const wanted = rgbOf(fill);
  const channels = ['red', 'green', 'blue'] as const;
  if (current && channels.every((channel) => Math.abs((current[channel] ?? 0) - wanted[channel]) < 0.5 / 255)) return;
  cell.backgroundColor = wanted;
}

/** `C6EFCE` as Sheets' colour: channels from 0 to 1. */
function rgbOf(hex: string): { red: number; green: number; blue: number } {
  const channel = (offset: number) => parseInt(hex.slice(offset, offset + 2), 16) / 255;
  return { red: channel(0), green: channel(2), blue: channel(4) };
}
