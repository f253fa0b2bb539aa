/**
 * Executor benchmark on synthetic graphs. Every task sleeps a fixed time, so the best any
 * scheduler can do is known: max(critical path, total work / concurrency). Reported as ratios
 * in one run, never as absolute times: the executor against that bound, and against the
 * level-by-level barrier (run a whole topological level, wait, run the next) that cron chains
 * and naive orchestrators use.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { DirectedGraph } from 'graphology';
import PQueue from 'p-queue';
import { buildGraph } from '../graph/build.ts';
import type { LoadedDeclaration } from '../graph/build.ts';
import { defineKpi, definePublish, kpi } from '../graph/declare.ts';
import type { InputDeclaration } from '../graph/declare.ts';
import { IsoWeek } from '../graph/iso-week.ts';
import { planTasks, taskLevels } from '../graph/plan.ts';
import type { PlanEdge, Task, TaskGraph } from '../graph/plan.ts';
import { execute } from '../pipeline/executor.ts';

const TASK_MS = 20;
const CONCURRENCY = 8;

/** A seeded random DAG: each task depends on up to three earlier ones, with uneven durations. */
function syntheticGraph(size: number, seed: number): { tasks: TaskGraph; duration: Map<string, number> } {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const tasks: TaskGraph = new DirectedGraph<Task, PlanEdge>();
  const duration = new Map<string, number>();
  const week = IsoWeek.parse('2026-W47');
  // The executor only needs a node to hand to `run`; every synthetic task shares one.
  const declaration = defineKpi({ domain: 'bench', number: 1, name: 'synthetic', unit: 'integer', inputs: {}, compute: () => 0 });
  const node = buildGraph([{ file: 'bench/synthetic.ts', declaration }]).getNodeAttributes('bench.kpi01');
  for (let index = 0; index < size; index++) {
    const id = `t${index}`;
    tasks.addNode(id, { id, node, week, reason: { kind: 'selected' } });
    duration.set(id, TASK_MS * (0.5 + random()));
    for (let edge = 0; edge < 3 && index > 0; edge++) {
      const upstream = `t${Math.floor(random() * index)}`;
      if (random() < 0.7) tasks.mergeDirectedEdge(upstream, id, { input: 'x' });
    }
  }
  return { tasks, duration };
}

function lowerBound(tasks: TaskGraph, duration: Map<string, number>): number {
  const finish = new Map<string, number>();
  for (const level of taskLevels(tasks)) {
    for (const id of level) {
      const start = Math.max(0, ...tasks.inNeighbors(id).map((upstream) => finish.get(upstream)!));
      finish.set(id, start + duration.get(id)!);
    }
  }
  const critical = Math.max(...finish.values());
  const work = [...duration.values()].reduce((sum, ms) => sum + ms, 0) / CONCURRENCY;
  return Math.max(critical, work);
}

async function levelByLevel(tasks: TaskGraph, duration: Map<string, number>): Promise<void> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  for (const level of taskLevels(tasks)) {
    await Promise.all(level.map((id) => queue.add(() => sleep(duration.get(id)!))));
  }
}

async function measure(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Planning cost: a 60-KPI domain with lookback chains, expanded over 104 weeks. */
function planBench(): { tasks: number; ms: number } {
  const loaded: LoadedDeclaration[] = [];
  for (let number = 1; number <= 60; number++) {
    const inputs: Record<string, InputDeclaration> = number > 1 ? { previous: kpi(`plan.kpi${String(number - 1).padStart(2, '0')}`, { weeks: 4 }) } : {};
    loaded.push({ file: `plan/kpi${number}.ts`, declaration: defineKpi({ domain: 'plan', number, name: `k${number}`, unit: 'integer', inputs, compute: () => 0 }) });
  }
  loaded.push({ file: 'plan/publish.ts', declaration: definePublish({ domain: 'plan', scorecard: 'Plan' }) });
  const graph = buildGraph(loaded);
  const weeks = Array.from({ length: 104 }, (_, index) => IsoWeek.parse('2025-W01').add(index));
  const start = performance.now();
  const tasks = planTasks({ graph, selected: new Set(graph.nodes()), weeks, isStored: () => false });
  return { tasks: tasks.order, ms: performance.now() - start };
}

const rows: string[] = [];
for (const size of [200, 600]) {
  const { tasks, duration } = syntheticGraph(size, 42);
  const bound = lowerBound(tasks, duration);
  const ours = await measure(() => execute(tasks, { concurrency: CONCURRENCY, run: (task) => sleep(duration.get(task.id)!) }));
  const barrier = await measure(() => levelByLevel(tasks, duration));
  rows.push(
    `| ${size} tasks, ${tasks.size} edges | ${(ours / bound).toFixed(2)} | ${(barrier / bound).toFixed(2)} | ${(barrier / ours).toFixed(2)}x |`,
  );
}
const plan = planBench();

console.log(`Executor, concurrency ${CONCURRENCY}, tasks of ${TASK_MS / 2}-${(TASK_MS * 3) / 2} ms (ratios; 1.00 = the best possible schedule)\n`);
console.log('| graph | executor / bound | level-by-level / bound | executor speed-up |');
console.log('| --- | --- | --- | --- |');
for (const row of rows) console.log(row);
console.log(`\nPlanning: ${plan.tasks} tasks (60 KPIs with 4-week lookback chains x 104 weeks) in ${plan.ms.toFixed(0)} ms`);
