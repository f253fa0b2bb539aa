import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where a run's own log goes: `<stateDir>/logs/<run-id>.jsonl`. */
export const logFileOf = (config: Config, runId: string) => join(config.paths.state, 'logs', `${runId}.jsonl`);

/** Removes the run logs last written more than `logRetentionDays` ago; returns how many. */
export async function pruneRunLogs(config: Config, now = Date.now()): Promise<number> {
  const dir = join(config.paths.state, 'logs');
  const names = (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.jsonl'));
  let removed = 0;
  for (const name of names) {
    const file = join(dir, name);
    const modified = (await stat(file).catch(() => undefined))?.mtimeMs;
    if (modified !== undefined && now - modified > config.logRetentionDays * DAY_MS) {
      await unlink(file).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
