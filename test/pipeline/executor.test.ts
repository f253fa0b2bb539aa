import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { buildGraph } from '../../graph/build.ts';
import { defineKpi } from '../../graph/declare.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import { TaskGraph } from '../../graph/plan.ts';
import type { Task } from '../../graph/plan.ts';
import { INTERRUPTED, execute } from '../../pipeline/engine/executor.ts';
import type { Pool } from '../../pipeline/engine/executor.ts';

const node = buildGraph([
  { file: 'test.ts', declaration: defineKpi({ domain: 'test', number: 1, name: 'n', unit: 'integer', inputs: {}, compute: () => 0 }) },
]).getNodeAttributes('test.kpi01');
const week = IsoWeek.parse('2026-W47');

/** A task graph from `a>b` edges; every id in `ids` is a task. */
function graph(ids: string[], edges: string[] = []): TaskGraph {
  const tasks = new TaskGraph();
  for (const id of ids) tasks.addNode(id, { id, node, week, reason: { kind: 'selected' } });
  for (const edge of edges) {
    const [from, to] = edge.split('>') as [string, string];
    tasks.mergeDirectedEdge(from, to, { input: 'x' });
  }
  return tasks;
}

/** Runs tasks that sleep `ms`, recording the order of starts and ends and the peak in flight. */
function recorder(ms = 15) {
  const events: string[] = [];
  let running = 0;
  let peak = 0;
  return {
    events,
    peak: () => peak,
    run: async (task: Task) => {
      events.push(`start ${task.id}`);
      peak = Math.max(peak, ++running);
      await sleep(ms);
      running--;
      events.push(`end ${task.id}`);
      return task.id;
    },
  };
}

