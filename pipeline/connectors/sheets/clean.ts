import { Temporal } from 'temporal-polyfill';
import type { SheetRow } from '../../../graph/declare.ts';
import type { SheetColumn } from '../../config.ts';
import { SourceError } from '../../errors.ts';
import type { RawCell, RawRange } from './sheet-source.ts';
import { UncomputedFormula } from './uncomputed-formula.ts';

/** Spreadsheet serial dates count days from 1899-12-30 (Lotus's leap-year bug included). */
const SERIAL_EPOCH = Temporal.PlainDate.from('1899-12-30');

/** The calendar day of a spreadsheet serial number (a date-time's fraction is dropped). */
export function fromSerialDate(serial: number): Temporal.PlainDate {
  return SERIAL_EPOCH.add({ days: Math.floor(serial) });
}
/** Serials from 1950 to 2100: a number outside this is not a plausible date. */
const SERIAL_RANGE = { min: 18264, max: 73051 } as const;

const DAY_FIRST = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?$/;
const WHOLE_NUMBER = /^[-+]?\d+$/;

/** The decimal separator of a number written as text: `.` (1,234.5) or `,` (1.234,5). */
export type DecimalSeparator = '.' | ',';

/**
 * Turns a raw range into typed rows by the configured columns. The rules: text is trimmed;
 * numbers may be stored as text, with thousands separators (`1,234` / `1.234,5`) or a decimal
 * comma (`2,5`); dates may be date cells, `dd/mm/yyyy`, `yyyy-mm-dd` or serial numbers. A row
 * whose required columns are all empty is blank and skipped. Anything else that does not fit is
 * an error naming the source, its location and the row: nothing half-read is used.
 */
export function cleanRange(name: string, range: RawRange, columns: Readonly<Record<string, SheetColumn>>, decimalSeparator?: DecimalSeparator): SheetRow[] {
  const positions = Object.entries(columns).map(([header, column]) => {
    const index = range.header.findIndex((cell) => cell.toLowerCase() === header.trim().toLowerCase());
    if (index < 0) {
      throw new SourceError(
        `sheet source "${name}" (${range.location}): header row ${range.headerRow} has no column "${header}" (found: ${range.header.filter(Boolean).join(', ')})`,
      );
    }
    return { header, column, index };
  });
  const required = positions.filter((position) => position.column.required);
  const problems: string[] = [];
  const rows: SheetRow[] = [];

  for (const raw of range.rows) {
    const values = positions.map((position) => ({ position, raw: raw.cells[position.index] ?? null }));
    const isEmpty = (cell: RawCell) => cell === null || (typeof cell === 'string' && cell.trim() === '');
    const blankKeys = required.length > 0 ? required : positions;
    if (blankKeys.every((position) => isEmpty(raw.cells[position.index] ?? null))) continue;

    const row: Record<string, string | number | null> = {};
    for (const { position, raw: cell } of values) {
      if (cell instanceof UncomputedFormula) {
        problems.push(`row ${raw.rowNumber}, column "${position.header}": ${cell.problem}`);
        continue;
      }
      try {
        const value = isEmpty(cell) ? null : cleanCell(cell, position.column.type, position.column.decimalSeparator ?? decimalSeparator);
        if (value === null && position.column.required) throw new Error('is empty but required');
        row[position.column.name] = value;
      } catch (error) {
        problems.push(`row ${raw.rowNumber}, column "${position.header}": ${JSON.stringify(cell)} ${(error as Error).message}`);
      }
    }
    rows.push(row);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('; ');
    const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : '';
    throw new SourceError(`sheet source "${name}" (${range.location}): ${shown}${more}`);
  }
  return rows;
}

function cleanCell(cell: RawCell, type: SheetColumn['type'], decimalSeparator: DecimalSeparator | undefined): string | number {
  switch (type) {
    case 'text':
      return cell instanceof Date ? plainDateOf(cell).toString() : String(cell).trim();
    case 'number':
      return cleanNumber(cell, decimalSeparator);
    case 'integer': {
      const number = cleanNumber(cell, decimalSeparator);
      if (!Number.isInteger(number)) throw new Error(`is not a whole number (read as ${number})`);
      return number;
    }
    case 'date':
      return cleanDate(cell).toString();
  }
}

