import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraph } from '../../graph/build.ts';
import { kpi, table } from '../../graph/declare.ts';
import { IsoWeek, weekRange } from '../../graph/iso-week.ts';
import { planTasks, taskId, taskLevels } from '../../graph/plan.ts';
import type { Task, TaskGraph } from '../../graph/plan.ts';
import { kpiFile, publishFile } from './declarations.ts';

/** table → success.kpi06 → (4 weeks) → success.kpi05; both → success.publish; other.kpi01 unrelated. */
const graph = buildGraph([
  kpiFile('success', 6, { submissions: table('stg_forms.offboarding_submissions') }),
  kpiFile('success', 5, { forms: kpi('success.kpi06', { weeks: 4 }) }),
  publishFile('success'),
  kpiFile('other', 1, { submissions: table('stg_forms.offboarding_submissions') }),
]);

const W = IsoWeek.parse('2026-W47');
const SOURCE = 'table:stg_forms.offboarding_submissions';
const nothingStored = () => false;
const storedOnly =
  (...ids: string[]) =>
  (nodeId: string, week: IsoWeek) =>
    ids.includes(taskId(nodeId, week));

const ids = (tasks: TaskGraph) => tasks.nodes().sort();
const edges = (tasks: TaskGraph) => tasks.mapEdges((source, target, attributes) => `${source} -> ${target} (${attributes.input})`).sort();
const task = (tasks: TaskGraph, id: string): Task => tasks.getNodeAttributes(id);

/** Every edge goes from an earlier level to a later one, and every task has a level. */
function assertLevelsRespectEdges(tasks: TaskGraph) {
  const levels = taskLevels(tasks);
  const level = new Map(levels.flatMap((level, index) => level.map((id) => [id, index] as const)));
  assert.equal(level.size, tasks.order);
  tasks.forEachEdge((source, target) => assert.ok(level.get(source)! < level.get(target)!, `${source} before ${target}`));
}

