import { resolve } from 'node:path';
import { CONFIG_FILE, loadConfig } from '../config.ts';
import type { Config } from '../config.ts';
import { resolveWeeks, restateWindow, weekPolicyOf } from '../dates.ts';
import type { Selection } from '../engine/run.ts';
import { withTargets } from '../project/selection.ts';
import type { SelectionFlags } from './options.ts';

/** The configuration of `--config`, or of ./kpi.config.json. */
export function readConfig(flags: { config?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const source = flags.config === undefined ? { file: resolve(CONFIG_FILE), explicit: false } : { file: resolve(flags.config), explicit: true };
  return loadConfig(source, env);
}

/** The configuration and the selection of nodes and weeks that the flags describe. */
export async function readSelection(flags: SelectionFlags): Promise<{ config: Config; selection: Selection & { nodesDir?: string } }> {
  const config = await readConfig(flags, { ...process.env, ...(flags.tz ? { KPI_TIME_ZONE: flags.tz } : {}) });
  const policy = weekPolicyOf(config);
  const weeks = resolveWeeks(flags, policy);
  return {
    config,
    selection: {
      select: withTargets(flags.select, flags.target),
      exclude: flags.exclude,
      weeks,
      restateWeeks: restateWindow(flags, policy),
      ...(flags.nodes ? { nodesDir: resolve(flags.nodes) } : {}),
    },
  };
}

/** `--json` output: one JSON document on stdout and nothing else (logs go to stderr). */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