/**
 * A number cell, or a number written as text with thousands separators and a decimal
 * separator. Where the text alone cannot tell (`1.234`: one thousand two hundred and thirty-
 * four, or one point two three four?) the source's `decimalSeparator` decides; without one,
 * such a cell is an error rather than a guess.
 */
export function cleanNumber(cell: RawCell, decimalSeparator?: DecimalSeparator): number {
  if (typeof cell === 'number' && Number.isFinite(cell)) return cell;
  if (typeof cell !== 'string') throw new Error('is not a number');
  const text = cell.trim().replace(/\s/g, '');
  if (WHOLE_NUMBER.test(text)) return Number(text);
  const decimal = decimalSeparator ?? inferDecimalSeparator(text);
  const thousands = decimal === '.' ? ',' : '.';
  const [t, d] = [`\\${thousands}`, `\\${decimal}`];
  const grouped = new RegExp(`^[-+]?\\d{1,3}(${t}\\d{3})+(${d}\\d+)?$`);
  const plain = new RegExp(`^[-+]?\\d+(${d}\\d+)?$`);
  if (!grouped.test(text) && !plain.test(text)) {
    throw new Error(decimalSeparator ? `is not a number written with "${decimalSeparator}" as the decimal separator` : 'is not a number');
  }
  const normalised = text.replaceAll(thousands, '').replace(decimal, '.');
  if (!PLAIN_NUMBER.test(normalised)) throw new Error('is not a number');
  return Number(normalised);
}

/** The decimal separator the text itself shows, or an error when it could be either. */
function inferDecimalSeparator(text: string): DecimalSeparator {
  const dots = text.split('.').length - 1;
  const commas = text.split(',').length - 1;
  if (dots > 0 && commas > 0) return text.lastIndexOf('.') > text.lastIndexOf(',') ? '.' : ',';
  if (dots + commas === 0) return '.';
  const separator = dots > 0 ? '.' : ',';
  // Repeated, it can only group thousands; once with other than three digits after, it is the decimal one.
  if (dots + commas > 1) return separator === '.' ? ',' : '.';
  if (text.length - text.lastIndexOf(separator) - 1 !== 3) return separator;
  throw new Error(`is ambiguous: "${separator}" may separate thousands or decimals; set the source's decimalSeparator ("." or ",") in the configuration`);
}

export function cleanDate(cell: RawCell): Temporal.PlainDate {
  if (cell instanceof Date) return plainDateOf(cell);
  if (typeof cell === 'number') {
    if (!Number.isInteger(cell) || cell < SERIAL_RANGE.min || cell > SERIAL_RANGE.max) {
      throw new Error('is not a date serial number between 1950 and 2100');
    }
    return fromSerialDate(cell);
  }
  if (typeof cell !== 'string') throw new Error('is not a date');
  const text = cell.trim();
  try {
    const iso = ISO_DATE.exec(text);
    if (iso) return Temporal.PlainDate.from({ year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]) }, { overflow: 'reject' });
    const dayFirst = DAY_FIRST.exec(text);
    if (dayFirst) {
      return Temporal.PlainDate.from({ year: Number(dayFirst[3]), month: Number(dayFirst[2]), day: Number(dayFirst[1]) }, { overflow: 'reject' });
    }
    if (PLAIN_NUMBER.test(text)) return cleanDate(Number(text));
  } catch (error) {
    throw new Error(`is not a valid date (${(error as Error).message})`);
  }
  throw new Error('is not a date (expected dd/mm/yyyy, yyyy-mm-dd or a date cell)');
}

/** xlsx date cells hold a calendar day; exceljs hands it over as midnight UTC. */
function plainDateOf(date: Date): Temporal.PlainDate {
  return Temporal.PlainDate.from({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
}
