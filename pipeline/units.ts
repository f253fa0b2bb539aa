import type { Unit } from '../graph/declare.ts';

/**
 * How a value of each unit shows, wherever it shows: the run summary, `status`, the run
 * events and both scorecards (as the cells' number format). One definition, so the terminal
 * and the workbook never disagree.
 */
const STYLES: Record<Unit, { readonly decimals: number; readonly percent?: true; readonly grouped?: true }> = {
  integer: { decimals: 0 },
  decimal: { decimals: 2 },
  percent: { decimals: 2, percent: true },
  currency: { decimals: 2, grouped: true },
};

/** The spreadsheet number format of a unit: `0`, `0.00`, `0.00%`, `#,##0.00`. */
export function numberFormatOf(unit: Unit): string {
  const { decimals, percent, grouped } = STYLES[unit];
  return `${grouped ? '#,##0' : '0'}${decimals > 0 ? `.${'0'.repeat(decimals)}` : ''}${percent ? '%' : ''}`;
}

/** A value as its cell shows it: `13`, `15.25`, `20.41%` (of 0.2041), `1,234.50`; `(no value)` for none. */
export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return '(no value)';
  const { decimals, percent, grouped } = STYLES[unit];
  const fixed = Math.abs(percent ? value * 100 : value).toFixed(decimals);
  const [whole = '', fraction] = fixed.split('.');
  // Written out rather than toLocaleString: the grouping must not follow the machine's locale.
  const digits = grouped ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : whole;
  const sign = value < 0 && /[1-9]/.test(fixed) ? '-' : '';
  return `${sign}${digits}${fraction === undefined ? '' : `.${fraction}`}${percent ? '%' : ''}`;
}

/** A number to at most `decimals` places, without trailing zeros: `2`, `1.25`. */
export function formatNumber(value: number, decimals: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(decimals).replace(/\.?0+$/, '');
}
