/**
 * The engine in-process, on synthetic graphs: the executor's own overhead against p-graph, its
 * makespan against the best possible schedule, and the time from declarations to a plan.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DirectedGraph } from 'graphology';
import PQueue from 'p-queue';
import { PGraph } from 'p-graph';
import { buildGraph } from '../graph/build.ts';
import type { LoadedDeclaration, PipelineGraph } from '../graph/build.ts';
import { defineKpi, definePublish, kpi, table } from '../graph/declare.ts';
import type { InputDeclaration } from '../graph/declare.ts';
import { kpiId } from '../graph/ids.ts';
import { IsoWeek } from '../graph/iso-week.ts';
import { TaskGraph, planTasks, taskLevels } from '../graph/plan.ts';
import { execute } from '../pipeline/engine/executor.ts';
import { constant, inTurns, ratios, summarize, timed } from './measure.ts';
import type { Row } from './measure.ts';

const WEEK = IsoWeek.parse('2026-W47');
const CONCURRENCY = 8;
const TASK_MS = 20;

/** A seeded pseudo-random sequence in [0, 1): the same graphs on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** A seeded random DAG: each task depends on up to three earlier ones, with uneven durations. */
function syntheticGraph(size: number, seed: number): { tasks: TaskGraph; duration: Map<string, number> } {
  const random = seeded(seed);
  const tasks = new TaskGraph();
  const duration = new Map<string, number>();
  // The executor only needs a node to hand to `run`; every synthetic task shares one.
  const declaration = defineKpi({ domain: 'bench', number: 1, name: 'synthetic', unit: 'integer', inputs: {}, compute: () => 0 });
  const node = buildGraph([{ file: 'bench/synthetic.ts', declaration }]).getNodeAttributes('bench.kpi01');
  for (let index = 0; index < size; index++) {
    const id = `t${index}`;
    tasks.addNode(id, { id, node, week: WEEK, reason: { kind: 'selected' } });
    duration.set(id, TASK_MS * (0.5 + random()));
    for (let edge = 0; edge < 3 && index > 0; edge++) {
      const upstream = `t${Math.floor(random() * index)}`;
      if (random() < 0.7) tasks.mergeDirectedEdge(upstream, id, { input: 'x' });
    }
  }
  return { tasks, duration };
}

/** max(critical path, total work / concurrency): no scheduler can finish sooner. */
function bestPossible(tasks: TaskGraph, duration: Map<string, number>): number {
  const finish = new Map<string, number>();
  for (const level of taskLevels(tasks)) {
    for (const id of level) {
      const start = Math.max(0, ...tasks.inNeighbors(id).map((upstream) => finish.get(upstream)!));
      finish.set(id, start + duration.get(id)!);
    }
  }
  const work = [...duration.values()].reduce((sum, ms) => sum + ms, 0) / CONCURRENCY;
  return Math.max(Math.max(...finish.values()), work);
}

/** What cron chains and naive orchestrators do: run a whole topological level, wait, run the next. */
async function levelByLevel(tasks: TaskGraph, duration: Map<string, number>): Promise<void> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  for (const level of taskLevels(tasks)) await Promise.all(level.map((id) => queue.add(() => sleep(duration.get(id)!))));
}

/** The executor against p-graph on the same DAG of tasks that do nothing: what is left is each scheduler's own cost. */
export async function schedulerOverhead(size: number, turns: number): Promise<Row> {
  const { tasks } = syntheticGraph(size, 7);
  const dependencies: [string, string][] = tasks.mapEdges((source, target) => [source, target]);
  const noop = async () => undefined;
  const samples = await inTurns(
    turns,
    () => timed(() => execute(tasks, { concurrency: CONCURRENCY, run: noop })),
    () => timed(() => new PGraph(new Map(tasks.mapNodes((id) => [id, {}])), dependencies).run({ concurrency: CONCURRENCY, run: noop })),
  );
  return {
    section: 'Scheduler',
    measure: `overhead, ${size.toLocaleString('en')} no-op tasks (${tasks.size.toLocaleString('en')} edges), concurrency ${CONCURRENCY}`,
    unit: 'ms',
    ours: summarize(samples.ours),
    against: { label: 'p-graph', value: summarize(samples.peer) },
    ratio: ratios(samples.ours, samples.peer),
    target: '≤ 1.00',
  };
}

