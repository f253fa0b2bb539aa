import { ConfigError } from '../config.ts';
import { inEnvironment, requireEnvironment } from '../environments/environment.ts';
import { diffEnvironments } from '../environments/diff.ts';
import { resolveWeeks, weekPolicyOf } from '../dates.ts';
import { EXIT } from '../exit-codes.ts';
import { loadProject } from '../project/project.ts';
import { selectFrom, withTargets } from '../project/selection.ts';
import { formatDiff } from '../reports/value-diff.ts';
import type { DiffFormat } from '../reports/diff-formats.ts';
import { readConfig, selectionState } from './context.ts';
import { nodesDirOf } from './options.ts';
import type { NodeSelectionFlags } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';

export interface DiffFlags extends NodeSelectionFlags {
  readonly against: string;
  readonly format: DiffFormat;
  readonly week?: string;
  readonly weeks?: string;
}

/**
 * `diff NAME [--select …] [--weeks …] [--against prod] [--format text|json|markdown]`: the
 * KPI-weeks whose values differ between two environments; exit 1 when any does, so CI can act.
 */
export async function diffCommand(environment: string, flags: DiffFlags): Promise<void> {
  const config = await readConfig({ ...flags, env: environment });
  if (flags.against === environment) throw new ConfigError(`--against ${flags.against}: an environment is compared with another one`);
  const project = await loadProject(config, nodesDirOf(flags));
  const select = withTargets(flags.select, flags.target);
  const state = await selectionState(config, project, [...select, ...flags.exclude], flags.state);
  const selected = selectFrom(project, { select, exclude: flags.exclude, ...(state ? { state } : {}) });
  const weeks =
    flags.week === undefined && flags.weeks === undefined
      ? undefined
      : new Set(resolveWeeks({ ...flags, allowIncomplete: true, yes: true }, weekPolicyOf(config)).map((week) => week.id));
  const diff = await withWarehouse(config, async (warehouse) => {
    await requireEnvironment(warehouse.prod, flags.against, '--against: ');
    const against = { db: inEnvironment(warehouse.prod, flags.against), prod: warehouse.prod };
    return diffEnvironments(project, { ours: { name: environment, warehouse }, theirs: { name: flags.against, warehouse: against } }, selected, weeks);
  });
  process.stdout.write(formatDiff(diff, flags.format));
  if (diff.differences.length > 0) process.exitCode = EXIT.failed;
}
