#!/usr/bin/env node
/**
 * The command line: a table of commands and their flags. Each command's module is loaded only
 * when that command runs, so `--help` and the light commands start without the connectors.
 * Maps the outcome to an exit code (see exit-codes.ts).
 */
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, INVALID_CODES } from './exit-codes.ts';
import { scrubSecrets } from './secrets.ts';
import { CONFIG_HELP, NODES_HELP, outputOptions, parseConcurrency, waitOption, withSelection } from './commands/options.ts';
import { PLAN_FORMATS } from './plan-format.ts';

/** An action that loads its command's module first: `lazy(() => import('./commands/x.ts'), 'xCommand')`. */
function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K) {
  return async (...args: unknown[]): Promise<void> => {
    const module = await load();
    // Commander passes (…arguments, options, command): the command object is not ours to forward.
    await (module[name] as (...forwarded: unknown[]) => Promise<void>)(...args.slice(0, -1));
  };
}

function buildCli(): Command {
  const program = new Command('kpi')
    .description('KPI Factory: weekly KPIs as a dependency graph, stored in the warehouse, published as scorecards')
    .option('--debug', 'on an error, print its stack trace and causes')
    .exitOverride()
    .showHelpAfterError();

  outputOptions(waitOption(withSelection(program.command('run').description('compute what is stale in the selection for the week(s), store it and publish'))))
    .option('-c, --concurrency <n>', 'tasks run at the same time', parseConcurrency)
    .option('--force [selectors]', 'rerun even what is fresh: everything selected, or only these selectors (comma-separated)')
    .action(lazy(() => import('./commands/run.ts'), 'runCommand'));

  withSelection(program.command('plan').description('show the tasks level by level, each fresh or stale and why, without running anything'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(PLAN_FORMATS).default('text'))
    .option('--force [selectors]', 'show the plan as run --force would')
    .action(lazy(() => import('./commands/plan.ts'), 'planCommand'));

  outputOptions(waitOption(program.command('retry')))
    .argument('[run-id]', 'the run to retry (default: the latest)')
    .description('rerun the failed and blocked nodes of a run, for the same weeks, with the current code')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('-c, --concurrency <n>', 'tasks run at the same time', parseConcurrency)
    .action(lazy(() => import('./commands/retry.ts'), 'retryCommand'));

  program
    .command('status')
    .description('per node: the latest run, its week, status, value, when and how long')
    .option('--config <file>', CONFIG_HELP)
    .action(lazy(() => import('./commands/status.ts'), 'statusCommand'));

  program
    .command('history')
    .description('past runs, newest first; with --node, the runs of one node')
    .option('--config <file>', CONFIG_HELP)
    .option('--node <id>', 'one node, e.g. success.kpi06')
    .option('--limit <n>', 'how many rows', parseConcurrency, 20)
    .action(lazy(() => import('./commands/history.ts'), 'historyCommand'));

  program
    .command('schedule')
    .description('run the configured schedules (cron expressions) for the last completed week, until stopped')
    .option('--config <file>', CONFIG_HELP)
    .option('--list <n>', 'print the next n run times of each schedule and exit', parseConcurrency)
    .action(lazy(() => import('./commands/schedule.ts'), 'scheduleCommand'));

  program
    .command('new')
    .argument('<domain>', 'business domain, e.g. success')
    .argument('<number>', 'KPI number, 1 to 99')
    .argument('<name>', 'the KPI name as the scorecard shows it')
    .description('scaffold a KPI file (and the domain publish file, for a new domain)')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .action(lazy(() => import('./commands/new.ts'), 'newCommand'));

  program
    .command('sheets')
    .description('Google Sheets')
    .command('check')
    .description('verify access to every configured spreadsheet and tab, and show what publish would write where, without writing')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('-w, --week <week>', 'the week to preview (default: the last completed week)')
    .action(lazy(() => import('./commands/sheets-check.ts'), 'sheetsCheckCommand'));

  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = undefined;
  const program = buildCli();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    // One line a person can act on; the stack and causes only for whoever debugs the engine.
    const debug = program.opts<{ debug?: boolean }>().debug === true;
    process.stderr.write(`error: ${scrubSecrets(debug ? inspect(error) : ((error as Error).message ?? String(error)))}\n`);
    const code = (error as { code?: unknown }).code;
    if (code === 'locked') return EXIT.locked;
    if (typeof code === 'string' && INVALID_CODES.has(code)) return EXIT.invalid;
    return EXIT.failed;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
