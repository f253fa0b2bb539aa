import type { Unit } from '../../../graph/declare.ts';
import type { Status } from '../../../graph/targets.ts';
import { changeNote } from '../../reports/week-change.ts';
import { columnLetter } from '../sheets/a1.ts';
import { formatValue, numberFormatOf } from '../../units.ts';

/**
 * The scorecard layout shared by every sink (local workbook, Google Sheets): one tab per ISO
 * year (`sc2026`); row 1 holds `KPI`, `Name` and then the week headers (last Sunday, oldest
 * first) from column C; column A holds the KPI number and column B its name from row 2.
 */
export const HEADER_ROW = 1;
export const FIRST_KPI_ROW = 2;
export const FIRST_WEEK_COLUMN = 3;
const HEADERS = ['KPI', 'Name'] as const;
/** The name column grows with the longest name up to this many characters; longer names wrap or overflow. */
export const NAME_WIDTH_LIMIT = 60;
/** Characters of room beside the widest text of a column. */
const WIDTH_PADDING = 2;

/** Value cell fills by status, RRGGBB: the good, neutral and bad fills spreadsheet users know. */
export const STATUS_FILLS: Readonly<Record<Exclude<Status, 'none'>, string>> = { green: 'C6EFCE', amber: 'FFEB9C', red: 'FFC7CE' };

/**
 * The legend: rows in columns A and B, one blank row below the KPIs, found again by the label
 * in column A (not a KPI number, so never taken for a KPI row).
 */
export const LEGEND_LABEL = 'Legend';
export const LEGEND: readonly { readonly text: string; readonly fill?: string }[] = [
  { text: 'on target', fill: STATUS_FILLS.green },
  { text: 'near target', fill: STATUS_FILLS.amber },
  { text: 'off target', fill: STATUS_FILLS.red },
  { text: "a value's note: its change from the week before" },
];

export function tabName(isoYear: number): string {
  return `sc${isoYear}`;
}

/** The week's values to publish: one entry per KPI of the domain. */
export interface WeekColumn {
  /** Last Sunday as `YYYY-MM-DD`: the column header. */
  readonly header: string;
  readonly kpis: readonly WeekColumnKpi[];
}

export interface WeekColumnKpi {
  readonly number: string;
  readonly name: string;
  readonly unit: Unit;
  readonly value: number | null;
  /** For a KPI with a target: the value's status, shown as the cell's fill. */
  readonly status?: Status;
  /** The week before and its value, for the change noted on the cell. */
  readonly previous?: { readonly week: string; readonly value: number | null };
  /** When a published value of this cell changed later: the day, and what it was. Noted on the cell for good. */
  readonly restated?: { readonly on: string; readonly was: number | null };
  /** A warning about the value the run computed (a source past its warnAfter), noted on the cell. */
  readonly warning?: string;
}

/** What a sink reads of a tab before writing: row 1 and columns A and B (1-based: index 0 is column/row 1). */
export interface TabSnapshot {
  readonly headerRow: readonly (string | null)[];
  readonly kpiColumn: readonly (string | null)[];
  /** Column B: KPI names and manual text, for the width of the name column. */
  readonly nameColumn?: readonly (string | null)[];
  /** The last row with anything in it (a manual row may leave column A empty): a KPI with a larger number than any goes below it. */
  readonly lastUsedRow?: number;
}

export type CellValue = string | number | null;

export interface CellWrite {
  /** 1-based row and column. */
  readonly row: number;
  readonly column: number;
  readonly value: CellValue;
  readonly numberFormat?: string;
  readonly bold?: boolean;
  /** Background colour, RRGGBB; null removes it; absent leaves it as it is. */
  readonly fill?: string | null;
  /** The cell's note; absent leaves it as it is. */
  readonly note?: string;
}

export interface LayoutPlan {
  /** When set, a column must be inserted at this 1-based index (shifting later weeks right) before writing. */
  readonly insertColumnAt?: number;
  /**
   * Rows to insert before writing, 1-based as they stand once all are in, ascending: insert an
   * empty row at each in turn (shifting the rows below down), then write.
   */
  readonly insertRowsAt: readonly number[];
  readonly weekColumn: number;
  readonly writes: readonly CellWrite[];
  /** KPI numbers that had no row and get a new one, in number order. */
  readonly addedRows: readonly string[];
  /** Where each KPI's value goes, by KPI number: `E5`. */
  readonly valueCells: Readonly<Record<string, string>>;
  /** Widths in characters: the name column and the week column. */
  readonly columnWidths: readonly { readonly column: number; readonly width: number }[];
}

/** A row of the tab as the plan sees it: a KPI row (its number) or anything else, with its column B. */
interface Line {
  readonly number?: string;
  readonly name: string | null;
  /** A KPI row this publish adds: inserted among the rows, or appended below them. */
  readonly added?: 'inserted' | 'appended';
}

