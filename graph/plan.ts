import type { PipelineGraph, PipelineNode } from './build.ts';
import { readsPreviousWeek } from './declare.ts';
import type { IsoWeek } from './iso-week.ts';
import { TaskGraph } from './task-graph.ts';
import type { Task, TaskReason } from './task-graph.ts';

export { TaskGraph } from './task-graph.ts';
export type { PlanEdge, Task, TaskReason } from './task-graph.ts';

export interface PlanRequest {
  readonly graph: PipelineGraph;
  readonly selected: ReadonlySet<string>;
  readonly weeks: readonly IsoWeek[];
  /** Earlier weeks rechecked for late-arriving data (see TaskReason `restate`). */
  readonly restateWeeks?: readonly IsoWeek[];
  /** Exactly these node-weeks (a publish's destination too, when given) instead of every selected node for every week (a retry). */
  readonly only?: readonly { readonly nodeId: string; readonly week: IsoWeek; readonly destination?: string }[];
  /** Where a domain's scorecard is published: one publish task per destination; without it, one publish task with none. */
  readonly destinationsOf?: (domain: string) => readonly string[];
  /** Whether the warehouse already holds a value of this KPI for this week. */
  readonly isStored: (nodeId: string, week: IsoWeek) => boolean;
  /** The first week with source data: a lookback into earlier weeks reads no value rather than computing one. */
  readonly firstWeek?: IsoWeek;
}

/** `success.kpi06@2026-W47`, `success.publish@2026-W47:google`, `table:stg_x.y`. */
export function taskId(nodeId: string, week?: IsoWeek, destination?: string): string {
  return week === undefined ? nodeId : `${nodeId}@${week.id}${destination === undefined ? '' : `:${destination}`}`;
}

/**
 * Expands the selected nodes into one task per node per week (per destination, for a
 * publish), with edges across weeks for lookback windows and for checks that compare with the
 * week before. Upstream weeks a task reads that are neither planned nor stored are added
 * (reason `lookback`) so they are computed first; stored ones are read, not rerun. A check
 * never adds a week: it reads what is stored.
 */
