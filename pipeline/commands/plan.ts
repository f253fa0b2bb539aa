import { createLogger } from '../log.ts';
import { formatPlan } from '../reports/plan-format.ts';
import type { PlanFormat } from '../reports/plan-formats.ts';
import { explainPlan } from '../engine/run.ts';
import { readSelection } from './context.ts';
import { forceOption } from './options.ts';
import type { SelectionFlags } from './options.ts';

/** `plan`: the tasks level by level, each fresh or stale and why, without running anything. */
export async function planCommand(flags: SelectionFlags & { format: PlanFormat; force?: true | string[] }): Promise<void> {
  const { config, selection } = await readSelection(flags);
  const { project, tasks, predictions } = await explainPlan({ ...selection, config, log: createLogger(), ...forceOption(flags.force) });
  process.stdout.write(`${formatPlan(project.graph, tasks, predictions, flags.format)}\n`);
}