/**
 * Where the week's column goes and which cells to write, given what the tab holds. A week
 * missing from the headers gets a column in date order; a KPI missing from column A gets a
 * row in number order, above the first KPI row with a larger number (or below the last used
 * row). Every other row and cell is left alone: manual rows (column A empty or not a KPI
 * number) keep their place among the rows around them. The same snapshot and column always
 * give the same plan, and the tab the plan produces gives a plan with nothing to insert. A
 * value cell carries its status as its fill and its change as its note; the legend stays one
 * blank row below everything else.
 */
export function planWeekColumn(tab: TabSnapshot, column: WeekColumn): LayoutPlan {
  const legend = findLegend(tab);
  const snapshot = legend === undefined ? tab : withoutLegend(tab, legend);
  const writes: CellWrite[] = HEADERS.map((header, index) => ({ row: HEADER_ROW, column: index + 1, value: header, bold: true }));

  const weekHeaders = snapshot.headerRow.slice(FIRST_WEEK_COLUMN - 1).map((cell) => normaliseHeader(cell));
  const existing = weekHeaders.indexOf(column.header);
  let weekColumn: number;
  let insertColumnAt: number | undefined;
  if (existing >= 0) {
    weekColumn = FIRST_WEEK_COLUMN + existing;
  } else {
    const later = weekHeaders.findIndex((header) => header !== '' && header > column.header);
    const lastUsed = weekHeaders.reduce((last, header, index) => (header === '' ? last : index), -1);
    if (later >= 0) {
      weekColumn = FIRST_WEEK_COLUMN + later;
      insertColumnAt = weekColumn;
    } else {
      weekColumn = FIRST_WEEK_COLUMN + lastUsed + 1;
    }
  }
  writes.push({ row: HEADER_ROW, column: weekColumn, value: column.header, bold: true });

  const lines = placeRows(snapshot, column);
  const rowOf = new Map(lines.flatMap((line, index) => (line.number === undefined ? [] : [[line.number, index + 1] as const])));
  for (const kpi of column.kpis) {
    const row = rowOf.get(kpi.number)!;
    writes.push({ row, column: 1, value: kpi.number });
    writes.push({ row, column: 2, value: kpi.name });
    writes.push({
      row,
      column: weekColumn,
      value: kpi.value,
      numberFormat: numberFormatOf(kpi.unit),
      ...(kpi.status === undefined ? {} : { fill: kpi.status === 'none' ? null : STATUS_FILLS[kpi.status] }),
      ...noteOf(kpi),
    });
  }

  const nameOf = new Map(column.kpis.map((kpi) => [kpi.number, kpi.name]));
  const names = lines.slice(HEADER_ROW).map((line) => (line.number === undefined ? undefined : nameOf.get(line.number)) ?? line.name);
  const values = column.kpis.map((kpi) => (kpi.value === null ? '' : formatValue(kpi.value, kpi.unit)));
  const insertRowsAt = lines.flatMap((line, index) => (line.added === 'inserted' ? [index + 1] : []));
  const hasLegend = legend !== undefined || column.kpis.some((kpi) => kpi.status !== undefined);
  // Rows inserted among the KPIs push the old legend down with everything below them.
  const placed = hasLegend ? placeLegend(writes, legend === undefined ? undefined : legend + insertRowsAt.length, lines.length + 2) : writes;
  return {
    ...(insertColumnAt === undefined ? {} : { insertColumnAt }),
    insertRowsAt,
    weekColumn,
    writes: placed,
    addedRows: lines.flatMap((line) => (line.added === undefined ? [] : [line.number!])),
    valueCells: Object.fromEntries(column.kpis.map((kpi) => [kpi.number, `${columnLetter(weekColumn)}${rowOf.get(kpi.number)!}`])),
    columnWidths: [
      { column: 2, width: widthOf([HEADERS[1], ...names], NAME_WIDTH_LIMIT) },
      { column: weekColumn, width: widthOf([column.header, ...values]) },
    ],
  };
}

/**
 * The tab's rows down to the last used one, with each KPI missing from column A placed in
 * number order: inserted above the first KPI row with a larger number, or appended.
 */