describe('planTasks', () => {
  test('taskId: node@week, a publish destination after a colon, or the node id alone for a source', () => {
    assert.equal(taskId('success.kpi05', W), 'success.kpi05@2026-W47');
    assert.equal(taskId('success.publish', W, 'google'), 'success.publish@2026-W47:google');
    assert.equal(taskId(SOURCE), SOURCE);
  });

  test('one week, empty store: the lookback weeks W-3..W of kpi06 are added and feed kpi05@W', () => {
    const tasks = planTasks({ graph, selected: new Set(['success.kpi05']), weeks: [W], isStored: nothingStored });
    assert.deepEqual(ids(tasks), [
      'success.kpi05@2026-W47',
      'success.kpi06@2026-W44',
      'success.kpi06@2026-W45',
      'success.kpi06@2026-W46',
      'success.kpi06@2026-W47',
      SOURCE,
    ]);
    assert.deepEqual(task(tasks, 'success.kpi05@2026-W47').reason, { kind: 'selected' });
    for (const week of ['2026-W44', '2026-W45', '2026-W46', '2026-W47']) {
      const lookback = task(tasks, `success.kpi06@${week}`);
      assert.deepEqual(lookback.reason, { kind: 'lookback', for: 'success.kpi05@2026-W47' });
      assert.equal(lookback.week?.id, week);
      assert.equal(lookback.node.id, 'success.kpi06');
    }
    assert.deepEqual(edges(tasks), [
      'success.kpi06@2026-W44 -> success.kpi05@2026-W47 (forms)',
      'success.kpi06@2026-W45 -> success.kpi05@2026-W47 (forms)',
      'success.kpi06@2026-W46 -> success.kpi05@2026-W47 (forms)',
      'success.kpi06@2026-W47 -> success.kpi05@2026-W47 (forms)',
      `${SOURCE} -> success.kpi06@2026-W44 (submissions)`,
      `${SOURCE} -> success.kpi06@2026-W45 (submissions)`,
      `${SOURCE} -> success.kpi06@2026-W46 (submissions)`,
      `${SOURCE} -> success.kpi06@2026-W47 (submissions)`,
    ]);
    assert.deepEqual(taskLevels(tasks), [
      [SOURCE],
      ['success.kpi06@2026-W44', 'success.kpi06@2026-W45', 'success.kpi06@2026-W46', 'success.kpi06@2026-W47'],
      ['success.kpi05@2026-W47'],
    ]);
  });

  test('one week with W-2 stored: only W-3, W-1 and W are added; the stored week is read, not rerun', () => {
    const tasks = planTasks({
      graph,
      selected: new Set(['success.kpi05']),
      weeks: [W],
      isStored: storedOnly('success.kpi06@2026-W45'),
    });
    assert.deepEqual(ids(tasks), ['success.kpi05@2026-W47', 'success.kpi06@2026-W44', 'success.kpi06@2026-W46', 'success.kpi06@2026-W47', SOURCE]);
    assert.deepEqual(tasks.inNeighbors('success.kpi05@2026-W47').sort(), ['success.kpi06@2026-W44', 'success.kpi06@2026-W46', 'success.kpi06@2026-W47']);
    assertLevelsRespectEdges(tasks);
  });

  test('one week, everything upstream stored: only the selected task, no source', () => {
    const tasks = planTasks({ graph, selected: new Set(['success.kpi05']), weeks: [W], isStored: () => true });
    assert.deepEqual(ids(tasks), ['success.kpi05@2026-W47']);
    assert.equal(tasks.size, 0);
  });

  test('a selected task is planned even when its own value is stored', () => {
    const tasks = planTasks({ graph, selected: new Set(['success.kpi06']), weeks: [W], isStored: () => true });
    assert.deepEqual(ids(tasks), ['success.kpi06@2026-W47', SOURCE]);
    assert.deepEqual(task(tasks, SOURCE).reason, { kind: 'source' });
  });

  test('lookback crosses the year boundary', () => {
    const tasks = planTasks({ graph, selected: new Set(['success.kpi05']), weeks: [IsoWeek.parse('2027-W02')], isStored: nothingStored });
    assert.deepEqual(
      tasks.inNeighbors('success.kpi05@2027-W02').sort(),
      ['success.kpi06@2026-W52', 'success.kpi06@2026-W53', 'success.kpi06@2027-W01', 'success.kpi06@2027-W02'],
    );
  });

  test('a 3-week range: cross-week edges, one task per node and week, one source task', () => {
    const weeks = weekRange(W, W.add(2));
    const tasks = planTasks({ graph, selected: new Set(['success.kpi05', 'success.kpi06']), weeks, isStored: nothingStored });
    assert.deepEqual(ids(tasks), [
      'success.kpi05@2026-W47',
      'success.kpi05@2026-W48',
      'success.kpi05@2026-W49',
      'success.kpi06@2026-W44',
      'success.kpi06@2026-W45',
      'success.kpi06@2026-W46',
      'success.kpi06@2026-W47',
      'success.kpi06@2026-W48',
      'success.kpi06@2026-W49',
      SOURCE,
    ]);
    // Weeks in the range are selected; the earlier ones are there for the lookback only.
    for (const week of ['2026-W47', '2026-W48', '2026-W49']) assert.deepEqual(task(tasks, `success.kpi06@${week}`).reason, { kind: 'selected' });
    for (const week of ['2026-W44', '2026-W45', '2026-W46']) assert.equal(task(tasks, `success.kpi06@${week}`).reason.kind, 'lookback');
    assert.deepEqual(tasks.inNeighbors('success.kpi05@2026-W49').sort(), [
      'success.kpi06@2026-W46',
      'success.kpi06@2026-W47',
      'success.kpi06@2026-W48',
      'success.kpi06@2026-W49',
    ]);
    assert.deepEqual(tasks.outNeighbors('success.kpi06@2026-W47').sort(), ['success.kpi05@2026-W47', 'success.kpi05@2026-W48', 'success.kpi05@2026-W49']);
    assert.deepEqual(tasks.outNeighbors('success.kpi06@2026-W44'), ['success.kpi05@2026-W47']);
    // 3 × 4 window edges + 6 source edges, none twice.
    assert.equal(tasks.size, 18);
    assert.equal(new Set(edges(tasks)).size, 18);
    assert.equal(task(tasks, SOURCE).week, undefined);
    assert.deepEqual(tasks.outNeighbors(SOURCE).length, 6);
    assertLevelsRespectEdges(tasks);
  });

  test('the same plan whichever order the nodes are selected in', () => {
    const weeks = weekRange(W, W.add(2));
    const a = planTasks({ graph, selected: new Set(['success.kpi05', 'success.kpi06']), weeks, isStored: nothingStored });
    const b = planTasks({ graph, selected: new Set(['success.kpi06', 'success.kpi05']), weeks, isStored: nothingStored });
    assert.deepEqual(ids(a), ids(b));
    assert.deepEqual(edges(a), edges(b));
    for (const id of ids(a)) assert.deepEqual(task(a, id).reason, task(b, id).reason, id);
  });

  test('a source read by several KPIs and weeks is one task with no week', () => {
    const tasks = planTasks({ graph, selected: new Set(['success.kpi06', 'other.kpi01']), weeks: weekRange(W, W.add(1)), isStored: nothingStored });
    assert.deepEqual(ids(tasks), ['other.kpi01@2026-W47', 'other.kpi01@2026-W48', 'success.kpi06@2026-W47', 'success.kpi06@2026-W48', SOURCE]);
    const source = task(tasks, SOURCE);
    assert.equal(source.week, undefined);
    assert.equal(source.node.kind, 'table');
    assert.deepEqual(source.reason, { kind: 'source' });
    assert.equal(tasks.outDegree(SOURCE), 4);
  });

  test('a selected source node alone gives no task: sources are loaded for the tasks that read them', () => {
    const tasks = planTasks({ graph, selected: new Set([SOURCE]), weeks: [W], isStored: nothingStored });
    assert.equal(tasks.order, 0);
  });

  test('publish@W depends on every KPI of its domain at W, and at W-1 when the plan computes that week too', () => {
    const tasks = planTasks({ graph, selected: new Set(['success.kpi05', 'success.kpi06', 'success.publish']), weeks: weekRange(W, W.add(1)), isStored: nothingStored });
    assert.deepEqual(tasks.inNeighbors('success.publish@2026-W47').sort(), ['success.kpi05@2026-W47', 'success.kpi06@2026-W46', 'success.kpi06@2026-W47']);
    assert.deepEqual(tasks.inNeighbors('success.publish@2026-W48').sort(), ['success.kpi05@2026-W47', 'success.kpi05@2026-W48', 'success.kpi06@2026-W47', 'success.kpi06@2026-W48']);
    assert.equal(tasks.getEdgeAttributes('success.kpi05@2026-W47', 'success.publish@2026-W48').input, 'week before');
    for (const week of ['2026-W47', '2026-W48']) assert.deepEqual(task(tasks, `success.publish@${week}`).reason, { kind: 'selected' });
    assert.equal(tasks.hasNode('other.kpi01@2026-W47'), false);
    const levels = taskLevels(tasks);
    assert.deepEqual(levels.at(-1), ['success.publish@2026-W47', 'success.publish@2026-W48']);
    assertLevelsRespectEdges(tasks);
  });

  test('publish alone with the week stored reads the stored values; with nothing stored it computes them', () => {
    const stored = planTasks({ graph, selected: new Set(['success.publish']), weeks: [W], isStored: () => true });
    assert.deepEqual(ids(stored), ['success.publish@2026-W47']);
    const empty = planTasks({ graph, selected: new Set(['success.publish']), weeks: [W], isStored: nothingStored });
    assert.deepEqual(empty.inNeighbors('success.publish@2026-W47').sort(), ['success.kpi05@2026-W47', 'success.kpi06@2026-W46', 'success.kpi06@2026-W47']);
    assert.equal(empty.order, 1 + 2 + 3 + 1, 'publish, two KPIs at W, kpi06 at W-3..W-1, the source');
    assert.deepEqual(task(empty, 'success.kpi05@2026-W47').reason, { kind: 'lookback', for: 'success.publish@2026-W47' });
  });

  test('one publish task per destination, each reading the same KPI tasks; a retry can name one destination', () => {
    const destinationsOf = (domain: string) => (domain === 'success' ? ['workbook', 'google'] : ['workbook']);
    const tasks = planTasks({ graph, selected: new Set(['success.kpi06', 'success.publish']), weeks: [W], isStored: () => true, destinationsOf });
    assert.deepEqual(ids(tasks), ['success.kpi06@2026-W47', 'success.publish@2026-W47:google', 'success.publish@2026-W47:workbook', SOURCE]);
    assert.equal(task(tasks, 'success.publish@2026-W47:google').destination, 'google');
    assert.deepEqual(tasks.inNeighbors('success.publish@2026-W47:google'), tasks.inNeighbors('success.publish@2026-W47:workbook'));
    const retry = planTasks({ graph, selected: new Set(), weeks: [], isStored: () => true, destinationsOf, only: [{ nodeId: 'success.publish', week: W, destination: 'google' }] });
    assert.deepEqual(ids(retry), ['success.publish@2026-W47:google']);
  });
});