/** Makespan on tasks that sleep 10–30 ms: the executor and a level-by-level barrier, each against the best possible schedule. */
export async function makespan(size: number, turns: number): Promise<Row[]> {
  const { tasks, duration } = syntheticGraph(size, 42);
  const bound = bestPossible(tasks, duration);
  const samples = await inTurns(
    turns,
    () => timed(() => execute(tasks, { concurrency: CONCURRENCY, run: (task) => sleep(duration.get(task.id)!) })),
    () => timed(() => levelByLevel(tasks, duration)),
  );
  const graph = `${size} tasks of ${TASK_MS / 2}–${(TASK_MS * 3) / 2} ms, ${tasks.size} edges, concurrency ${CONCURRENCY}`;
  return [
    { section: 'Scheduler', measure: `makespan, ${graph}`, unit: 'ms', ours: summarize(samples.ours), against: { label: 'best possible', value: constant(bound) }, ratio: ratios(samples.ours, [bound]), target: '' },
    { section: 'Scheduler', measure: `level-by-level barrier, ${graph}`, unit: 'ms', ours: summarize(samples.peer), against: { label: 'best possible', value: constant(bound) }, ratio: ratios(samples.peer, [bound]), target: '' },
  ];
}

/**
 * Declarations of `size` KPIs over many domains, each reading three inputs: two earlier KPIs
 * (one over a 4-week window) and a table, plus a publish per domain.
 */
function syntheticDeclarations(size: number): LoadedDeclaration[] {
  const random = seeded(11);
  const perDomain = 99;
  const ids: string[] = [];
  const loaded: LoadedDeclaration[] = [];
  for (let index = 0; index < size; index++) {
    const domain = `d${Math.floor(index / perDomain)}`;
    const number = (index % perDomain) + 1;
    const inputs: Record<string, InputDeclaration> = { rows: table(`stg_bench.t${index % 50}`) };
    if (index > 1) {
      inputs.trend = kpi(ids[Math.floor(random() * index)]!, { weeks: 4 });
      inputs.base = kpi(ids[Math.floor(random() * index)]!);
    }
    ids.push(kpiId(domain, number));
    loaded.push({ file: `bench/${domain}/kpi${number}.ts`, declaration: defineKpi({ domain, number, name: `k${index}`, unit: 'integer', inputs, compute: () => 0 }) });
    if (number === 1) loaded.push({ file: `bench/${domain}/publish.ts`, declaration: definePublish({ domain, scorecard: domain }) });
  }
  return loaded;
}

/** Copies of a graph's nodes and edges into an empty graphology graph: what graphology alone takes to hold them. */
function copyGraph(graph: PipelineGraph | TaskGraph): void {
  const copy = new DirectedGraph();
  graph.forEachNode((id, attributes) => copy.addNode(id, attributes));
  if (graph instanceof TaskGraph) graph.forEachEdge((source, target, attributes) => copy.addDirectedEdge(source, target, attributes));
  else graph.forEachEdge((_edge, attributes, source, target) => copy.addDirectedEdge(source, target, attributes));
}

/**
 * Declarations to plan (build and validate the graph, select everything, plan one week), against
 * a bound; and against graphology alone holding the same two graphs, the floor under both.
 */
export async function planTime(size: number, bound: { label: string; ms: number }, turns: number): Promise<Row[]> {
  const loaded = syntheticDeclarations(size);
  const samples = await inTurns(
    turns,
    () =>
      timed(() => {
        const graph = buildGraph(loaded);
        planTasks({ graph, selected: new Set(graph.nodes()), weeks: [WEEK], isStored: () => true });
      }),
    async () => {
      const graph = buildGraph(loaded);
      const tasks = planTasks({ graph, selected: new Set(graph.nodes()), weeks: [WEEK], isStored: () => true });
      return timed(() => {
        copyGraph(graph);
        copyGraph(tasks);
      });
    },
  );
  const graph = buildGraph(loaded);
  const tasks = planTasks({ graph, selected: new Set(graph.nodes()), weeks: [WEEK], isStored: () => true });
  const what = `${size.toLocaleString('en')} KPIs with 3 inputs each, declarations to plan (${tasks.order.toLocaleString('en')} tasks, ${(graph.size + tasks.size).toLocaleString('en')} edges in all)`;
  return [
    { section: 'Planning', measure: what, unit: 'ms', ours: summarize(samples.ours), against: { label: bound.label, value: constant(bound.ms) }, ratio: ratios(samples.ours, [bound.ms]), target: '< 1.00' },
    {
      section: 'Planning',
      measure: `${what}, against the floor`,
      unit: 'ms',
      ours: summarize(samples.ours),
      against: { label: 'graphology alone adding the same nodes and edges', value: summarize(samples.peer) },
      ratio: ratios(samples.ours, samples.peer),
      target: '≤ 2.00',
    },
  ];
}
