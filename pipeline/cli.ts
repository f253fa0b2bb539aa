#!/usr/bin/env node
/**
 * The command line: turns arguments into options, calls the same functions the tests call,
 * releases what it opened, and maps the outcome to an exit code (0 all good, 1 a node failed,
 * 2 the declarations or the command are invalid, 130 interrupted).
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DefinitionError, SelectorError } from '../graph/errors.ts';
import { kpiId } from '../graph/ids.ts';
import { WeekFormatError } from '../graph/iso-week.ts';
import { CONFIG_FILE, ConfigError, loadConfig } from './config.ts';
import type { Config } from './config.ts';
import { openWarehouse } from './connectors/warehouse/warehouse.ts';
import type { Warehouse } from './connectors/warehouse/warehouse.ts';
import { currentInstant, lastCompletedWeek, resolveWeeks, weekPolicyOf } from './dates.ts';
import type { WeekFlags } from './dates.ts';
import { createLogger } from './log.ts';
import { PLAN_FORMATS, formatPlan } from './plan-format.ts';
import type { PlanFormat } from './plan-format.ts';
import { loadProject } from './project.ts';
import { explainPlan, retryTasks, runPipeline, withTargets } from './run.ts';
import type { RunOptions } from './run.ts';
import { latestNodeRuns, nodeHistory, runHistory } from './ledger.ts';
import { formatNodeRuns, formatRuns } from './reports.ts';
import { createConnectors } from './connectors/factory.ts';
import { checkSheets } from './sheets-check.ts';
import { scaffoldKpi } from './scaffold.ts';
import { nextFireTimes, runScheduler } from './schedule.ts';
import { formatSummary } from './summary.ts';

const EXIT = { ok: 0, failed: 1, invalid: 2, interrupted: 130 } as const;

interface SelectionFlags extends WeekFlags {
  config?: string;
  nodes?: string;
  tz?: string;
  target: string[];
  select: string[];
  exclude: string[];
}

const CONFIG_HELP = `configuration file (default ./${CONFIG_FILE})`;
const NODES_HELP = 'nodes folder (default from the configuration: nodes/)';

/** The configuration of `--config`, or of ./kpi.config.json. */
function readConfig(flags: { config?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const source = flags.config === undefined ? { file: resolve(CONFIG_FILE), explicit: false } : { file: resolve(flags.config), explicit: true };
  return loadConfig(source, env);
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(/[\s,]+/).filter(Boolean)];

/** `--force` alone: everything selected; `--force a,b`: those selectors. */
function forceOption(force: boolean | string | undefined): { force?: true | string[] } {
  if (force === undefined) return {};
  return { force: force === true ? true : collect(String(force), []) };
}

function parseConcurrency(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return number;
}

function withSelection(command: Command): Command {
  return command
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('-t, --target <selector>', 'run the selector and everything it needs (same as --select +X); repeatable', collect, [])
    .option('-s, --select <selector>', 'dbt-style selector: X, +X, X+, 2+X, X+1, @X, domain.*; repeatable', collect, [])
    .option('-x, --exclude <selector>', 'remove these nodes from the selection; repeatable', collect, [])
    .option('-w, --week <week>', 'ISO week, e.g. 2026-W47 (default: the last completed week)')
    .option('--weeks <range>', 'a range of ISO weeks, e.g. 2025-W01..2026-W47')
    .option('--since <week>', 'every week from this one to the last completed one')
    .option('-y, --yes', 'allow a range longer than maxWeeks')
    .option('--tz <zone>', 'IANA time zone for cutting weeks (default from the configuration: Europe/Madrid)');
}

async function setup(flags: SelectionFlags) {
  const config = await readConfig(flags, { ...process.env, ...(flags.tz ? { KPI_TIME_ZONE: flags.tz } : {}) });
  const weeks = resolveWeeks(flags, weekPolicyOf(config));
  return {
    config,
    selection: {
      select: withTargets(flags.select, flags.target),
      exclude: flags.exclude,
      weeks,
      ...(flags.nodes ? { nodesDir: resolve(flags.nodes) } : {}),
    },
  };
}

/**
 * Runs a pipeline, prints the summary, sets the exit code. The first Ctrl-C (or SIGTERM)
 * starts nothing more and lets running tasks finish, so the ledger stays consistent and
 * `retry` picks up the rest; a second one cancels the running tasks too.
 */
async function runAndReport(options: Omit<RunOptions, 'log' | 'signal' | 'stop'>): Promise<void> {
  const log = createLogger();
  const stop = new AbortController();
  const cancel = new AbortController();
  const interrupt = () => {
    if (!stop.signal.aborted) {
      log.warn('interrupted: finishing the running tasks, starting no more (again to cancel them)');
      stop.abort();
    } else {
      cancel.abort(new Error('interrupted'));
    }
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    const outcome = await runPipeline({ ...options, log, stop: stop.signal, signal: cancel.signal });
    process.stdout.write(`${formatSummary(outcome.tasks, outcome.results)}\n`);
    process.exitCode = stop.signal.aborted ? EXIT.interrupted : outcome.status === 'succeeded' ? EXIT.ok : EXIT.failed;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** Opens the warehouse only for the time of `work`. */
async function withWarehouse<T>(config: Config, work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await openWarehouse(config, createLogger());
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

const commandLine = () => process.argv.slice(2).join(' ');

function buildCli(): Command {
  const program = new Command('kpi')
    .description('KPI Factory: weekly KPIs as a dependency graph, stored in the warehouse, published as scorecards')
    .exitOverride()
    .showHelpAfterError();

  withSelection(program.command('run').description('compute what is stale in the selection for the week(s), store it and publish'))
    .option('-c, --concurrency <n>', 'tasks run at the same time', parseConcurrency)
    .option('--force [selectors]', 'rerun even what is fresh: everything selected, or only these selectors (comma-separated)')
    .action(async (flags: SelectionFlags & { concurrency?: number; force?: boolean | string }) => {
      const { config, selection } = await setup(flags);
      await runAndReport({
        ...selection,
        config,
        concurrency: flags.concurrency ?? config.concurrency,
        command: commandLine(),
        ...forceOption(flags.force),
      });
    });

  withSelection(program.command('plan').description('show the tasks level by level, each fresh or stale and why, without running anything'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(PLAN_FORMATS).default('text'))
    .option('--force [selectors]', 'show the plan as run --force would')
    .action(async (flags: SelectionFlags & { format: PlanFormat; force?: boolean | string }) => {
      const { config, selection } = await setup(flags);
      const { project, tasks, predictions } = await explainPlan({
        ...selection,
        config,
        log: createLogger(),
        ...forceOption(flags.force),
      });
      process.stdout.write(`${formatPlan(project.graph, tasks, predictions, flags.format)}\n`);
    });

  program
    .command('retry')
    .argument('[run-id]', 'the run to retry (default: the latest)')
    .description('rerun the failed and blocked nodes of a run, for the same weeks, with the current code')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('-c, --concurrency <n>', 'tasks run at the same time', parseConcurrency)
    .action(async (runId: string | undefined, flags: { config?: string; nodes?: string; concurrency?: number }) => {
      const config = await readConfig(flags);
      const nodesDir = flags.nodes ? resolve(flags.nodes) : undefined;
      const { run, only } = await retryTasks(config, await loadProject(config, nodesDir), createLogger(), runId);
      if (only.length === 0) {
        process.stdout.write(`run ${run.run_id} (${run.status}) has nothing failed or blocked to retry\n`);
        return;
      }
      await runAndReport({
        config,
        select: [],
        exclude: [],
        weeks: [],
        only,
        // Asked for explicitly: what failed or was blocked runs even if nothing changed since.
        force: [...new Set(only.map((task) => task.nodeId))],
        forceReason: 'retry',
        concurrency: flags.concurrency ?? config.concurrency,
        command: commandLine(),
        ...(nodesDir ? { nodesDir } : {}),
      });
    });

  program
    .command('status')
    .description('per node: the latest run, its week, status, value, when and how long')
    .option('--config <file>', CONFIG_HELP)
    .action(async (flags: { config?: string }) => {
      const config = await readConfig(flags);
      const rows = await withWarehouse(config, (warehouse) => latestNodeRuns(warehouse.db, config.timeZone));
      process.stdout.write(`${formatNodeRuns(rows, 'status')}\n`);
    });

  program
    .command('history')
    .description('past runs, newest first; with --node, the runs of one node')
    .option('--config <file>', CONFIG_HELP)
    .option('--node <id>', 'one node, e.g. success.kpi06')
    .option('--limit <n>', 'how many rows', parseConcurrency, 20)
    .action(async (flags: { config?: string; node?: string; limit: number }) => {
      const config = await readConfig(flags);
      const text = await withWarehouse(config, async (warehouse) =>
        flags.node === undefined
          ? formatRuns(await runHistory(warehouse.db, flags.limit, config.timeZone))
          : formatNodeRuns(await nodeHistory(warehouse.db, flags.node, flags.limit, config.timeZone), 'history'),
      );
      process.stdout.write(`${text}\n`);
    });

  program
    .command('schedule')
    .description('run the configured schedules (cron expressions) for the last completed week, until stopped')
    .option('--config <file>', CONFIG_HELP)
    .option('--list <n>', 'print the next n run times of each schedule and exit', parseConcurrency)
    .action(async (flags: { config?: string; list?: number }) => {
      const config = await readConfig(flags);
      const entries = config.schedules.map((schedule) => ({ name: schedule.name, cron: schedule.cron, select: withTargets(schedule.select, schedule.target), exclude: schedule.exclude }));
      if (flags.list !== undefined) {
        for (const entry of entries) {
          const times = nextFireTimes(entry.cron, currentInstant(), config.timeZone, flags.list);
          const local = times.map((time) => time.toZonedDateTimeISO(config.timeZone).toPlainDateTime().toString({ smallestUnit: 'minute' }).replace('T', ' '));
          process.stdout.write(`${entry.name} (${entry.cron}, ${config.timeZone}; ${entry.select.join(' ') || 'everything'}): ${local.join(', ')}\n`);
        }
        if (entries.length === 0) process.stdout.write('no schedules configured (schedules in kpi.config.json)\n');
        return;
      }
      const log = createLogger();
      const stop = new AbortController();
      const interrupt = () => {
        log.warn('stopping the scheduler after the current run');
        stop.abort();
      };
      process.on('SIGINT', interrupt);
      process.on('SIGTERM', interrupt);
      try {
        await runScheduler({
          entries,
          timeZone: config.timeZone,
          log,
          signal: stop.signal,
          now: currentInstant,
          sleep: (ms, signal) => sleep(ms, undefined, { signal }),
          run: async (entry, firedAt) => {
            const week = lastCompletedWeek(firedAt, config.timeZone, config.weekCutoff);
            const outcome = await runPipeline({
              config,
              log,
              select: entry.select,
              exclude: entry.exclude,
              weeks: [week],
              concurrency: config.concurrency,
              command: `schedule ${entry.name}`,
              stop: stop.signal,
            });
            log.info({ schedule: entry.name, run: outcome.runId, week: week.id, status: outcome.status }, `scheduled run ${entry.name} ${outcome.status}`);
          },
        });
      } finally {
        process.off('SIGINT', interrupt);
        process.off('SIGTERM', interrupt);
      }
      process.exitCode = EXIT.interrupted;
    });

  program
    .command('new')
    .argument('<domain>', 'business domain, e.g. success')
    .argument('<number>', 'KPI number, 1 to 99')
    .argument('<name>', 'the KPI name as the scorecard shows it')
    .description('scaffold a KPI file (and the domain publish file, for a new domain)')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .action(async (domain: string, number: string, name: string, flags: { config?: string; nodes?: string }) => {
      const config = await readConfig(flags);
      const nodesDir = flags.nodes ? resolve(flags.nodes) : config.paths.nodes;
      const written = await scaffoldKpi(nodesDir, config.paths.root, await loadProject(config, nodesDir), domain, Number(number), name);
      for (const file of written) process.stdout.write(`created ${file}\n`);
      process.stdout.write(`next: declare its inputs and compute, then pnpm pipeline plan --select ${kpiId(domain, Number(number))}\n`);
    });

  program
    .command('sheets')
    .description('Google Sheets')
    .command('check')
    .description('verify access to every configured spreadsheet and tab, and show what publish would write where, without writing')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('-w, --week <week>', 'the week to preview (default: the last completed week)')
    .action(async (flags: { config?: string; nodes?: string; week?: string }) => {
      const config = await readConfig(flags);
      const project = await loadProject(config, flags.nodes ? resolve(flags.nodes) : undefined);
      const [week] = resolveWeeks(flags, { ...weekPolicyOf(config), maxWeeks: 1 });
      const connectors = await createConnectors(config, createLogger());
      if (!connectors.googleAccount) {
        process.stdout.write('no Google credentials in the environment: set GOOGLE_APPLICATION_CREDENTIALS (a key file) or GOOGLE_SERVICE_ACCOUNT_JSON\n');
        process.exitCode = EXIT.failed;
        return;
      }
      const lines = await checkSheets(config, project, week!, connectors);
      if (lines.length === 0) process.stdout.write('no Google spreadsheet is configured (sheets.*.google, scorecards.*.spreadsheetId)\n');
      for (const line of lines) process.stdout.write(`${line.ok ? 'ok  ' : 'FAIL'} ${line.text}\n`);
      process.exitCode = lines.every((line) => line.ok) ? EXIT.ok : EXIT.failed;
    });

  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    }
    if (error instanceof DefinitionError || error instanceof SelectorError || error instanceof WeekFormatError || error instanceof ConfigError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.invalid;
    }
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
