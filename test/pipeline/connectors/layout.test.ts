import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Unit } from '../../../graph/declare.ts';
import { FIRST_KPI_ROW, FIRST_WEEK_COLUMN, HEADER_ROW, NAME_WIDTH_LIMIT, planWeekColumn, tabName } from '../../../pipeline/connectors/scorecards/layout.ts';
import type { CellWrite, LayoutPlan, TabSnapshot, WeekColumn } from '../../../pipeline/connectors/scorecards/layout.ts';
import { formatValue, numberFormatOf } from '../../../pipeline/units.ts';

const EMPTY: TabSnapshot = { headerRow: [], kpiColumn: [] };

function week(header: string, ...kpis: [number: string, unit: Unit, value: number | null][]): WeekColumn {
  return { header, kpis: kpis.map(([number, unit, value]) => ({ number, name: `KPI ${number}`, unit, value })) };
}

/** The write to one cell; fails when there is none or more than one. */
function writeAt(plan: LayoutPlan, row: number, column: number): CellWrite {
  const found = plan.writes.filter((write) => write.row === row && write.column === column);
  assert.equal(found.length, 1, `one write to row ${row}, column ${column}; got ${JSON.stringify(found)}`);
  return found[0]!;
}

const rowsWritten = (plan: LayoutPlan) => [...new Set(plan.writes.map((write) => write.row))].sort((a, b) => a - b);

describe('planWeekColumn: the week column', () => {
  test('the layout constants match the design: row 1 headers, KPIs from row 2, weeks from column C', () => {
    assert.deepEqual([HEADER_ROW, FIRST_KPI_ROW, FIRST_WEEK_COLUMN], [1, 2, 3]);
    assert.equal(tabName(2026), 'sc2026');
  });

  test('an empty tab: headers, the week in column C, one row per KPI from row 2', () => {
    const plan = planWeekColumn(EMPTY, week('2026-11-22', ['05', 'decimal', 1.5], ['06', 'integer', 7]));
    assert.equal(plan.weekColumn, 3);
    assert.equal(plan.insertColumnAt, undefined);
    assert.ok(!('insertColumnAt' in plan));
    assert.deepEqual(plan.addedRows, ['05', '06']);
    assert.deepEqual(plan.writes, [
      { row: 1, column: 1, value: 'KPI', bold: true },
      { row: 1, column: 2, value: 'Name', bold: true },
      { row: 1, column: 3, value: '2026-11-22', bold: true },
      { row: 2, column: 1, value: '05' },
      { row: 2, column: 2, value: 'KPI 05' },
      { row: 2, column: 3, value: 1.5, numberFormat: '0.00' },
      { row: 3, column: 1, value: '06' },
      { row: 3, column: 2, value: 'KPI 06' },
      { row: 3, column: 3, value: 7, numberFormat: '0' },
    ]);
  });

  test('a new week after the existing ones is appended after the last', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-08', '2026-11-15'], kpiColumn: ['KPI', '05'] };
    const plan = planWeekColumn(snapshot, week('2026-11-22', ['05', 'decimal', 2]));
    assert.equal(plan.weekColumn, 5);
    assert.equal(plan.insertColumnAt, undefined);
    assert.equal(writeAt(plan, 1, 5).value, '2026-11-22');
    assert.equal(writeAt(plan, 2, 5).value, 2);
    assert.deepEqual(plan.addedRows, []);
  });

  test('a new week goes right after the last used header, even with empty cells after it', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-08', null, '2026-11-15', '', null], kpiColumn: [] };
    assert.equal(planWeekColumn(snapshot, week('2026-11-22')).weekColumn, 6);
  });

  test('a week older than every existing one gets a column inserted before them', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-08', '2026-11-15'], kpiColumn: ['KPI', '05'] };
    const plan = planWeekColumn(snapshot, week('2026-11-01', ['05', 'decimal', 1]));
    assert.equal(plan.insertColumnAt, 3);
    assert.equal(plan.weekColumn, 3);
    assert.equal(writeAt(plan, 1, 3).value, '2026-11-01');
    assert.equal(writeAt(plan, 2, 3).value, 1);
  });

  test('a week between existing ones gets a column inserted in date order', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-01', '2026-11-15', '2026-11-22'], kpiColumn: [] };
    const plan = planWeekColumn(snapshot, week('2026-11-08'));
    assert.equal(plan.insertColumnAt, 4);
    assert.equal(plan.weekColumn, 4);
  });

  test('an existing week column is reused, nothing inserted', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-08', '2026-11-15', '2026-11-22'], kpiColumn: ['KPI', '05'] };
    const plan = planWeekColumn(snapshot, week('2026-11-15', ['05', 'decimal', 3]));
    assert.equal(plan.weekColumn, 4);
    assert.equal(plan.insertColumnAt, undefined);
    assert.equal(writeAt(plan, 1, 4).value, '2026-11-15');
    assert.equal(writeAt(plan, 2, 4).value, 3);
  });

  test('a header written as a date-time or with spaces still matches its day', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', ' 2026-11-08 ', '2026-11-15T00:00:00.000Z'], kpiColumn: [] };
    assert.equal(planWeekColumn(snapshot, week('2026-11-08')).weekColumn, 3);
    const plan = planWeekColumn(snapshot, week('2026-11-15'));
    assert.equal(plan.weekColumn, 4);
    assert.equal(plan.insertColumnAt, undefined);
  });

  test('writes only row 1 headers and the week column, never another week', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-08', '2026-11-15'], kpiColumn: ['KPI', '05', '06'] };
    const plan = planWeekColumn(snapshot, week('2026-11-15', ['05', 'decimal', 1], ['06', 'integer', 2]));
    assert.deepEqual([...new Set(plan.writes.map((write) => write.column))].sort(), [1, 2, 4]);
  });
});

