import type { PipelineGraph } from '../graph/build.ts';
import { taskLevels } from '../graph/plan.ts';
import type { Task, TaskGraph } from '../graph/plan.ts';

export const PLAN_FORMATS = ['text', 'json', 'dot', 'mermaid'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

interface PlannedTask {
  readonly id: string;
  readonly node: string;
  readonly kind: Task['node']['kind'];
  readonly week: string | null;
  readonly file: string | null;
  readonly reason: string;
  readonly inputs: readonly string[];
}

/** The plan by topological level: each task with its inputs and why it is in the plan. */
export function describePlan(graph: PipelineGraph, tasks: TaskGraph): PlannedTask[][] {
  return taskLevels(tasks).map((level) =>
    level.map((id) => {
      const task = tasks.getNodeAttributes(id);
      const storedInputs = graph
        .inNeighbors(task.node.id)
        .filter((upstream) => !tasks.inNeighbors(id).some((input) => tasks.getNodeAttributes(input).node.id === upstream))
        .map((upstream) => `${upstream} (stored)`);
      return {
        id,
        node: task.node.id,
        kind: task.node.kind,
        week: task.week?.id ?? null,
        file: 'file' in task.node ? task.node.file : null,
        reason: task.reason.kind === 'lookback' ? `lookback for ${task.reason.for}` : task.reason.kind,
        inputs: [...tasks.inNeighbors(id).sort(), ...storedInputs.sort()],
      };
    }),
  );
}

export function formatPlan(graph: PipelineGraph, tasks: TaskGraph, format: PlanFormat): string {
  const levels = describePlan(graph, tasks);
  switch (format) {
    case 'json':
      return JSON.stringify({ levels }, null, 2);
    case 'dot':
      return [
        'digraph plan {',
        '  rankdir=LR;',
        ...levels.flat().map((task) => `  "${task.id}" [label="${task.id}", shape=${task.kind === 'kpi' || task.kind === 'publish' ? 'box' : 'cylinder'}];`),
        ...tasks.mapEdges((_edge, _attributes, source, target) => `  "${source}" -> "${target}";`),
        '}',
      ].join('\n');
    case 'mermaid': {
      const key = new Map(levels.flat().map((task, index) => [task.id, `n${index}`]));
      return [
        'flowchart LR',
        ...levels.flat().map((task) => `  ${key.get(task.id)}["${task.id}"]`),
        ...tasks.mapEdges((_edge, _attributes, source, target) => `  ${key.get(source)} --> ${key.get(target)}`),
      ].join('\n');
    }
    case 'text': {
      const lines: string[] = [];
      levels.forEach((level, index) => {
        lines.push(`Level ${index}`);
        for (const task of level) {
          const reason = task.reason === 'selected' || task.reason === 'source' ? '' : `  [${task.reason}]`;
          const inputs = task.inputs.length > 0 ? `  <- ${task.inputs.join(', ')}` : '';
          lines.push(`  ${task.id}${reason}${inputs}`);
        }
      });
      lines.push('', `${tasks.order} tasks in ${levels.length} levels`);
      return lines.join('\n');
    }
  }
}
