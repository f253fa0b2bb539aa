/** The layout's status fills, change notes and legend (layout.test.ts covers the rest of the layout). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LEGEND, LEGEND_LABEL, STATUS_FILLS, planWeekColumn } from '../../../pipeline/connectors/scorecards/layout.ts';
import type { CellWrite, LayoutPlan, TabSnapshot, WeekColumn, WeekColumnKpi } from '../../../pipeline/connectors/scorecards/layout.ts';
import { changeNote, weekChange } from '../../../pipeline/reports/week-change.ts';

const churn = (value: number | null, extra: Partial<WeekColumnKpi> = {}): WeekColumnKpi => ({ number: '32', name: 'Churn', unit: 'percent', value, ...extra });
const column = (...kpis: WeekColumnKpi[]): WeekColumn => ({ header: '2026-11-22', kpis });

function writeAt(plan: LayoutPlan, row: number, column: number): CellWrite {
  const found = plan.writes.filter((write) => write.row === row && write.column === column);
  assert.equal(found.length, 1, `one write to row ${row}, column ${column}; got ${JSON.stringify(found)}`);
  return found[0]!;
}

/** What the sheet holds after a plan's writes, as a snapshot the next publish would read (A and the last used row). */
function applied(plan: LayoutPlan, before: TabSnapshot): TabSnapshot {
  const kpiColumn = [...before.kpiColumn];
  let lastUsedRow = before.lastUsedRow ?? 0;
  for (const write of plan.writes) {
    if (write.column === 1) kpiColumn[write.row - 1] = write.value === null ? null : String(write.value);
    if (write.column <= 2 && write.value !== null) lastUsedRow = Math.max(lastUsedRow, write.row);
  }
  return { headerRow: ['KPI', 'Name', '2026-11-22'], kpiColumn: Array.from(kpiColumn, (cell) => cell ?? null), lastUsedRow };
}

describe('week changes', () => {
  test('up, down and unchanged, in the unit of the KPI', () => {
    assert.deepEqual(weekChange(15, 13, 'integer'), { arrow: '▲', text: '+2 (+15.4%)', delta: 2 });
    assert.deepEqual(weekChange(0.1146, 0.1354, 'percent')?.text, '−2.1 pp (−15.4%)');
    assert.equal(weekChange(1200, 1000, 'currency')?.text, '+200.00 (+20%)');
    assert.equal(weekChange(0.3, 0.1 + 0.2, 'decimal')?.arrow, '=', 'floating-point noise is no change');
    assert.equal(weekChange(3, 0, 'integer')?.text, '+3', 'no relative change from zero');
    assert.equal(weekChange(null, 3, 'integer'), undefined);
  });

  test('the note says what it compares, or why it cannot', () => {
    assert.equal(changeNote(15, 13, '2026-W46', 'integer'), '▲ +2 (+15.4%) vs 2026-W46');
    assert.equal(changeNote(15, 15, '2026-W46', 'integer'), '= no change vs 2026-W46');
    assert.equal(changeNote(15, null, '2026-W46', 'integer'), 'no value in 2026-W46 to compare with');
    assert.equal(changeNote(null, 15, '2026-W46', 'integer'), 'no value this week');
  });
});

describe('planWeekColumn: status and change', () => {
  test('the value cell carries its status as a fill and its change as a note', () => {
    const plan = planWeekColumn({ headerRow: [], kpiColumn: [] }, column(churn(0.12, { status: 'amber', previous: { week: '2026-W46', value: 0.1 } })));
    assert.deepEqual(writeAt(plan, 2, 3), { row: 2, column: 3, value: 0.12, numberFormat: '0.00%', fill: STATUS_FILLS.amber, note: '▲ +2 pp (+20%) vs 2026-W46' });
  });

  test('each status has its own fill; no value removes the fill', () => {
    const fills = (['green', 'amber', 'red'] as const).map((status) => planWeekColumn({ headerRow: [], kpiColumn: [] }, column(churn(0.1, { status }))).writes.find((write) => write.column === 3 && write.row === 2)?.fill);
    assert.deepEqual(fills, ['C6EFCE', 'FFEB9C', 'FFC7CE']);
    assert.equal(writeAt(planWeekColumn({ headerRow: [], kpiColumn: [] }, column(churn(null, { status: 'none' }))), 2, 3).fill, null);
  });

  test('a KPI without a target leaves the fill alone, and without a week before the note', () => {
    const write = writeAt(planWeekColumn({ headerRow: [], kpiColumn: [] }, column(churn(0.1))), 2, 3);
    assert.ok(!('fill' in write) && !('note' in write));
  });
});

