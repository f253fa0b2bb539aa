import { IsoWeek } from '../../graph/iso-week.ts';
import { taskId } from '../../graph/plan.ts';
import { createLogger } from '../log.ts';
import { formatPlan } from '../reports/plan-format.ts';
import type { PlanFormat } from '../reports/plan-formats.ts';
import { explainPlan } from '../engine/run.ts';
import { olderCodeLine } from '../engine/ledger.ts';
import { readSelection } from './context.ts';
import { forceOption } from './options.ts';
import type { SelectionFlags } from './options.ts';

/** `plan`: the tasks level by level, each fresh or stale and why, without running anything. */
export async function planCommand(flags: SelectionFlags & { format: PlanFormat; force?: true | string[] }): Promise<void> {
  const { config, selection } = await readSelection(flags);
  const { project, tasks, predictions, olderCode } = await explainPlan({ ...selection, config, log: createLogger(), ...forceOption(flags.force) });
  // Weeks outside the plan that older code computed: what a run of these weeks leaves as it is.
  const outside = olderCode.map((entry) => ({ ...entry, weeks: entry.weeks.filter((week) => !tasks.hasNode(taskId(entry.nodeId, IsoWeek.parse(week)))) })).filter((entry) => entry.weeks.length > 0);
  const older = flags.format === 'text' && outside.length > 0 ? `\n\nStored weeks outside this plan computed by older code than the KPI has now:\n${outside.map((entry) => `  ${olderCodeLine(entry)}`).join('\n')}` : '';
  process.stdout.write(`${formatPlan(project.graph, tasks, predictions, flags.format)}${older}\n`);
}
