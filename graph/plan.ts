import { DirectedGraph } from 'graphology';
import { topologicalGenerations } from 'graphology-dag';
import type { PipelineGraph, PipelineNode } from './build.ts';
import type { IsoWeek } from './iso-week.ts';

/** Why a task is in the plan. */
export type TaskReason =
  | { readonly kind: 'selected' }
  /** An earlier week a weekly run rechecks for late-arriving data: recomputed only if its inputs changed. */
  | { readonly kind: 'restate' }
  /** An upstream week missing from the store that a selected task reads. */
  | { readonly kind: 'lookback'; readonly for: string }
  /** A source that a task reads; sources are loaded, not computed. */
  | { readonly kind: 'source' };

export interface Task {
  /** `success.kpi06@2026-W47`; a source's task id is its node id. */
  readonly id: string;
  readonly node: PipelineNode;
  /** Undefined for sources, which are read once per run whatever the weeks. */
  readonly week?: IsoWeek;
  readonly reason: TaskReason;
}

export interface PlanEdge {
  readonly input: string;
}

export type TaskGraph = DirectedGraph<Task, PlanEdge>;

export interface PlanRequest {
  readonly graph: PipelineGraph;
  readonly selected: ReadonlySet<string>;
  readonly weeks: readonly IsoWeek[];
  /** Earlier weeks rechecked for late-arriving data (see TaskReason `restate`). */
  readonly restateWeeks?: readonly IsoWeek[];
  /** Exactly these node-weeks instead of every selected node for every week (a retry). */
  readonly only?: readonly { readonly nodeId: string; readonly week: IsoWeek }[];
  /** Whether the warehouse already holds a value of this KPI for this week. */
  readonly isStored: (nodeId: string, week: IsoWeek) => boolean;
  /** The first week with source data: a lookback into earlier weeks reads no value rather than computing one. */
  readonly firstWeek?: IsoWeek;
}

export function taskId(nodeId: string, week?: IsoWeek): string {
  return week === undefined ? nodeId : `${nodeId}@${week.id}`;
}

/**
 * Expands the selected nodes into one task per node per week, with edges across weeks for
 * lookback windows. Upstream weeks a task reads that are neither planned nor stored are
 * added (reason `lookback`) so they are computed first; stored ones are read, not rerun.
 */
export function planTasks(request: PlanRequest): TaskGraph {
  const { graph, selected, weeks, isStored, firstWeek, only } = request;
  const tasks: TaskGraph = new DirectedGraph();
  const pending: Task[] = [];

  const addTask = (node: PipelineNode, week: IsoWeek | undefined, reason: TaskReason): string => {
    const id = taskId(node.id, week);
    if (!tasks.hasNode(id)) {
      const task: Task = week === undefined ? { id, node, reason } : { id, node, week, reason };
      tasks.addNode(id, task);
      pending.push(task);
    }
    return id;
  };

  const seedsOf = (seedWeeks: readonly IsoWeek[]) => seedWeeks.flatMap((week) => [...selected].map((nodeId) => ({ nodeId, week })));
  const seeds = [
    ...(only ?? seedsOf(weeks)).map((seed) => ({ ...seed, reason: { kind: 'selected' } as const })),
    ...(only ? [] : seedsOf(request.restateWeeks ?? [])).map((seed) => ({ ...seed, reason: { kind: 'restate' } as const })),
  ];
  for (const { nodeId, week, reason } of seeds) {
    const node = graph.getNodeAttributes(nodeId);
    if (node.kind === 'kpi' || node.kind === 'publish') addTask(node, week, reason);
  }
  // Selected tasks come first so that a week both selected and read by another is `selected`.
  for (let next = 0; next < pending.length; next++) {
    const task = pending[next]!;
    if (task.week === undefined) continue;
    const week = task.week;
    graph.forEachInboundEdge(task.node.id, (_edge, { input, weeks: window }, _source, _target, upstream) => {
      if (upstream.kind === 'table' || upstream.kind === 'sheet') {
        tasks.mergeDirectedEdge(addTask(upstream, undefined, { kind: 'source' }), task.id, { input });
        return;
      }
      for (let back = 0; back < window; back++) {
        const read = week.add(-back);
        if (firstWeek && read.compare(firstWeek) < 0) break;
        const upstreamTask = taskId(upstream.id, read);
        if (tasks.hasNode(upstreamTask) || !isStored(upstream.id, read)) {
          addTask(upstream, read, { kind: 'lookback', for: task.id });
          tasks.mergeDirectedEdge(upstreamTask, task.id, { input });
        }
      }
    });
  }
  return tasks;
}

/** Task ids by level: every task depends only on tasks of earlier levels. */
export function taskLevels(tasks: TaskGraph): string[][] {
  return topologicalGenerations(tasks).map((level) => [...level].sort());
}
