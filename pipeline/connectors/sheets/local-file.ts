import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import type { SheetSourceConfig } from '../../config.ts';
import { SourceError } from '../../errors.ts';
import { UncomputedFormula } from './uncomputed-formula.ts';
import type { RawCell, RawRange, RawRow } from './sheet-source.ts';

/** Reads a range from an .xlsx workbook (the configured tab) or a .csv file. */
export async function readLocalSheet(file: string, source: SheetSourceConfig): Promise<RawRange> {
  const extension = extname(file).toLowerCase();
  let grid: RawRow[];
  let location = file;
  try {
    if (extension === '.csv') {
      const records: string[][] = parse(await readFile(file), { relax_column_count: true });
      grid = records.map((cells, index) => ({ rowNumber: index + 1, cells }));
    } else if (extension === '.xlsx') {
      // Loaded at the first workbook read: exceljs takes longer to load than many commands run.
      const { default: excel } = await import('exceljs');
      const workbook = new excel.Workbook();
      await workbook.xlsx.readFile(file);
      const sheet = source.tab ? workbook.getWorksheet(source.tab) : workbook.worksheets[0];
      if (!sheet) {
        const tabs = workbook.worksheets.map((worksheet) => worksheet.name).join(', ');
        throw new SourceError(`${file}: no tab "${source.tab}" (tabs: ${tabs})`);
      }
      location = `${file}, tab ${sheet.name}`;
      grid = [];
      sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
        const cells: RawCell[] = [];
        for (let column = 1; column <= row.cellCount; column++) cells.push(cellValue(row.getCell(column), excel.ValueType.Formula));
        grid.push({ rowNumber, cells });
      });
    } else {
      throw new SourceError(`${file}: unsupported sheet file type "${extension}" (use .xlsx or .csv)`);
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError(`${file}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  const headerRow = grid.find((row) => row.rowNumber === source.headerRow);
  const header = (headerRow?.cells ?? []).map((cell) => {
    if (cell instanceof UncomputedFormula) throw new SourceError(`${location}: header row ${source.headerRow}: ${cell.problem}`);
    return cell === null ? '' : String(cell).trim();
  });
  return {
    location,
    headerRow: source.headerRow,
    header,
    rows: grid.filter((row) => row.rowNumber > source.headerRow),
  };
}

/**
 * What the cell shows. A formula reads as its saved result; a file written by a program that
 * does not calculate has none, and reading it as empty would give a wrong sum without a word.
 */
function cellValue(cell: ExcelJS.Cell, formulaType: ExcelJS.ValueType): RawCell {
  if (cell.type !== formulaType) return plainValue(cell.value);
  const result = cell.result as ExcelJS.CellValue | undefined;
  return result === undefined ? new UncomputedFormula(cell.address, cell.formula) : plainValue(result);
}

/** exceljs wraps rich text, links and errors in objects. */
function plainValue(value: ExcelJS.CellValue): RawCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('text' in value) return plainValue(value.text as ExcelJS.CellValue);
  // An error cell (#N/A, #REF!) stays as its text, so cleaning reports it rather than reading it as empty.
  if ('error' in value) return String(value.error);
  return null;
}