describe('execute', () => {
  test('a task starts only after every task it depends on has ended', async () => {
    const tasks = graph(['a', 'b', 'c', 'd'], ['a>c', 'b>c', 'c>d']);
    const { events, run } = recorder();
    const results = await execute(tasks, { concurrency: 4, run });
    assert.deepEqual([...results.values()].map((result) => result.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const at = (event: string) => events.indexOf(event);
    assert.ok(at('start c') > at('end a') && at('start c') > at('end b'));
    assert.ok(at('start d') > at('end c'));
    assert.equal(results.get('d')?.value, 'd');
  });

  test('a failure blocks its descendants only; the other branch runs to the end', async () => {
    const tasks = graph(['a', 'b', 'c', 'd', 'e'], ['a>b', 'b>c', 'd>e']);
    const results = await execute(tasks, {
      concurrency: 2,
      run: async (task) => {
        if (task.id === 'a') throw new Error('boom');
        return task.id;
      },
    });
    assert.equal(results.get('a')?.status, 'failed');
    assert.equal(results.get('a')?.error?.message, 'boom');
    assert.deepEqual([results.get('b')?.status, results.get('b')?.blockedBy], ['blocked', 'a']);
    assert.deepEqual([results.get('c')?.status, results.get('c')?.blockedBy], ['blocked', 'a']);
    assert.equal(results.get('e')?.status, 'succeeded');
  });

  test('a value that fails a blocking check is settled with it, as `check failed`, and blocks the descendants like a failure', async () => {
    const tasks = graph(['a', 'b', 'c', 'd'], ['a>b', 'b>c', 'd>c']);
    const settled: string[] = [];
    const results = await execute(tasks, {
      concurrency: 2,
      run: async (task) => (task.id === 'a' ? 99 : 1),
      checkFailed: (value) => value > 10,
      settle: async (result) => void settled.push(`${result.task.id}:${result.status}:${result.value ?? '-'}`),
    });
    assert.deepEqual([results.get('a')?.status, results.get('a')?.value], ['check failed', 99]);
    assert.deepEqual([results.get('b')?.status, results.get('b')?.blockedBy], ['blocked', 'a']);
    assert.deepEqual([results.get('c')?.status, results.get('c')?.blockedBy], ['blocked', 'a']);
    assert.equal(results.get('d')?.status, 'succeeded');
    assert.ok(settled.includes('a:check failed:99'), 'the value goes to settle, to be stored');
  });

  test('never more tasks in flight than the concurrency', async () => {
    for (const concurrency of [1, 3]) {
      const { peak, run } = recorder(10);
      await execute(graph(['a', 'b', 'c', 'd', 'e', 'f']), { concurrency, run });
      assert.equal(peak(), concurrency);
    }
  });

  test('a pool narrows the global limit for its tasks; several pools never deadlock', async () => {
    const ids = ['p1', 'p2', 'p3', 'q1', 'q2', 'free1', 'free2'];
    let inPool = 0;
    let poolPeak = 0;
    let overall = 0;
    let overallPeak = 0;
    const pools = (task: Task): Pool[] => [
      ...(task.id.startsWith('p') || task.id.startsWith('q') ? [{ name: 'sheets', concurrency: 1 }] : []),
      ...(task.id.startsWith('q') ? [{ name: 'publish:q', concurrency: 1 }] : []),
    ];
    const results = await execute(graph(ids), {
      concurrency: 4,
      poolsOf: pools,
      run: async (task) => {
        const pooled = pools(task).length > 0;
        if (pooled) poolPeak = Math.max(poolPeak, ++inPool);
        overallPeak = Math.max(overallPeak, ++overall);
        await sleep(10);
        overall--;
        if (pooled) inPool--;
        return null;
      },
    });
    assert.equal(poolPeak, 1, 'one sheets call at a time');
    assert.ok(overallPeak >= 2, 'unpooled tasks still ran beside the pooled ones');
    assert.equal([...results.values()].filter((result) => result.status === 'succeeded').length, ids.length);
  });

  test('tasks that run last wait until no other task waits for a slot, then start together without taking one', async () => {
    const order: string[] = [];
    let lastInFlight = 0;
    let lastPeak = 0;
    const results = await execute(graph(['k1', 'k2', 'k3', 'k4', 'p1', 'p2', 'p3'], ['k1>p1', 'k2>p2', 'k3>p3']), {
      concurrency: 1,
      runsLast: (task) => task.id.startsWith('p'),
      run: async (task) => {
        order.push(task.id);
        if (task.id.startsWith('p')) {
          lastPeak = Math.max(lastPeak, ++lastInFlight);
          await sleep(5);
          lastInFlight--;
        }
        return null;
      },
    });
    assert.deepEqual(order.slice(0, 3), ['k1', 'k2', 'k3'], 'p1 and p2 were ready early but waited for the queued k tasks');
    assert.ok(order.indexOf('p1') > order.indexOf('k3'));
    assert.equal(lastPeak, 3, 'the three ran at once beyond the concurrency of 1: they take no global slot');
    assert.equal([...results.values()].filter((result) => result.status === 'succeeded').length, 7);
  });

  test('a task whose settle fails counts as failed and blocks its descendants', async () => {
    const settled: string[] = [];
    const results = await execute(graph(['a', 'b'], ['a>b']), {
      concurrency: 1,
      run: async (task) => task.id,
      settle: async (result) => {
        settled.push(`${result.task.id}:${result.status}`);
        if (result.task.id === 'a' && result.status === 'succeeded') throw new Error('cannot write');
      },
    });
    assert.equal(results.get('a')?.status, 'failed');
    assert.equal(results.get('a')?.error?.message, 'cannot write');
    assert.equal(results.get('a')?.value, undefined);
    assert.equal(results.get('b')?.status, 'blocked');
    assert.deepEqual(settled, ['a:succeeded', 'a:failed']);
  });

  test('after an interrupt nothing new starts; what did not run is blocked as interrupted', async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const results = await execute(graph(['a', 'b', 'c'], ['a>b', 'b>c']), {
      concurrency: 1,
      signal: controller.signal,
      run: async (task) => {
        started.push(task.id);
        controller.abort();
        return task.id;
      },
    });
    assert.deepEqual(started, ['a']);
    assert.equal(results.get('a')?.status, 'succeeded');
    assert.deepEqual([results.get('b')?.status, results.get('b')?.blockedBy], ['blocked', INTERRUPTED]);
    assert.deepEqual([results.get('c')?.status, results.get('c')?.blockedBy], ['blocked', INTERRUPTED]);
  });

  test('tasks that never leave the microtask queue (an embedded warehouse answering) still let a stop request in', async () => {
    const stop = new AbortController();
    const ids = Array.from({ length: 200 }, (_, index) => `t${index}`);
    const started: string[] = [];
    // A timer: it fires only when the event loop gets a turn, as a signal's handler does.
    setTimeout(() => stop.abort(), 0);
    const results = await execute(graph(ids, ids.slice(1).map((id, index) => `${ids[index]}>${id}`)), {
      concurrency: 1,
      stop: stop.signal,
      run: async (task) => {
        started.push(task.id);
        for (let step = 0; step < 100; step++) await Promise.resolve();
        return task.id;
      },
    });
    assert.ok(started.length < ids.length, `the stop came in after ${started.length} of ${ids.length} tasks`);
    assert.deepEqual([results.get('t199')?.status, results.get('t199')?.blockedBy], ['blocked', INTERRUPTED]);
  });

  test('a task cancelled by a second stop request is interrupted, not failed', async () => {
    const cancel = new AbortController();
    const results = await execute(graph(['a', 'b'], ['a>b']), {
      concurrency: 1,
      signal: cancel.signal,
      run: (_task, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          cancel.abort(new Error('SIGINT'));
        }),
    });
    assert.deepEqual([results.get('a')?.status, results.get('a')?.blockedBy], ['blocked', INTERRUPTED]);
    assert.deepEqual([results.get('b')?.status, results.get('b')?.blockedBy], ['blocked', INTERRUPTED]);
  });

  test('an empty graph finishes at once', async () => {
    assert.equal((await execute(graph([]), { concurrency: 2, run: async () => null })).size, 0);
  });
});

describe('a chain of 10,000 tasks', () => {
  const ids = Array.from({ length: 10_000 }, (_, index) => `t${index}`);
  const chain = graph(ids, ids.slice(1).map((id, index) => `${ids[index]}>${id}`));

  test('runs every task, in order', async () => {
    const order: string[] = [];
    const results = await execute(chain, { concurrency: 4, run: async (task) => order.push(task.id) });
    assert.deepEqual(order, ids);
    assert.ok([...results.values()].every((result) => result.status === 'succeeded'));
  });

  test('a failing first task blocks the other 9,999 without overflowing the stack', async () => {
    let runs = 0;
    const results = await execute(chain, {
      concurrency: 4,
      run: async () => {
        runs++;
        throw new Error('first fails');
      },
    });
    assert.equal(runs, 1);
    assert.equal(results.get('t0')?.status, 'failed');
    const blocked = [...results.values()].filter((result) => result.status === 'blocked');
    assert.equal(blocked.length, 9_999);
    assert.ok(blocked.every((result) => result.blockedBy === 't0'));
  });
});
