/**
 * A chain of 10,000 KPIs, each reading the one before: building (with its cycle check),
 * selecting and planning walk it without recursion, so no RangeError. (Executing it is in
 * test/pipeline/executor.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraph } from '../../graph/build.ts';
import type { LoadedDeclaration } from '../../graph/build.ts';
import { kpi } from '../../graph/declare.ts';
import { DefinitionError } from '../../graph/errors.ts';
import { kpiId } from '../../graph/ids.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import { planTasks, taskId, taskLevels } from '../../graph/plan.ts';
import { selectNodes } from '../../graph/select.ts';
import { kpiFile } from './declarations.ts';

const LENGTH = 10_000;
const WEEK = IsoWeek.parse('2026-W10');

/** The i-th KPI of the chain (0-based): 99 KPIs per domain, as numbers go to 99. */
const idOf = (index: number) => kpiId(domainOf(index), numberOf(index));
const domainOf = (index: number) => `chain${Math.floor(index / 99)}`;
const numberOf = (index: number) => (index % 99) + 1;

/** KPI i reads KPI i-1; with `loop`, the first reads the last. */
function chain(options: { loop?: boolean } = {}): LoadedDeclaration[] {
  return Array.from({ length: LENGTH }, (_, index) => {
    const previous = index > 0 ? index - 1 : options.loop ? LENGTH - 1 : undefined;
    return kpiFile(domainOf(index), numberOf(index), previous === undefined ? {} : { previous: kpi(idOf(previous)) });
  });
}

const FIRST = idOf(0);
const LAST = idOf(LENGTH - 1);

describe(`a chain of ${LENGTH} KPIs`, () => {
  const graph = buildGraph(chain());

  test('builds', () => {
    assert.equal(graph.order, LENGTH);
    assert.equal(graph.size, LENGTH - 1);
  });

  test('closed into a loop, the cycle is found with its whole path', () => {
    assert.throws(
      () => buildGraph(chain({ loop: true })),
      (error: Error) => {
        assert.ok(error instanceof DefinitionError);
        const path = /dependency cycle: (\S+(?: -> \S+)*)/.exec(error.message)?.[1]?.split(' -> ');
        assert.equal(path?.length, LENGTH + 1);
        assert.equal(path?.[0], path?.at(-1));
        return true;
      },
    );
  });

  test('selects every ancestor of the last and every descendant of the first', () => {
    assert.equal(selectNodes(graph, [`+${LAST}`]).size, LENGTH);
    assert.equal(selectNodes(graph, [`${FIRST}+`]).size, LENGTH);
    assert.equal(selectNodes(graph, [`@${idOf(5000)}`]).size, LENGTH);
  });

  test('plans one task per KPI, one level each', () => {
    const tasks = planTasks({ graph, selected: new Set(graph.nodes()), weeks: [WEEK], isStored: () => false });
    assert.equal(tasks.order, LENGTH);
    const levels = taskLevels(tasks);
    assert.equal(levels.length, LENGTH);
    assert.deepEqual(levels[0], [taskId(FIRST, WEEK)]);
    assert.deepEqual(levels.at(-1), [taskId(LAST, WEEK)]);
  });
});
