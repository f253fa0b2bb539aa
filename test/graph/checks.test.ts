/** The checks a KPI declares: what each says of a value, their severities, and how a plan orders weeks a check compares. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraph } from '../../graph/build.ts';
import { between, check, defineKpi, maxChange, notNull, readsPreviousWeek, table } from '../../graph/declare.ts';
import type { CheckContext } from '../../graph/declare.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import { planTasks } from '../../graph/plan.ts';

const after = (previous: number | null): CheckContext => ({ week: '2026-W10', previous: { week: '2026-W09', value: previous } });
const none = after(null);

describe('checks', () => {
  test('notNull and between: error by default, warn on request; no value passes between', () => {
    assert.equal(notNull().test(null, none), 'value is null');
    assert.equal(notNull().test(0, none), undefined);
    assert.equal(notNull().severity, 'error');
    const range = between(0, 1, { severity: 'warn' });
    assert.deepEqual([range.name, range.severity, range.readsPreviousWeek], ['between(0, 1)', 'warn', false]);
    assert.equal(range.test(1.5, none), 'value 1.5 is outside 0..1');
    assert.equal(range.test(0.1 + 0.2 + 1, none), 'value 1.3 is outside 0..1', 'no floating-point noise in the message');
    assert.equal(range.test(null, none), undefined);
    assert.equal(range.test(1, none), undefined);
  });

  test('maxChange by ratio compares with the week before; nothing to compare passes; any change from 0 fails', () => {
    const half = maxChange({ ratio: 0.5 });
    assert.deepEqual([half.name, half.severity, half.readsPreviousWeek], ['maxChange(ratio: 0.5)', 'error', true]);
    assert.equal(half.test(15, after(10)), undefined, 'exactly 50%');
    assert.equal(half.test(16, after(10)), 'changed by 60% from 10 in 2026-W09 to 16, more than 50%');
    assert.equal(half.test(4, after(10)), 'changed by 60% from 10 in 2026-W09 to 4, more than 50%');
    assert.equal(half.test(-16, after(-10)), 'changed by 60% from -10 in 2026-W09 to -16, more than 50%');
    assert.equal(half.test(16, none), undefined, 'no value the week before');
    assert.equal(half.test(null, after(10)), undefined, 'no value this week: notNull says whether that fails');
    assert.equal(half.test(0, after(0)), undefined);
    assert.equal(half.test(1, after(0)), 'changed from 0 in 2026-W09 to 1: any change from 0 is more than 50%');
    assert.equal(maxChange({ ratio: 0.1 }).test(0.33, after(0.3)), undefined, '10% up to floating-point noise');
  });

  test('maxChange by an absolute amount', () => {
    const five = maxChange({ absolute: 5 }, { severity: 'warn' });
    assert.deepEqual([five.name, five.severity], ['maxChange(absolute: 5)', 'warn']);
    assert.equal(five.test(15, after(10)), undefined);
    assert.equal(five.test(16, after(10)), 'changed by 6 from 10 in 2026-W09 to 16, more than 5');
    assert.equal(five.test(0.1 + 0.2, after(5.3)), undefined);
  });

  test('a custom check gets the value and the week before, and counts as reading it', () => {
    const rising = check('not falling', (value, { previous, week }) =>
      value !== null && previous.value !== null && value < previous.value ? `${week} fell from ${previous.value} to ${value}` : undefined,
    );
    assert.deepEqual([rising.name, rising.severity, rising.readsPreviousWeek], ['not falling', 'error', true]);
    assert.equal(rising.test(3, after(4)), '2026-W10 fell from 4 to 3');
    assert.equal(rising.test(5, after(4)), undefined);
    assert.equal(check('x', () => undefined, { severity: 'warn' }).severity, 'warn');
  });

  test('a mistake in a check is an error where it is declared', () => {
    assert.throws(() => between(0, 1, { severity: 'fatal' as 'error' }), /check between\(0, 1\): severity "fatal" must be one of error, warn/);
    assert.throws(() => between(5, 1), /min <= max/);
    assert.throws(() => maxChange({} as { ratio: number }), /give one of \{ ratio \} or \{ absolute \}/);
    assert.throws(() => maxChange({ ratio: 0.5, absolute: 3 } as unknown as { ratio: number }), /give one of/);
    assert.throws(() => maxChange({ ratio: -1 }), /at least 0/);
    assert.throws(() => check('', () => undefined), /needs a name/);
  });
});

describe('a check that compares with the week before, in a plan', () => {
  const declaration = (checks: Parameters<typeof defineKpi>[0]['checks']) =>
    defineKpi({ domain: 'ops', number: 1, name: 'Tickets', unit: 'integer', inputs: { tickets: table('stg_ops.tickets') }, checks, compute: () => 1 });
  const weeks = [IsoWeek.parse('2026-W09'), IsoWeek.parse('2026-W10'), IsoWeek.parse('2026-W11')];

  test('orders each week after the week before when the plan has it, and adds no week', () => {
    const comparing = declaration([notNull(), maxChange({ ratio: 0.5 })]);
    assert.equal(readsPreviousWeek(comparing), true);
    const graph = buildGraph([{ file: 'nodes/ops/kpi01.ts', declaration: comparing }]);
    const tasks = planTasks({ graph, selected: new Set(['ops.kpi01']), weeks, isStored: () => false });
    assert.deepEqual(tasks.nodes().filter((id) => id.startsWith('ops.')).sort(), ['ops.kpi01@2026-W09', 'ops.kpi01@2026-W10', 'ops.kpi01@2026-W11']);
    assert.deepEqual(tasks.inNeighbors('ops.kpi01@2026-W09'), ['table:stg_ops.tickets']);
    assert.deepEqual(tasks.inNeighbors('ops.kpi01@2026-W10').sort(), ['ops.kpi01@2026-W09', 'table:stg_ops.tickets']);
    assert.equal(tasks.getEdgeAttributes('ops.kpi01@2026-W10', 'ops.kpi01@2026-W11').input, 'checks');
  });

  test('leaves weeks independent when no check compares', () => {
    const plain = declaration([notNull(), between(0, 10)]);
    assert.equal(readsPreviousWeek(plain), false);
    const graph = buildGraph([{ file: 'nodes/ops/kpi01.ts', declaration: plain }]);
    const tasks = planTasks({ graph, selected: new Set(['ops.kpi01']), weeks, isStored: () => false });
    assert.deepEqual(tasks.inNeighbors('ops.kpi01@2026-W10'), ['table:stg_ops.tickets']);
  });
});
