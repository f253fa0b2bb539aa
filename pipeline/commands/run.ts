import { runAndReport } from './report-run.ts';
import type { OutputFlags } from './report-run.ts';
import { commandLine } from '../engine/processes.ts';
import { readSelection } from './context.ts';
import { forceOption, waitOf } from './options.ts';
import type { SelectionFlags } from './options.ts';

export interface RunFlags extends SelectionFlags, OutputFlags {
  concurrency?: number;
  force?: true | string[];
  wait?: number | true;
}

/** `run`: compute what is stale in the selection, store it and publish. */
export async function runCommand(flags: RunFlags): Promise<void> {
  const { config, selection } = await readSelection(flags);
  await runAndReport({
    ...selection,
    config,
    concurrency: flags.concurrency ?? config.concurrency,
    command: commandLine(),
    ...forceOption(flags.force),
    ...waitOf(flags),
  }, flags);
}