describe('planWeekColumn: the KPI rows', () => {
  test('existing rows are found by number: 5, 05 and 5.0 all name KPI 05', () => {
    for (const written of ['5', '05', '5.0', ' 5 ', '5.00']) {
      const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-15'], kpiColumn: ['KPI', '32', written, '06'] };
      const plan = planWeekColumn(snapshot, week('2026-11-22', ['05', 'decimal', 4.25], ['06', 'integer', 9], ['32', 'percent', 0.1]));
      assert.deepEqual(plan.addedRows, [], `"${written}"`);
      assert.equal(writeAt(plan, 3, 4).value, 4.25, `"${written}"`);
      assert.equal(writeAt(plan, 4, 4).value, 9);
      assert.equal(writeAt(plan, 2, 4).value, 0.1);
      assert.deepEqual(rowsWritten(plan), [1, 2, 3, 4]);
    }
  });

  test('a missing KPI gets a row in number order: inserted above the first larger number', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-15'], kpiColumn: ['KPI', '05', '06', null, '32', '', null] };
    const plan = planWeekColumn(snapshot, week('2026-11-22', ['05', 'decimal', 1], ['16', 'integer', 2], ['17', 'integer', 3], ['32', 'percent', 0.5]));
    assert.deepEqual(plan.addedRows, ['16', '17']);
    assert.deepEqual(plan.insertRowsAt, [5, 6], 'both above 32, which moves from row 5 to row 7');
    assert.equal(plan.weekColumn, 4);
    assert.deepEqual([writeAt(plan, 5, 1).value, writeAt(plan, 5, 2).value, writeAt(plan, 5, 4).value], ['16', 'KPI 16', 2]);
    assert.deepEqual([writeAt(plan, 6, 1).value, writeAt(plan, 6, 4).value], ['17', 3]);
    assert.deepEqual([writeAt(plan, 7, 1).value, writeAt(plan, 7, 4).value], ['32', 0.5]);
    assert.equal(writeAt(plan, 2, 4).value, 1);
    assert.ok(!plan.writes.some((write) => write.row === 4), 'the empty row 4 stays where it was, between 06 and the new rows');
  });

  test('a KPI with a larger number than every row is appended below the last used row, nothing inserted', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-15'], kpiColumn: ['KPI', '05', '32'] };
    const plan = planWeekColumn(snapshot, week('2026-11-22', ['40', 'integer', 1], ['03', 'integer', 2]));
    assert.deepEqual(plan.addedRows, ['03', '40']);
    assert.deepEqual(plan.insertRowsAt, [2], 'KPI 03 goes above 05');
    assert.equal(writeAt(plan, 2, 1).value, '03');
    assert.equal(writeAt(plan, 5, 1).value, '40', 'below 32, which moved to row 4');
  });

  test('a manual row between KPI rows keeps its place: a new KPI goes right above the larger number', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name'], kpiColumn: ['KPI', '05', '06', null, '32'], nameColumn: ['Name', 'a', 'b', 'Note about churn', 'c'] };
    const plan = planWeekColumn(snapshot, week('2026-11-22', ['05', 'integer', 1], ['06', 'integer', 1], ['17', 'integer', 1], ['32', 'integer', 1]));
    assert.deepEqual(plan.insertRowsAt, [5]);
    assert.ok(!plan.writes.some((write) => write.row === 4), 'the note stays in row 4, below 06');
    assert.deepEqual([5, 6].map((row) => writeAt(plan, row, 1).value), ['17', '32']);
  });

  test('manual rows (text in column A) are never overwritten; new rows go below them', () => {
    const kpiColumn = ['KPI', '05', 'Notes', '06', 'Source: CS weekly report', '5a', null];
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-15'], kpiColumn };
    const plan = planWeekColumn(snapshot, week('2026-11-22', ['05', 'decimal', 1], ['06', 'integer', 2], ['07', 'integer', 3]));
    for (const manual of [3, 5, 6]) assert.ok(!plan.writes.some((write) => write.row === manual), `row ${manual} (${kpiColumn[manual - 1]}) is left alone`);
    assert.deepEqual(plan.addedRows, ['07']);
    assert.equal(writeAt(plan, 7, 1).value, '07');
    assert.deepEqual(rowsWritten(plan), [1, 2, 4, 7]);
  });

  test('a KPI number in row 1 is a header, not a KPI row', () => {
    const plan = planWeekColumn({ headerRow: ['5'], kpiColumn: ['5'] }, week('2026-11-22', ['05', 'decimal', 1]));
    assert.deepEqual(plan.addedRows, ['05']);
    assert.equal(writeAt(plan, 2, 1).value, '05');
  });

  test('when a number appears twice in column A, the first row is used', () => {
    const plan = planWeekColumn({ headerRow: [], kpiColumn: ['KPI', '05', '5'] }, week('2026-11-22', ['05', 'decimal', 1]));
    assert.equal(writeAt(plan, 2, 3).value, 1);
    assert.deepEqual(rowsWritten(plan), [1, 2]);
  });

  test('number formats follow the unit; a missing value is written as an empty cell', () => {
    const plan = planWeekColumn(EMPTY, week('2026-11-22', ['01', 'integer', 1], ['02', 'decimal', 1.5], ['03', 'percent', 0.25], ['04', 'currency', 1234.5], ['05', 'integer', null]));
    assert.deepEqual(
      [2, 3, 4, 5, 6].map((row) => writeAt(plan, row, 3).numberFormat),
      ['0', '0.00', '0.00%', '#,##0.00', '0'],
    );
    assert.equal(writeAt(plan, 6, 3).value, null);
  });
});

