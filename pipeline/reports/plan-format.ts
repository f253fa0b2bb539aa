import type { PipelineGraph } from '../../graph/build.ts';
import { taskLevels } from '../../graph/plan.ts';
import type { Task, TaskGraph } from '../../graph/plan.ts';
import type { Prediction } from '../engine/freshness.ts';
import { counted } from '../words.ts';
import type { PlanFormat } from './plan-formats.ts';



interface PlannedTask {
  readonly id: string;
  readonly node: string;
  readonly kind: Task['node']['kind'];
  readonly week: string | null;
  /** A publish task's destination (`workbook`, `google`); null for other tasks. */
  readonly destination: string | null;
  readonly file: string | null;
  readonly reason: string;
  /** `fresh` (skipped), `stale` (will run) or `source` (read every run). */
  readonly state: 'fresh' | 'stale' | 'source';
  readonly why: readonly string[];
  readonly inputs: readonly string[];
}

/** The plan by topological level: each task with its inputs and why it is in the plan. */
function describePlan(graph: PipelineGraph, tasks: TaskGraph, predictions: ReadonlyMap<string, Prediction>): PlannedTask[][] {
  return taskLevels(tasks).map((level) =>
    level.map((id) => {
      const task = tasks.getNodeAttributes(id);
      const prediction = predictions.get(id);
      const isSource = task.node.kind === 'table' || task.node.kind === 'sheet';
      const storedInputs = graph
        .inNeighbors(task.node.id)
        .filter((upstream) => !tasks.inNeighbors(id).some((input) => tasks.getNodeAttributes(input).node.id === upstream))
        .map((upstream) => `${upstream} (stored)`);
      return {
        id,
        node: task.node.id,
        kind: task.node.kind,
        week: task.week?.id ?? null,
        destination: task.destination ?? null,
        file: 'file' in task.node ? task.node.file : null,
        reason: task.reason.kind === 'lookback' ? `lookback for ${task.reason.for}` : task.reason.kind,
        state: isSource ? 'source' : prediction?.stale === false ? 'fresh' : 'stale',
        why: isSource ? [] : (prediction?.reasons ?? []),
        inputs: [...tasks.inNeighbors(id).sort(), ...storedInputs.sort()],
      };
    }),
  );
}

export function formatPlan(graph: PipelineGraph, tasks: TaskGraph, predictions: ReadonlyMap<string, Prediction>, format: PlanFormat): string {
  const levels = describePlan(graph, tasks, predictions);
  const all = levels.flat();
  const stale = all.filter((task) => task.state === 'stale').length;
  const fresh = all.filter((task) => task.state === 'fresh').length;
  switch (format) {
    case 'json':
      return JSON.stringify({ summary: { tasks: all.length, stale, fresh }, levels }, null, 2);
    case 'dot':
      return [
        'digraph plan {',
        '  rankdir=LR;',
        ...levels.flat().map((task) => `  "${task.id}" [label="${task.id}", shape=${task.kind === 'kpi' || task.kind === 'publish' ? 'box' : 'cylinder'}];`),
        ...tasks.mapEdges((source, target) => `  "${source}" -> "${target}";`),
        '}',
      ].join('\n');
    case 'mermaid': {
      const key = new Map(levels.flat().map((task, index) => [task.id, `n${index}`]));
      return [
        'flowchart LR',
        ...levels.flat().map((task) => `  ${key.get(task.id)}["${task.id}"]`),
        ...tasks.mapEdges((source, target) => `  ${key.get(source)} --> ${key.get(target)}`),
      ].join('\n');
    }
    case 'text': {
      const lines: string[] = [];
      levels.forEach((level, index) => {
        lines.push(`Level ${index}`);
        for (const task of level) {
          const reason = task.reason === 'selected' || task.reason === 'source' ? '' : `  [${task.reason}]`;
          const state = task.state === 'source' ? '' : task.state === 'fresh' ? '  fresh' : `  STALE: ${task.why.join('; ')}`;
          const inputs = task.inputs.length > 0 ? `  <- ${task.inputs.join(', ')}` : '';
          lines.push(`  ${task.id}${reason}${state}${inputs}`);
        }
      });
      const restated = [...new Set(all.filter((task) => task.reason === 'restate').map((task) => task.week))].sort();
      if (restated.length > 0) {
        lines.push('', `Rechecking ${restated.join(', ')} for late-arriving data (restateWeeks): a week whose inputs changed is recomputed and republished; earlier weeks need --weeks.`);
      }
      lines.push('', `${counted(tasks.order, 'task')} in ${counted(levels.length, 'level')}: ${stale} stale (will run), ${fresh} fresh (skipped)`);
      return lines.join('\n');
    }
  }
}
