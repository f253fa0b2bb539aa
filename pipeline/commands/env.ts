import { rm } from 'node:fs/promises';
import { ConfigError } from '../config.ts';
import { openWarehouse } from '../connectors/warehouse/warehouse.ts';
import { PROD, dropEnvironment, inEnvironment, otherEnvironments, requireEnvironment, summarizeEnvironment } from '../environments/environment.ts';
import type { EnvironmentSummary } from '../environments/environment.ts';
import { holdingWarehouse } from '../engine/run.ts';
import { commandLine } from '../engine/processes.ts';
import { createLogger } from '../log.ts';
import { localTime, wallClock } from '../reports/run-reports.ts';
import { defaultSiteDir } from '../reports/site/paths.ts';
import { displayPath, table } from '../reports/summary.ts';
import { readConfig, writeJson } from './context.ts';
import { waitOf } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';

/** `env ls [--json]`: every environment, with its latest run and the KPI-weeks it holds. */
export async function envListCommand(flags: { config?: string; json?: boolean }): Promise<void> {
  const config = await readConfig({ ...flags, env: PROD });
  const summaries = await withWarehouse(
    config,
    async (warehouse) => {
      const names = [PROD, ...(await otherEnvironments(warehouse.prod))];
      const summaries: EnvironmentSummary[] = [];
      for (const name of names) summaries.push(await summarizeEnvironment(inEnvironment(warehouse.prod, name), name));
      return summaries;
    },
    (): EnvironmentSummary[] => [{ name: PROD, kpiWeeks: 0 }],
  );
  const reports = summaries.map((summary) => ({ ...summary, ...(summary.lastRun ? { lastRun: { ...summary.lastRun, startedAt: localTime(summary.lastRun.startedAt, config.timeZone)! } } : {}) }));
  if (flags.json) return writeJson(reports);
  const rows = reports.map((report) => [report.name, report.lastRun ? `${wallClock(report.lastRun.startedAt)} ${report.lastRun.status}` : 'never run', String(report.kpiWeeks), report.lastRun?.runId ?? '']);
  process.stdout.write(`${table(['environment', 'last run', 'KPI-weeks', 'run'], rows).join('\n')}\n`);
}

/** `env drop NAME`: an environment's schemas (values, models, ledger rows) and its workbooks; never prod. */
export async function envDropCommand(name: string, flags: { config?: string; wait?: number | true }): Promise<void> {
  if (name === PROD) throw new ConfigError('prod cannot be dropped: it is what every environment reads where it computed nothing');
  const config = await readConfig({ ...flags, env: name });
  const log = createLogger();
  // It writes: it holds the warehouse as a run does, so no run in that environment is half dropped.
  await holdingWarehouse(config, { purpose: 'run', runId: `env-drop-${name}`, command: commandLine(), log, ...waitOf(flags) }, async () => {
    const warehouse = await openWarehouse({ ...config, environment: PROD }, log);
    try {
      await requireEnvironment(warehouse.prod, name);
      await dropEnvironment(warehouse.prod, name);
    } finally {
      await warehouse.close();
    }
  });
  await rm(config.paths.scorecards, { recursive: true, force: true });
  await rm(defaultSiteDir(config), { recursive: true, force: true });
  process.stdout.write(`dropped environment ${name}: its values, models and ledger rows, its workbooks in ${displayPath(config.paths.scorecards)} and its site in ${displayPath(defaultSiteDir(config))}\n`);
}