export function planTasks(request: PlanRequest): TaskGraph {
  const { graph, selected, weeks, isStored, firstWeek, only } = request;
  const tasks = new TaskGraph();
  const pending: Task[] = [];
  // Node-week tasks by week id and node id. Most weeks a lookback or a check asks about are not
  // planned, and asking here builds no task id: at 10,000 KPIs, building and hashing those ids was a third of planning.
  const weekly = new Map<string, Map<string, string>>();
  const plannedTask = (nodeId: string, week: IsoWeek): string | undefined => weekly.get(week.id)?.get(nodeId);
  // The weeks from each week back, newest first, as far as a window has asked: IsoWeek.add builds a string per call.
  const weeksBackFrom = new Map<IsoWeek, IsoWeek[]>();
  const weeksBack = (week: IsoWeek, count: number): readonly IsoWeek[] => {
    let back = weeksBackFrom.get(week);
    if (!back) weeksBackFrom.set(week, (back = [week]));
    while (back.length < count) back.push(back[back.length - 1]!.add(-1));
    return back;
  };

  const addTask = (node: PipelineNode, week: IsoWeek | undefined, reason: TaskReason, destination?: string): string => {
    const id = taskId(node.id, week, destination);
    if (!tasks.hasNode(id)) {
      const task: Task = { id, node, ...(week === undefined ? {} : { week }), ...(destination === undefined ? {} : { destination }), reason };
      tasks.addNode(id, task);
      pending.push(task);
      if (week !== undefined && destination === undefined) {
        const ofWeek = weekly.get(week.id);
        if (ofWeek) ofWeek.set(node.id, id);
        else weekly.set(week.id, new Map([[node.id, id]]));
      }
    }
    return id;
  };

  type Seed = NonNullable<PlanRequest['only']>[number] & { readonly reason: TaskReason };
  const seedsOf = (seedWeeks: readonly IsoWeek[], reason: TaskReason): Seed[] =>
    seedWeeks.flatMap((week) => [...selected].map((nodeId) => ({ nodeId, week, reason })));
  const seeds: Seed[] = only
    ? only.map((seed) => ({ ...seed, reason: { kind: 'selected' } }))
    : [...seedsOf(weeks, { kind: 'selected' }), ...seedsOf(request.restateWeeks ?? [], { kind: 'restate' })];
  for (const seed of seeds) {
    const node = graph.getNodeAttributes(seed.nodeId);
    if (node.kind === 'kpi') addTask(node, seed.week, seed.reason);
    if (node.kind === 'model') addTask(node, undefined, seed.reason);
    if (node.kind === 'publish') {
      for (const destination of request.destinationsOf?.(node.declaration.domain) ?? [undefined]) {
        if (seed.destination === undefined || seed.destination === destination) addTask(node, seed.week, seed.reason, destination);
      }
    }
  }
  // Selected tasks come first so that a week both selected and read by another is `selected`.
  for (let next = 0; next < pending.length; next++) {
    const task = pending[next]!;
    if (task.week === undefined && task.node.kind !== 'model') continue;
    const week = task.week;
    graph.forEachInboundEdge(task.node.id, (_edge, { input, weeks: window }, _source, _target, upstream) => {
      // Sources and models have no week: one task each per run, read by every week.
      if (upstream.kind === 'table' || upstream.kind === 'sheet' || upstream.kind === 'model') {
        tasks.mergeDirectedEdge(addTask(upstream, undefined, { kind: upstream.kind === 'model' ? 'model' : 'source' }), task.id, { input });
        return;
      }
      if (week === undefined) return;
      const reads = weeksBack(week, window);
      for (let back = 0; back < window; back++) {
        const read = reads[back]!;
        if (firstWeek && read.compare(firstWeek) < 0) break;
        const upstreamTask = plannedTask(upstream.id, read) ?? (isStored(upstream.id, read) ? undefined : addTask(upstream, read, { kind: 'lookback', for: task.id }));
        if (upstreamTask !== undefined) tasks.mergeDirectedEdge(upstreamTask, task.id, { input });
      }
    });
  }
  // A check comparing with the week before reads that week's value: when the plan computes that week too, it goes first.
  const comparing = tasks.filterNodes((_id, task) => task.week !== undefined && task.node.kind === 'kpi' && readsPreviousWeek(task.node.declaration));
  for (const id of comparing) {
    const { node, week } = tasks.getNodeAttributes(id);
    const previous = plannedTask(node.id, week!.add(-1));
    if (previous !== undefined) tasks.mergeDirectedEdge(previous, id, { input: 'checks' });
  }
  waitForTheWeekBefore(graph, tasks, plannedTask);
  return tasks;
}

/**
 * A publish notes each value's change from the week before: when the plan computes that week
 * too, the publish waits for it. It never adds a task: an unplanned week is read as stored.
 */
function waitForTheWeekBefore(graph: PipelineGraph, tasks: TaskGraph, plannedTask: (nodeId: string, week: IsoWeek) => string | undefined): void {
  const publishes = tasks.filterNodes((_id, task) => task.node.kind === 'publish' && task.week !== undefined);
  for (const id of publishes) {
    const { node, week } = tasks.getNodeAttributes(id);
    const weekBefore = week!.add(-1);
    for (const upstream of graph.inNeighbors(node.id)) {
      const before = plannedTask(upstream, weekBefore);
      if (before !== undefined) tasks.mergeDirectedEdge(before, id, { input: 'week before' });
    }
  }
}

/** Task ids by level: every task depends only on tasks of earlier levels. */
export function taskLevels(tasks: TaskGraph): string[][] {
  return tasks.generations().map((level) => level.sort());
}
