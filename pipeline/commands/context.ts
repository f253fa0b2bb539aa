import { resolve } from 'node:path';
import { methodsNeedingState } from '../../graph/select.ts';
import type { SelectionState } from '../../graph/select.ts';
import { CONFIG_FILE, ConfigError, loadConfig } from '../config.ts';
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE } from '../environments/names.ts';
import type { Config } from '../config.ts';
import { resolveWeeks, restateWindow, weekPolicyOf } from '../dates.ts';
import type { Selection } from '../engine/run.ts';
import { readSelectionState } from '../engine/selection-state.ts';
import { loadProject } from '../project/project.ts';
import type { Project } from '../project/project.ts';
import { withTargets } from '../project/selection.ts';
import type { SelectionFlags } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';

/** The configuration of `--config`, or of ./kpi.config.json. */
export function readConfig(flags: { config?: string; env?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const source = flags.config === undefined ? { file: resolve(CONFIG_FILE), explicit: false } : { file: resolve(flags.config), explicit: true };
  if (flags.env !== undefined && !ENVIRONMENT_NAME.test(flags.env)) {
    return Promise.reject(new ConfigError(`--env ${JSON.stringify(flags.env)}: an environment name is ${ENVIRONMENT_NAME_RULE}`));
  }
  return loadConfig(source, flags.env === undefined ? env : { ...env, KPI_ENV: flags.env });
}

/**
 * The configuration and the selection of nodes and weeks that the flags describe. What the
 * selection's `state:` and `result:` selectors match is read from the warehouse here, before the
 * run or plan takes it.
 */
export async function readSelection(flags: SelectionFlags & { force?: true | string[] }): Promise<{ config: Config; selection: Selection & { nodesDir?: string } }> {
  const config = await readConfig(flags, { ...process.env, ...(flags.tz ? { KPI_TIME_ZONE: flags.tz } : {}) });
  const policy = weekPolicyOf(config);
  const weeks = resolveWeeks(flags, policy);
  const nodesDir = flags.nodes ? resolve(flags.nodes) : undefined;
  const select = withTargets(flags.select, flags.target);
  const selectors = [...select, ...flags.exclude, ...(Array.isArray(flags.force) ? flags.force : [])];
  const state = needsState(selectors) ? await selectionState(config, await loadProject(config, nodesDir), selectors, flags.state) : undefined;
  return {
    config,
    selection: {
      select,
      exclude: flags.exclude,
      weeks,
      restateWeeks: restateWindow(flags, policy),
      ...(nodesDir ? { nodesDir } : {}),
      ...(state ? { state } : {}),
    },
  };
}

const needsState = (selectors: readonly string[]) => Object.values(methodsNeedingState(selectors)).some(Boolean);

/**
 * What the `state:` and `result:` selectors among `selectors` match, read from the warehouse
 * (opened read-only, as `status` does) only when there are any.
 */
export async function selectionState(config: Config, project: Project, selectors: readonly string[], runId?: string): Promise<SelectionState | undefined> {
  const needs = methodsNeedingState(selectors);
  if (!needs.state && !needs.result) return undefined;
  const request = { ...needs, ...(runId !== undefined ? { runId } : {}) };
  return withWarehouse(config, (warehouse) => readSelectionState(warehouse.hasLedger ? warehouse : undefined, project, request), undefined, { newEnvironment: 'as prod' });
}

/** `--json` output: one JSON document on stdout and nothing else (logs go to stderr). */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