describe('planWeekColumn: repeatable', () => {
  test('the same input twice gives the same plan, and the snapshot is not changed', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-08', '2026-11-22'], kpiColumn: ['KPI', '5', 'Notes', '32'] };
    const column = week('2026-11-15', ['05', 'decimal', 1], ['16', 'integer', 2], ['32', 'percent', 0.5]);
    const before = structuredClone(snapshot);
    const first = planWeekColumn(snapshot, column);
    const second = planWeekColumn(snapshot, column);
    assert.deepEqual(second, first);
    assert.deepEqual(snapshot, before);
    assert.equal(first.insertColumnAt, 4);
    assert.deepEqual(first.addedRows, ['16']);
  });

  test('publishing onto the sheet the first plan produced reuses its column and rows', () => {
    const column = week('2026-11-22', ['05', 'decimal', 1], ['06', 'integer', 2]);
    const first = planWeekColumn(EMPTY, column);
    // The tab after applying the first plan: row 1 and column A as written.
    const headerRow: (string | null)[] = [];
    const kpiColumn: (string | null)[] = [];
    for (const write of first.writes) {
      if (write.row === 1) headerRow[write.column - 1] = String(write.value);
      if (write.column === 1) kpiColumn[write.row - 1] = String(write.value);
    }
    const second = planWeekColumn({ headerRow: Array.from(headerRow, (cell) => cell ?? null), kpiColumn: Array.from(kpiColumn, (cell) => cell ?? null) }, column);
    assert.deepEqual(second.addedRows, []);
    assert.equal(second.insertColumnAt, undefined);
    assert.deepEqual(second.writes, first.writes);
  });
});

describe('planWeekColumn and manual rows', () => {
  test('a new KPI row goes below the last used row, even when that row has no KPI number', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name', '2026-11-15'], kpiColumn: ['KPI', '05', '06', null], lastUsedRow: 4 };
    const plan = planWeekColumn(snapshot, {
      header: '2026-11-22',
      kpis: [{ number: '16', name: 'Replacements', unit: 'integer', value: 3 }],
    });
    assert.deepEqual(plan.addedRows, ['16']);
    assert.ok(plan.writes.filter((write) => write.row === 4).length === 0, 'row 4 (a manual note in column B) is not written');
    assert.ok(plan.writes.some((write) => write.row === 5 && write.column === 1 && write.value === '16'));
  });
});

