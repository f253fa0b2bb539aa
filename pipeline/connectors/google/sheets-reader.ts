import { SourceError } from '../../errors.ts';
import type { RawCell, RawRange, SheetReader } from '../sheets/sheet-source.ts';
import { columnLetter } from '../sheets/a1.ts';
import { requireTab, withSpreadsheet } from './spreadsheet.ts';
import type { GoogleContext } from './spreadsheet.ts';

const FIRST_ROW = /^[A-Z]+(\d+)/;

/**
 * Reads a sheet source's Google range: raw values (numbers as numbers, dates as serial
 * numbers), which the cleaning rules then turn into typed rows.
 */
export function googleSheetReader(context: GoogleContext): SheetReader {
  return {
    async read(name, source): Promise<RawRange> {
      const google = source.google;
      if (!google) throw new SourceError(`sheet source "${name}" has no Google range`);
      let range = google.range ?? 'A1';
      const values = await withSpreadsheet(context, google.spreadsheetId, `sheet source "${name}"`, async (doc) => {
        const sheet = requireTab(doc, google.tab, google.spreadsheetId);
        // The whole grid by default: Google refuses a range beyond the tab's size.
        range = google.range ?? `A1:${columnLetter(sheet.columnCount)}${sheet.rowCount}`;
        // Unformatted: numbers as numbers and dates as serial numbers (Google's default date rendering).
        const [values] = (await sheet.batchGetCellsInRange([range], { valueRenderOption: 'UNFORMATTED_VALUE' })) as (RawCell[][] | undefined)[];
        return values;
      });
      const firstRow = Number(FIRST_ROW.exec(range)?.[1] ?? 1);
      const rows = (values ?? []).map((cells, index) => ({ rowNumber: firstRow + index, cells: cells.map((cell) => cell ?? null) }));
      const header = rows.find((row) => row.rowNumber === source.headerRow);
      return {
        location: `spreadsheet ${google.spreadsheetId}, tab ${google.tab}`,
        headerRow: source.headerRow,
        header: (header?.cells ?? []).map((cell) => (cell === null ? '' : String(cell).trim())),
        rows: rows.filter((row) => row.rowNumber > source.headerRow),
      };
    },
  };
}
