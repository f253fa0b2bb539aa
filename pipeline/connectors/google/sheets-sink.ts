import type { GoogleSpreadsheet, GoogleSpreadsheetCell, GoogleSpreadsheetWorksheet } from 'google-spreadsheet';
import { FIRST_WEEK_COLUMN, HEADER_ROW, planWeekColumn } from '../scorecards/layout.ts';
import type { CellWrite, LayoutPlan, TabSnapshot, WeekColumn } from '../scorecards/layout.ts';
import type { PublishReport, ScorecardSink } from '../scorecards/scorecard-sink.ts';
import { columnLetter } from '../sheets/a1.ts';
import { googleDestination } from '../scorecards/destinations.ts';
import { fromSerialDate } from '../sheets/clean.ts';
import { withSpreadsheet } from './spreadsheet.ts';
import type { GoogleContext } from './spreadsheet.ts';

const NEW_TAB = { rowCount: 100, columnCount: 60 } as const;
/** The header row and the two label columns (KPI, Name) stay in view. */
const FROZEN = { frozenRowCount: HEADER_ROW, frozenColumnCount: FIRST_WEEK_COLUMN - 1 } as const;
/** Column widths are planned in characters; Sheets sizes columns in pixels (its default font is about 7 px a character). */
const PIXELS_PER_CHARACTER = 7;

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
 * created when missing, the week column and KPI rows are found or inserted in place, and
 * everything (inserted rows and columns, frozen header and label columns, cells, widths) goes
 * in one batched update, whatever the number of KPIs. Other rows, notes and formats are
 * untouched; a value cell's status is its background and its change from the week before its note.
 */
export function googleSheetsSink(context: GoogleContext, spreadsheetId: string): GoogleScorecardSink {
  return {
    destination: () => googleDestination(spreadsheetId),
    async publish(domain, tab, column): Promise<PublishReport> {
      return withSpreadsheet(context, spreadsheetId, `publish ${domain}`, async (doc) => {
        const sheet = doc.sheetsByTitle[tab] ?? (await doc.addSheet({ title: tab, gridProperties: { ...NEW_TAB, ...FROZEN } }));
        const plan = planWeekColumn(await snapshot(sheet), column);
        // google-spreadsheet's helpers (insertDimension, saveCells) send a request each; its batch
        // call (what saveCells uses) sends them as one, so a tab never shows half a publish.
        await doc._makeBatchUpdateRequest(layoutRequests(sheet, plan));
        return {
          location: `Google spreadsheet ${spreadsheetId}`,
          tab,
          weekColumn: plan.weekColumn,
          addedRows: plan.addedRows,
        valueCells: plan.valueCells,
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
 * The Sheets v4 requests that carry out a plan, in the order they must apply: inserted column
 * and rows first (the writes are in the coordinates they produce), the grid grown for
 * appended rows, then the frozen panes, the cells and the column widths.
 */
function layoutRequests(sheet: GoogleSpreadsheetWorksheet, plan: LayoutPlan): object[] {
  const { sheetId } = sheet;
  const dimension = (kind: 'ROWS' | 'COLUMNS', index: number) => ({ sheetId, dimension: kind, startIndex: index - 1, endIndex: index });
  const requests: object[] = [];
  if (plan.insertColumnAt !== undefined) requests.push({ insertDimension: { range: dimension('COLUMNS', plan.insertColumnAt), inheritFromBefore: true } });
  // A new KPI row takes the formats of the KPI row below it, not of the header above.
  for (const row of plan.insertRowsAt) requests.push({ insertDimension: { range: dimension('ROWS', row), inheritFromBefore: false } });
  const rowCount = sheet.rowCount + plan.insertRowsAt.length;
  const columnCount = sheet.columnCount + (plan.insertColumnAt === undefined ? 0 : 1);
  const rows = Math.max(...plan.writes.map((write) => write.row));
  const columns = Math.max(...plan.writes.map((write) => write.column));
  if (rows > rowCount) requests.push({ appendDimension: { sheetId, dimension: 'ROWS', length: rows - rowCount } });
  if (columns > columnCount) requests.push({ appendDimension: { sheetId, dimension: 'COLUMNS', length: columns - columnCount } });
  const { frozenRowCount = 0, frozenColumnCount = 0 } = sheet.gridProperties;
  if (frozenRowCount !== FROZEN.frozenRowCount || frozenColumnCount !== FROZEN.frozenColumnCount) {
    requests.push({ updateSheetProperties: { properties: { sheetId, gridProperties: FROZEN }, fields: 'gridProperties.frozenRowCount,gridProperties.frozenColumnCount' } });
  }
  for (const write of plan.writes) requests.push({ updateCells: cellUpdate(sheetId, write) });
  for (const { column, width } of plan.columnWidths) {
    requests.push({ updateDimensionProperties: { range: dimension('COLUMNS', column), properties: { pixelSize: width * PIXELS_PER_CHARACTER }, fields: 'pixelSize' } });
  }
  return requests;
}

/**
 * One cell: its value (an empty one clears it), and its number format, bold, background (a
 * null fill removes it) and note when the plan sets them; nothing else of the cell changes.
 */
function cellUpdate(sheetId: number, write: CellWrite): object {
  const format = {
    ...(write.numberFormat ? { numberFormat: { type: write.numberFormat.includes('%') ? 'PERCENT' : 'NUMBER', pattern: write.numberFormat } } : {}),
    ...(write.bold ? { textFormat: { bold: true } } : {}),
    ...(typeof write.fill === 'string' ? { backgroundColor: rgbOf(write.fill) } : {}),
  };
  const value = write.value === null ? {} : { userEnteredValue: typeof write.value === 'number' ? { numberValue: write.value } : { stringValue: write.value } };
  const fields = [
    'userEnteredValue',
    ...(write.numberFormat ? ['userEnteredFormat.numberFormat'] : []),
    ...(write.bold ? ['userEnteredFormat.textFormat.bold'] : []),
    // Sheets keeps a colour in both fields, backgroundColorStyle first: a fill sets or clears them together.
    ...(write.fill !== undefined ? ['userEnteredFormat.backgroundColor', 'userEnteredFormat.backgroundColorStyle'] : []),
    ...(write.note !== undefined ? ['note'] : []),
  ];
  return {
    start: { sheetId, rowIndex: write.row - 1, columnIndex: write.column - 1 },
    rows: [{ values: [{ ...value, ...(Object.keys(format).length > 0 ? { userEnteredFormat: format } : {}), ...(write.note !== undefined ? { note: write.note } : {}) }] }],
    fields: fields.join(','),
  };
}

/** `C6EFCE` as Sheets' colour: channels from 0 to 1. */
function rgbOf(hex: string): { red: number; green: number; blue: number } {
  const channel = (offset: number) => parseInt(hex.slice(offset, offset + 2), 16) / 255;
  return { red: channel(0), green: channel(2), blue: channel(4) };
}

/**
 * Row 1 and columns A and B as text (date headers typed by hand, serial numbers, read as
 * `YYYY-MM-DD`).
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
  const column = (index: number) => Array.from({ length: sheet.rowCount }, (_, row) => text(sheet.getCell(row, index), false));
  return {
    headerRow: Array.from({ length: sheet.columnCount }, (_, index) => text(sheet.getCell(0, index), true)),
    kpiColumn: column(0),
    nameColumn: column(1),
  };
}