describe('planWeekColumn: column widths', () => {
  const widthOf = (plan: LayoutPlan, column: number) => plan.columnWidths.find((entry) => entry.column === column)?.width;

  test('the name column is as wide as the longest name in column B, manual text included, up to the limit', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name'], kpiColumn: ['KPI', '05', null], nameColumn: ['Name', 'Old name', 'A note written by hand, longer than any name'] };
    const plan = planWeekColumn(snapshot, { header: '2026-11-22', kpis: [{ number: '05', name: 'Forms', unit: 'integer', value: 1 }] });
    assert.equal(widthOf(plan, 2), 'A note written by hand, longer than any name'.length + 2);
    const long = planWeekColumn(EMPTY, { header: '2026-11-22', kpis: [{ number: '05', name: 'x'.repeat(200), unit: 'integer', value: 1 }] });
    assert.equal(widthOf(long, 2), NAME_WIDTH_LIMIT + 2);
  });

  test('a renamed KPI is sized by its new name, not the one it replaces', () => {
    const snapshot: TabSnapshot = { headerRow: ['KPI', 'Name'], kpiColumn: ['KPI', '05'], nameColumn: ['Name', 'A very long name that the KPI used to have'] };
    const plan = planWeekColumn(snapshot, { header: '2026-11-22', kpis: [{ number: '05', name: 'Forms', unit: 'integer', value: 1 }] });
    assert.equal(widthOf(plan, 2), 'Forms'.length + 2);
  });

  test('the week column is as wide as its header or its widest value, as the cell shows it', () => {
    const narrow = planWeekColumn(EMPTY, week('2026-11-22', ['05', 'percent', 0.2041]));
    assert.equal(widthOf(narrow, 3), '2026-11-22'.length + 2);
    const wide = planWeekColumn(EMPTY, week('2026-11-22', ['05', 'currency', 123456789.5]));
    assert.equal(formatValue(123456789.5, 'currency'), '123,456,789.50');
    assert.equal(widthOf(wide, 3), '123,456,789.50'.length + 2);
  });
});

describe('units: one way to show a value', () => {
  test('the summary text and the number format agree for every unit', () => {
    assert.deepEqual(
      (['integer', 'decimal', 'percent', 'currency'] as const).map((unit) => [numberFormatOf(unit), formatValue(1234.5678, unit)]),
      [['0', '1235'], ['0.00', '1234.57'], ['0.00%', '123456.78%'], ['#,##0.00', '1,234.57']],
    );
    assert.equal(formatValue(0.2041, 'percent'), '20.41%');
    assert.equal(formatValue(-1234.5, 'currency'), '-1,234.50');
    assert.equal(formatValue(-0.001, 'decimal'), '0.00', 'no minus sign on a value that shows as zero');
  });
});

describe('planWeekColumn: inserted rows, then publishing again', () => {
  /** Row 1 and columns A and B of the tab after carrying out `plan`: inserts first, then writes. */
  function apply(snapshot: TabSnapshot, plan: LayoutPlan): TabSnapshot {
    const kpiColumn = [...snapshot.kpiColumn];
    const nameColumn = [...(snapshot.nameColumn ?? [])];
    const headerRow = [...snapshot.headerRow];
    if (plan.insertColumnAt !== undefined) headerRow.splice(plan.insertColumnAt - 1, 0, null);
    for (const row of plan.insertRowsAt) {
      kpiColumn.splice(row - 1, 0, null);
      nameColumn.splice(row - 1, 0, null);
    }
    for (const write of plan.writes) {
      const text = write.value === null ? null : String(write.value);
      if (write.row === 1) headerRow[write.column - 1] = text;
      if (write.column === 1) kpiColumn[write.row - 1] = text;
      if (write.column === 2) nameColumn[write.row - 1] = text;
    }
    const filled = (cells: (string | null | undefined)[]) => Array.from(cells, (cell) => cell ?? null);
    return { headerRow: filled(headerRow), kpiColumn: filled(kpiColumn), nameColumn: filled(nameColumn) };
  }

  test('KPI rows end in number order around the manual rows, and a second publish inserts nothing', () => {
    const snapshot: TabSnapshot = {
      headerRow: ['KPI', 'Name', '2026-11-15'],
      kpiColumn: ['KPI', '05', 'Notes', '16', '32', null, 'Source: CRM'],
      nameColumn: ['Name', 'a', 'by hand', 'b', 'c', null, null],
    };
    const column = week('2026-11-22', ['03', 'integer', 1], ['05', 'integer', 1], ['16', 'integer', 1], ['17', 'integer', 1], ['32', 'percent', 0.2], ['40', 'integer', 1]);
    const first = planWeekColumn(snapshot, column);
    const after = apply(snapshot, first);
    assert.deepEqual(after.kpiColumn, ['KPI', '03', '05', 'Notes', '16', '17', '32', null, 'Source: CRM', '40']);
    const second = planWeekColumn(after, column);
    assert.deepEqual([second.insertRowsAt, second.addedRows], [[], []]);
    assert.deepEqual(apply(after, second), after);
    assert.deepEqual(second.columnWidths, first.columnWidths);
  });
});
