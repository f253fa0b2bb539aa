import { commandLine } from '../engine/processes.ts';
import { readConfig } from './context.ts';
import { nodesDirOf, waitOf } from './options.ts';
import { runAndReport } from './report-run.ts';
import type { OutputFlags } from './report-run.ts';

/** `retry [run-id]`: rerun the failed, blocked and abandoned node-weeks of a run, with the current code. */
export async function retryCommand(runId: string | undefined, flags: OutputFlags & { config?: string; nodes?: string; concurrency?: number; wait?: number | true }): Promise<void> {
  const config = await readConfig(flags);
  const nodesDir = nodesDirOf(flags);
  await runAndReport({
    config,
    select: [],
    exclude: [],
    weeks: [],
    retry: runId === undefined ? {} : { runId },
    concurrency: flags.concurrency ?? config.concurrency,
    command: commandLine(),
    ...waitOf(flags),
    ...(nodesDir ? { nodesDir } : {}),
  }, flags);
}
