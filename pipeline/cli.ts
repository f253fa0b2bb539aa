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
import { watchStdout } from './engine/stop-requests.ts';
import {
  CONFIG_HELP,
  LS_OUTPUTS,
  NODES_HELP,
  RESOURCE_TYPES,
  collectChoices,
  collectForced,
  envOption,
  outputOptions,
  parseConcurrency,
  waitOption,
  wholeNumber,
  withNodeSelection,
  withSelection,
  withWeeks,
} from './commands/options.ts';
import { PLAN_FORMATS } from './reports/plan-formats.ts';
import { DIFF_FORMATS } from './reports/diff-formats.ts';

/** An action that loads its command's module first: `lazy(() => import('./commands/x.ts'), 'xCommand')`. */
function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K) {
  return async (...args: unknown[]): Promise<void> => {
    const module = await load();
    // Commander passes (…arguments, options, command): the command object is not ours to forward.
    await (module[name] as (...forwarded: unknown[]) => Promise<void>)(...args.slice(0, -1));
  };
}

/** The code of the CommanderError that `--version` ends parsing with, so main() prints the version instead. */
const VERSION_REQUESTED = 'kpi.version';

function buildCli(): Command {
  const program = new Command('kpi')
    .description('KPI Factory: weekly KPIs as a dependency graph, stored in the warehouse, published as scorecards')
    .option('--debug', 'log at debug level (a line per fresh task too) and, on an error, print its stack trace and causes')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .hook('preAction', () => {
      if (program.opts<{ debug?: boolean }>().debug) process.env.KPI_LOG_LEVEL = 'debug';
    });

  // Commander's own .version() needs the text up front; ours asks git, so only when asked.
  program.option('-V, --version', 'print the version (and the git commit, in a checkout) and exit').on('option:version', () => {
    throw new CommanderError(EXIT.ok, VERSION_REQUESTED, '');
  });

  envOption(outputOptions(waitOption(withSelection(program.command('run').description('compute what is stale in the selection for the week(s), store it and publish')))))
    .option('-c, --concurrency <n>', 'tasks run at the same time', parseConcurrency)
    .option('--force [selectors...]', 'rerun even what is fresh: everything selected, or only what these selectors select', collectForced)
    .action(lazy(() => import('./commands/run.ts'), 'runCommand'));

  envOption(withSelection(program.command('plan').description('show the tasks level by level, each fresh or stale and why, without running anything')))
    .addOption(new Option('-f, --format <format>', 'output format').choices(PLAN_FORMATS).default('text'))
    .option('--force [selectors...]', 'show the plan as run --force would', collectForced)
    .action(lazy(() => import('./commands/plan.ts'), 'planCommand'));

  envOption(outputOptions(waitOption(program.command('retry'))))
    .argument('[run-id]', 'the run to retry (default: the latest)')
    .description('rerun the failed and blocked nodes of a run, for the same weeks, with the current code')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('-c, --concurrency <n>', 'tasks run at the same time', parseConcurrency)
    .action(lazy(() => import('./commands/retry.ts'), 'retryCommand'));

  withNodeSelection(program.command('ls').description('list the nodes a selection matches, from the declarations alone (no warehouse)'))
    .option('--resource-type <type>', `only nodes of this kind: ${RESOURCE_TYPES.join(', ')}; repeatable`, collectChoices(RESOURCE_TYPES), [])
    .addOption(new Option('-o, --output <format>', 'node ids, the KPI and publish files, or JSON objects').choices(LS_OUTPUTS).default('text'))
    .action(lazy(() => import('./commands/ls.ts'), 'lsCommand'));

  withNodeSelection(program.command('test').description("run the selected KPIs' examples (kpiNN.examples.ts: given rows, expected value) on an embedded warehouse of their own; exit 1 when one fails"))
    .option('--json', 'a JSON array, one object per example')
    .action(lazy(() => import('./commands/test.ts'), 'testCommand'));

  envOption(program.command('status'))
    .description('per node of the project: the latest run, its week, status, value, when and how long')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('--all', 'also list nodes no longer in the project (their files removed)')
    .option('--json', 'a JSON array on stdout instead of the table')
    .action(lazy(() => import('./commands/status.ts'), 'statusCommand'));

  envOption(program.command('history'))
    .argument('[node]', 'one node, e.g. success.kpi06 (same as --node)')
    .description('past runs, newest first; with a node, its runs; with a KPI and --week, every value that KPI-week has had')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('--node <id>', 'one node, e.g. success.kpi06')
    .option('-w, --week <week>', 'with a KPI: every value of that week, with its run, code version and input fingerprints')
    .option('--limit <n>', 'how many rows', wholeNumber(1), 20)
    .option('--since <week|date>', 'only runs started from this week (2026-W30) or day (2026-07-20) on, local time')
    .option('--json', 'a JSON array on stdout instead of the table')
    .action(lazy(() => import('./commands/history.ts'), 'historyCommand'));

  envOption(program.command('explain'))
    .argument('<node>', 'a KPI, e.g. success.kpi32')
    .description("why a KPI-week's value is what it is: the run and code that computed it, its inputs and their fingerprints, upstream values, checks, and where it was published")
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('-w, --week <week>', 'the ISO week, e.g. 2026-W10')
    .option('--json', 'the same as one JSON object')
    .action(lazy(() => import('./commands/explain.ts'), 'explainCommand'));

  withWeeks(program.command('show'))
    .argument('<kpi>', 'a KPI, e.g. success.kpi32')
    .description("compute a KPI for the week(s) with the current code and print the values and each input's fingerprint, as dbt's show: nothing is stored, published or recorded, and upstream KPIs are read as stored")
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('--json', 'the same as one JSON object')
    .action(lazy(() => import('./commands/show.ts'), 'showCommand'));

  envOption(program.command('restatements'))
    .description('published values that changed later (late data, a fix), newest first')
    .option('--config <file>', CONFIG_HELP)
    .option('--since <week|date>', 'restated weeks from this ISO week on, or restated since this date')
    .option('--limit <n>', 'how many rows', wholeNumber(1), 50)
    .option('--json', 'the same as a JSON array')
    .action(lazy(() => import('./commands/restatements.ts'), 'restatementsCommand'));

  program
    .command('sources')
    .description("each source's latest load and freshness against its rule (the configuration's sources), measured now; exit 1 when one is past errorAfter")
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('--json', 'the same as a JSON array')
    .action(lazy(() => import('./commands/sources.ts'), 'sourcesCommand'));

  envOption(program.command('docs'))
    .description('write a static site of the scorecards (statuses, changes, trends), each KPI (definition, chart, runs, restatements, lineage) and the graph; it works offline from the file system')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('-o, --out <dir>', 'where to write it (default: site beside the scorecard workbooks, out/site; out/site/NAME for --env NAME)')
    .option('--against <env>', "also a page of the KPI-weeks whose values differ from this environment's (diff.html), as diff lists them")
    .option('--serve', 'then serve it on 127.0.0.1 until stopped')
    .option('--port <n>', 'the port to serve on (default 8000; 0: any free one)', wholeNumber(0, 65_535))
    .action(lazy(() => import('./commands/docs.ts'), 'docsCommand'));

  program
    .command('debug')
    .description('check the setup, as dbt debug: the configuration resolved (secrets redacted), the warehouse, Google credentials, the node files, the week a run computes; exit 1 with a line per problem')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('--google', 'also ask Google for every configured spreadsheet and tab (as sheets check does)')
    .option('--json', 'the same as one JSON object')
    .action(lazy(() => import('./commands/debug.ts'), 'debugCommand'));

  program
    .command('schedule')
    .description('run the configured schedules (cron expressions) for the last completed week, until stopped')
    .option('--config <file>', CONFIG_HELP)
    .option('--list <n>', 'print the next n run times of each schedule and exit', parseConcurrency)
    .action(lazy(() => import('./commands/schedule.ts'), 'scheduleCommand'));

  withNodeSelection(program.command('diff'))
    .argument('<env>', 'the environment to compare, e.g. dev')
    .description('the KPI-weeks whose values differ between an environment and prod (or --against): both values, the change, the status in each, whether the cell changes; exit 1 when any differs')
    .option('--against <env>', 'the environment to compare with', 'prod')
    .option('-w, --week <week>', 'only this ISO week')
    .option('--weeks <range>', 'only these weeks, e.g. 2026-W01..2026-W10')
    .addOption(new Option('--format <format>', 'text, json, or markdown (a pull-request comment)').choices(DIFF_FORMATS).default('text'))
    .action(lazy(() => import('./commands/diff.ts'), 'diffCommand'));

  outputOptions(waitOption(withNodeSelection(program.command('promote'))))
    .argument('<env>', 'the environment whose values prod takes, e.g. dev')
    .description("prod takes the values the environment computed (without computing them again where their fingerprints match) and publishes them as a prod run; refuses when the checkout's code differs from the environment's")
    .option('-c, --concurrency <n>', 'tasks run at the same time', parseConcurrency)
    .action(lazy(() => import('./commands/promote.ts'), 'promoteCommand'));

  const env = program.command('env').description('environments: values computed apart from prod (see run --env)');
  env
    .command('ls')
    .description('every environment with its latest run and the KPI-weeks it holds')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'the same as a JSON array')
    .action(lazy(() => import('./commands/env.ts'), 'envListCommand'));
  waitOption(env.command('drop'))
    .argument('<env>', 'the environment to remove')
    .description('remove an environment: its values, models, ledger rows and workbooks (never prod)')
    .option('--config <file>', CONFIG_HELP)
    .action(lazy(() => import('./commands/env.ts'), 'envDropCommand'));

  waitOption(program.command('seed'))
    .description('load the demo source data (schema and rows of fixtures/warehouse) into the configured warehouse, PostgreSQL included')
    .option('--config <file>', CONFIG_HELP)
    .option('--replace', 'empty the demo tables that hold other data and load the demo data in their place')
    .action(lazy(() => import('./commands/seed.ts'), 'seedCommand'));

  program
    .command('cron')
    .description('print the configured schedules as crontab lines (CRON_TZ, cd, kpi run with the selection, a log file), for system cron')
    .option('--config <file>', CONFIG_HELP)
    .action(lazy(() => import('./commands/cron.ts'), 'cronCommand'));

  program
    .command('new')
    .argument('<domain>', 'business domain, e.g. success')
    .argument('<number>', 'KPI number, 1 to 99')
    .argument('<name>', 'the KPI name as the scorecard shows it')
    .description('scaffold a KPI file (and the domain publish file, for a new domain)')
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('--from <input>', 'what it reads: table:<schema.table> (a row count), sheet:<source> (a row count) or kpi:<domain.kpiNN> (its value)')
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
  // `status --json | head`: a reader that stops reading ends our output, not with a stack trace.
  watchStdout();
  const program = buildCli();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError && error.code === VERSION_REQUESTED) {
      await (await import('./commands/version.ts')).versionCommand();
      return EXIT.ok;
    }
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