function placeRows(snapshot: TabSnapshot, column: WeekColumn): Line[] {
  const nameColumn = snapshot.nameColumn ?? [];
  const used = Math.max(HEADER_ROW, lastNonEmpty(snapshot.kpiColumn), lastNonEmpty(nameColumn), snapshot.lastUsedRow ?? 0);
  const found = new Set<string>();
  const lines: Line[] = Array.from({ length: used }, (_, index) => {
    const number = index + 1 >= FIRST_KPI_ROW ? normaliseKpiNumber(snapshot.kpiColumn[index] ?? null) : undefined;
    const name = nameColumn[index] ?? null;
    // When a number appears twice, the first row is the KPI's; the other is left alone.
    if (number === undefined || found.has(number)) return { name };
    found.add(number);
    return { number, name };
  });
  const missing = column.kpis.filter((kpi) => !found.has(kpi.number)).sort((a, b) => Number(a.number) - Number(b.number));
  for (const kpi of missing) {
    const before = lines.findIndex((line) => line.number !== undefined && Number(line.number) > Number(kpi.number));
    if (before >= 0) lines.splice(before, 0, { number: kpi.number, name: kpi.name, added: 'inserted' });
    else lines.push({ number: kpi.number, name: kpi.name, added: 'appended' });
  }
  return lines;
}

/** Characters a column needs for the longest of its texts (at most `limit`), with padding. */
function widthOf(texts: readonly (string | null)[], limit = Infinity): number {
  return Math.min(limit, Math.max(...texts.map((text) => (text ?? '').length))) + WIDTH_PADDING;
}

/** A value cell's note: its change from the week before, its restatement and its warning when it has them. */
function noteOf(kpi: WeekColumnKpi): { note?: string } {
  const lines = [
    ...(kpi.previous === undefined ? [] : [changeNote(kpi.value, kpi.previous.value, kpi.previous.week, kpi.unit)]),
    ...(kpi.restated === undefined ? [] : [`restated ${kpi.restated.on}, was ${formatValue(kpi.restated.was, kpi.unit)}`]),
    ...(kpi.warning === undefined ? [] : [`⚠ ${kpi.warning}`]),
  ];
  return lines.length === 0 ? {} : { note: lines.join('\n') };
}

/** The first row of the legend, found by its label in column A. */
function findLegend(tab: TabSnapshot): number | undefined {
  const index = tab.kpiColumn.findIndex((cell, index) => index + 1 >= FIRST_KPI_ROW && (cell ?? '').trim() === LEGEND_LABEL);
  return index < 0 ? undefined : index + 1;
}

/**
 * The tab as if the legend were not there, so KPI rows are placed as without one. When the
 * legend is the last thing used, what was used before it ends above its blank row.
 */
function withoutLegend(tab: TabSnapshot, start: number): TabSnapshot {
  const end = start + LEGEND.length - 1;
  const blank = (cells: readonly (string | null)[]) => cells.map((cell, index) => (index + 1 >= start && index + 1 <= end ? null : cell));
  const columns = { kpiColumn: blank(tab.kpiColumn), ...(tab.nameColumn ? { nameColumn: blank(tab.nameColumn) } : {}) };
  if (tab.lastUsedRow === undefined || tab.lastUsedRow > end) return { ...tab, ...columns };
  return { ...tab, ...columns, lastUsedRow: Math.min(tab.lastUsedRow, Math.max(0, start - 2)) };
}

/** The legend written from row `start`, and the cells of a legend left elsewhere emptied, fills and all. */
function placeLegend(writes: readonly CellWrite[], previousStart: number | undefined, start: number): CellWrite[] {
  const placed = [...writes];
  LEGEND.forEach((entry, index) => {
    placed.push({ row: start + index, column: 1, value: index === 0 ? LEGEND_LABEL : null });
    placed.push({ row: start + index, column: 2, value: entry.text, fill: entry.fill ?? null });
  });
  if (previousStart === undefined || previousStart === start) return placed;
  for (let row = previousStart; row < previousStart + LEGEND.length; row++) {
    if (row >= start && row < start + LEGEND.length) continue;
    for (const column of [1, 2]) {
      // A KPI row added where the legend was keeps its value and loses the legend's fill.
      const index = placed.findIndex((write) => write.row === row && write.column === column);
      if (index < 0) placed.push({ row, column, value: null, fill: null });
      else if (placed[index]!.fill === undefined) placed[index] = { ...placed[index]!, fill: null };
    }
  }
  return placed;
}

/** `5`, `05` and `5.0` all name KPI 05. */
function normaliseKpiNumber(cell: string | null): string | undefined {
  const text = (cell ?? '').trim();
  if (!/^\d{1,2}(\.0+)?$/.test(text)) return undefined;
  return String(Number(text)).padStart(2, '0');
}

function normaliseHeader(cell: string | null): string {
  return (cell ?? '').trim().slice(0, 10);
}

/** 1-based row of the last non-empty cell, 0 when all are empty. */
function lastNonEmpty(cells: readonly (string | null)[]): number {
  for (let index = cells.length - 1; index >= 0; index--) if ((cells[index] ?? '').trim() !== '') return index + 1;
  return 0;
}
