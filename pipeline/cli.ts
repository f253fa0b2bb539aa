#!/usr/bin/env node
/**
 * The command line: turns arguments into options, calls the same functions the tests call,
 * releases what it opened, and maps the outcome to an exit code (0 all good, 1 a node failed,
 * 2 the declarations or the command are invalid, 130 interrupted).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DefinitionError, SelectorError } from '../graph/errors.ts';
import { WeekFormatError } from '../graph/iso-week.ts';
import { CONFIG_FILE, ConfigError, loadConfig } from './config.ts';
import { openWarehouse } from './connectors/warehouse/warehouse.ts';
import { currentInstant, lastCompletedWeek, resolveWeeks } from './dates.ts';
import type { WeekFlags } from './dates.ts';
import { createLogger } from './log.ts';
import { PLAN_FORMATS, formatPlan } from './plan-format.ts';
import type { PlanFormat } from './plan-format.ts';
import { loadProject } from './project.ts';
import { firstWeekOf, planRun, runPipeline, selectFrom } from './run.ts';
import { formatSummary } from './summary.ts';

export const EXIT = { ok: 0, failed: 1, invalid: 2, interrupted: 130 } as const;

interface SelectionFlags extends WeekFlags {
  config?: string;
  nodes?: string;
  tz?: string;
  target: string[];
  select: string[];
  exclude: string[];
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(/[\s,]+/).filter(Boolean)];

function parseConcurrency(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return number;
}

function withSelection(command: Command): Command {
  return command
    .option('--config <file>', `configuration file (default ./${CONFIG_FILE})`)
    .option('--nodes <dir>', 'nodes folder (default from the configuration: nodes/)')
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
  const config = await loadConfig(resolve(flags.config ?? CONFIG_FILE), { ...process.env, ...(flags.tz ? { KPI_TIME_ZONE: flags.tz } : {}) });
  const weeks = resolveWeeks(flags, {
    lastCompleted: lastCompletedWeek(currentInstant(), config.timeZone, config.weekCutoff),
    maxWeeks: config.maxWeeks,
    ...(config.firstWeek ? { firstWeek: firstWeekOf(config)! } : {}),
  });
  return {
    config,
    selection: {
      select: [...flags.select, ...flags.target.map((target) => (target.startsWith('+') ? target : `+${target}`))],
      exclude: flags.exclude,
      weeks,
      ...(flags.nodes ? { nodesDir: resolve(flags.nodes) } : {}),
    },
  };
}

export function buildCli(): Command {
  const program = new Command('kpi')
    .description('KPI Factory: weekly KPIs as a dependency graph, stored in the warehouse, published as scorecards')
    .exitOverride()
    .showHelpAfterError();

  withSelection(program.command('run').description('compute the selected KPIs for a week and publish'))
    .option('-c, --concurrency <n>', 'tasks run at the same time', parseConcurrency)
    .action(async (flags: SelectionFlags & { concurrency?: number }) => {
      const { config, selection } = await setup(flags);
      const log = createLogger();
      const controller = new AbortController();
      const interrupt = () => controller.abort(new Error('interrupted'));
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      try {
        const outcome = await runPipeline({
          ...selection,
          config,
          log,
          concurrency: flags.concurrency ?? config.concurrency,
          command: `run ${process.argv.slice(3).join(' ')}`.trim(),
          signal: controller.signal,
        });
        process.stdout.write(`${formatSummary(outcome.tasks, outcome.results)}\n`);
        process.exitCode = controller.signal.aborted ? EXIT.interrupted : outcome.status === 'succeeded' ? EXIT.ok : EXIT.failed;
      } finally {
        process.off('SIGINT', interrupt);
        process.off('SIGTERM', interrupt);
      }
    });

  withSelection(program.command('plan').description('show the DAG level by level, as it would run'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(PLAN_FORMATS).default('text'))
    .action(async (flags: SelectionFlags & { format: PlanFormat }) => {
      const { config, selection } = await setup(flags);
      const project = await loadProject(config, selection.nodesDir);
      const selected = selectFrom(project, selection);
      const warehouse = await openWarehouse(config, createLogger());
      try {
        const tasks = await planRun(warehouse, project, selected, selection.weeks, firstWeekOf(config));
        process.stdout.write(`${formatPlan(project.graph, tasks, flags.format)}\n`);
      } finally {
        await warehouse.close();
      }
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