describe('planWeekColumn: the legend', () => {
  const kpi = (number: string, value: number) => ({ number, name: `KPI ${number}`, unit: 'integer' as const, value, status: 'green' as const });

  test('one blank row below the KPIs: the label in A, each status with its fill in B', () => {
    const plan = planWeekColumn({ headerRow: [], kpiColumn: [] }, column(kpi('05', 1), kpi('06', 2)));
    assert.deepEqual(writeAt(plan, 5, 1), { row: 5, column: 1, value: LEGEND_LABEL });
    assert.deepEqual(
      LEGEND.map((_, index) => writeAt(plan, 5 + index, 2)),
      LEGEND.map((entry, index) => ({ row: 5 + index, column: 2, value: entry.text, fill: entry.fill ?? null })),
    );
    assert.deepEqual(plan.writes.filter((write) => write.row === 4), [], 'row 4 stays blank');
  });

  test('no KPI with a target and no legend yet: no legend', () => {
    const plan = planWeekColumn({ headerRow: [], kpiColumn: [] }, { header: '2026-11-22', kpis: [{ number: '05', name: 'KPI 05', unit: 'integer', value: 1 }] });
    assert.deepEqual(plan.writes.filter((write) => write.value === LEGEND_LABEL), []);
  });

  test('publishing again writes the legend where it is', () => {
    const first = planWeekColumn({ headerRow: [], kpiColumn: [] }, column(kpi('05', 1), kpi('06', 2)));
    const second = planWeekColumn(applied(first, { headerRow: [], kpiColumn: [] }), column(kpi('05', 1), kpi('06', 2)));
    assert.deepEqual(second.writes, first.writes);
    assert.deepEqual(second.addedRows, []);
  });

  test('a new KPI takes the row after the last KPI and the legend moves down, its old cells emptied of fill', () => {
    const first = planWeekColumn({ headerRow: [], kpiColumn: [] }, column(kpi('05', 1), kpi('06', 2)));
    const second = planWeekColumn(applied(first, { headerRow: [], kpiColumn: [] }), column(kpi('05', 1), kpi('06', 2), kpi('16', 3), kpi('32', 4)));
    assert.deepEqual(second.addedRows, ['16', '32']);
    assert.equal(writeAt(second, 4, 1).value, '16');
    assert.equal(writeAt(second, 5, 1).value, '32');
    assert.equal(writeAt(second, 5, 2).fill, null, 'the legend was here: its fill goes');
    assert.deepEqual(writeAt(second, 6, 2), { row: 6, column: 2, value: null, fill: null }, 'the blank row above the moved legend');
    assert.equal(writeAt(second, 7, 1).value, LEGEND_LABEL);
    for (let row = 7; row < 7 + LEGEND.length; row++) assert.equal(writeAt(second, row, 2).value, LEGEND[row - 7]!.text);
    assert.equal(second.writes.filter((write) => write.value === LEGEND_LABEL).length, 1);
  });

  test('a row someone added below the legend moves the legend below it', () => {
    const first = planWeekColumn({ headerRow: [], kpiColumn: [] }, column(kpi('05', 1)));
    const after = applied(first, { headerRow: [], kpiColumn: [] });
    const withNote = { ...after, lastUsedRow: 10 };
    const second = planWeekColumn(withNote, column(kpi('05', 1)));
    assert.equal(writeAt(second, 12, 1).value, LEGEND_LABEL);
    for (let row = 4; row < 4 + LEGEND.length; row++) assert.deepEqual(writeAt(second, row, 2), { row, column: 2, value: null, fill: null });
  });
});
