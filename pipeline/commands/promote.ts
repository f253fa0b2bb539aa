import { ConfigError } from '../config.ts';
import { PROD, inEnvironment, requireEnvironment } from '../environments/environment.ts';
import { promotionOf } from '../environments/promote.ts';
import { fingerprintHash } from '../engine/fingerprint.ts';
import { commandLine } from '../engine/processes.ts';
import { loadProject } from '../project/project.ts';
import { selectFrom, withTargets } from '../project/selection.ts';
import { readConfig, selectionState } from './context.ts';
import { nodesDirOf, waitOf } from './options.ts';
import type { NodeSelectionFlags } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';
import { runAndReport } from './report-run.ts';
import type { OutputFlags } from './report-run.ts';

/**
 * `promote NAME [--select …]`: prod takes the values the environment computed, without computing
 * them again where their fingerprints in prod equal the environment's, and publishes them as a
 * prod run does (restatements included). Refuses when the checkout's code differs from the
 * environment's.
 */
export async function promoteCommand(environment: string, flags: NodeSelectionFlags & OutputFlags & { concurrency?: number; wait?: number | true }): Promise<void> {
  if (environment === PROD) throw new ConfigError('promote takes an environment other than prod: prod is what it promotes to');
  const config = await readConfig({ ...flags, env: PROD });
  await readConfig({ ...flags, env: environment }); // the name checked as --env checks it
  const nodesDir = nodesDirOf(flags);
  const project = await loadProject(config, nodesDir);
  const select = withTargets(flags.select, flags.target);
  const state = await selectionState(config, project, [...select, ...flags.exclude], flags.state);
  const selected = selectFrom(project, { select, exclude: flags.exclude, ...(state ? { state } : {}) });
  const promotion = await withWarehouse(config, async (warehouse) => {
    await requireEnvironment(warehouse.prod, environment);
    return promotionOf(inEnvironment(warehouse.prod, environment), environment, project, selected);
  });
  if (promotion.only.length === 0) {
    process.stdout.write(`${environment} has computed no value in the selection: nothing to promote\n`);
    return;
  }
  await runAndReport(
    {
      config,
      select: [],
      exclude: [],
      weeks: [],
      only: promotion.only,
      adopt: (taskId, fingerprint) => {
        const promoted = promotion.values.get(taskId);
        return promoted && promoted.fingerprint === fingerprintHash(fingerprint) ? { value: promoted.value, reason: `promoted from ${environment} (run ${promoted.runId})` } : undefined;
      },
      ...(promotion.codeVersion ? { codeVersion: promotion.codeVersion } : {}),
      concurrency: flags.concurrency ?? config.concurrency,
      command: commandLine(),
      ...waitOf(flags),
      ...(nodesDir ? { nodesDir } : {}),
    },
    flags,
  );
}
