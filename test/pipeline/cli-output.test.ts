/**
 * The CLI for scripts and for readers, in child processes as a user runs it: --version, ls,
 * the JSON modes (also through plain `pnpm pipeline`), summaries that say what happened,
 * status as the scorecard shows it, and workbooks laid out to be read.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { NAME_WIDTH_LIMIT } from '../../pipeline/connectors/scorecards/layout.ts';
import { copyNodes, runCli, runPnpm, spawnNode } from '../helpers/cli.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const WEEK = '2026-W10';
const parseJson = (stdout: string): unknown => JSON.parse(stdout);
const keysOf = (value: unknown) => Object.keys(value as object).sort();

describe('--version', () => {
  test('prints the package version, and the commit in a checkout, and exits 0: from the bin and from pnpm', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const expected = new RegExp(`^kpi-factory ${version.replace(/\./g, '\\.')}( \\([0-9a-f]{7,}(\\+dirty)?\\))?\\n$`);
    const bin = await spawnNode([join(REPO, 'bin', 'kpi.js'), '--version'], {}).done;
    assert.equal(bin.code, 0, bin.stderr);
    assert.match(bin.stdout, expected);
    const pnpm = await runPnpm(['pipeline', '--version'], {});
    assert.equal(pnpm.code, 0, pnpm.stderr);
    assert.equal(pnpm.stdout, bin.stdout);
  });

  test('the command table and --version load no connector code', async () => {
    const loaded = new Set<string>();
    const packages = new Set<string>();
    // Static imports only: each command's own module is imported when it runs, not before.
    const visit = async (file: string): Promise<void> => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const [, specifier] of (await readFile(file, 'utf8')).matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?\sfrom\s+'([^']+)'/gm)) {
        if (specifier!.startsWith('.')) await visit(resolve(dirname(file), specifier!));
        else packages.add(specifier!);
      }
    };
    await visit(join(REPO, 'pipeline', 'cli.ts'));
    await visit(join(REPO, 'pipeline', 'commands', 'version.ts'));
    const connectors = [...loaded].filter((file) => file.includes(join('pipeline', 'connectors')));
    assert.deepEqual(connectors, []);
    for (const heavy of ['google-spreadsheet', 'google-auth-library', '@duckdb/node-api', '@electric-sql/pglite', 'pg', 'kysely', 'exceljs']) assert.ok(!packages.has(heavy), heavy);
  });
});

describe('ls: the nodes a selection matches, from the declarations alone', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite', { newStore: true });
  });
  after(() => environment.cleanup());
  const ls = (...args: string[]) => runCli(['ls', ...args], environment.env);

  test("--select 'success.*' lists the domain's nodes, one id a line", async () => {
    const result = await ls('--select', 'success.*');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), ['success.kpi05 [weekly]', 'success.kpi06 [weekly]', 'success.kpi16 [weekly]', 'success.kpi32 [board]', 'success.publish']);
  });

  test('--output path gives the files, relative, for editors and scripts', async () => {
    const result = await ls('--target', 'success.kpi05', '--output', 'path');
    assert.deepEqual(result.stdout.trim().split('\n'), ['nodes/success/kpi05.ts', 'nodes/success/kpi06.ts'], 'tables have no file');
  });

  test('--output json is an array of objects with the same fields on every node', async () => {
    const result = await ls('--output', 'json');
    assert.equal(result.code, 0, result.stderr);
    const nodes = parseJson(result.stdout) as Record<string, unknown>[];
    for (const node of nodes) assert.deepEqual(keysOf(node), ['destinations', 'domain', 'file', 'id', 'inputs', 'kind', 'name', 'number', 'tags', 'unit']);
    assert.deepEqual(
      nodes.find((node) => node.id === 'success.kpi06'),
      {
        id: 'success.kpi06',
        kind: 'kpi',
        domain: 'success',
        number: 6,
        name: 'Offboarding Forms Completed',
        unit: 'integer',
        file: 'nodes/success/kpi06.ts',
        inputs: ['table:stg_forms.offboarding_submissions'],
        destinations: null,
        tags: ['weekly'],
      },
    );
    assert.deepEqual(nodes.find((node) => node.id === 'success.publish')?.destinations, ['workbook']);
    assert.equal(nodes.find((node) => node.id === 'sheet:cs_weekly_report')?.file, null);
  });

  test('--resource-type keeps those kinds (repeatable); the warehouse is never opened', async () => {
    const sources = await ls('--resource-type', 'table', '--resource-type', 'sheet');
    assert.deepEqual(sources.stdout.trim().split('\n'), [
      'sheet:cs_weekly_report',
      'table:stg_ats.applications',
      'table:stg_ats.positions',
      'table:stg_forms.offboarding_submissions',
      'table:stg_hubspot.agreements',
      'table:stg_webhooks.form_submissions',
    ]);
    const kpis = await ls('--resource-type', 'kpi', '--target', 'success.publish', '--exclude', 'success.kpi16');
    assert.deepEqual(kpis.stdout.trim().split('\n'), ['success.kpi05 [weekly]', 'success.kpi06 [weekly]', 'success.kpi32 [board]']);
    assert.equal((await ls('--resource-type', 'view')).code, 2);
    assert.equal((await ls('--select', 'success.kpi6')).code, 2, 'a selector that matches nothing');
    assert.equal(existsSync(join(environment.dir, 'state')), false, 'no warehouse was created');
  });
});

describe('a warehouse read by scripts and people', () => {
  let environment: TestEnvironment;
  let nodes: string;

  before(async () => {
    environment = await createEnvironment();
    nodes = await copyNodes(join(REPO, 'nodes'));
    const first = await runCli(['run', '--target', 'success.publish', '--week', WEEK, '--nodes', nodes], environment.env);
    assert.equal(first.code, 0, first.stderr);
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('status shows each value as the scorecard does: success.kpi32 as a percentage', async () => {
    const status = await runCli(['status', '--nodes', nodes], environment.env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^success\\.kpi32\\s+${WEEK}\\s+succeeded\\s+\\d+\\.\\d\\d%\\s`, 'm'));
    assert.match(status.stdout, new RegExp(`^success\\.kpi05\\s+${WEEK}\\s+succeeded\\s+\\d+\\.\\d\\d\\s`, 'm'));
    assert.match(status.stdout, new RegExp(`^success\\.kpi06\\s+${WEEK}\\s`, 'm'), 'the latest week, whichever lookback week ran last');
    assert.match(status.stdout, new RegExp(`^success\\.publish:workbook\\s+${WEEK}\\s+succeeded\\s`, 'm'));
  });

  test('status --json, history --json and history --node --json: nothing but JSON, with stable fields', async () => {
    const nodeRunFields = ['destination', 'display', 'durationMs', 'error', 'finishedAt', 'node', 'reason', 'runId', 'startedAt', 'status', 'task', 'value', 'week'];
    const status = await runCli(['status', '--json', '--nodes', nodes], environment.env);
    assert.equal(status.code, 0, status.stderr);
    const statuses = parseJson(status.stdout) as Record<string, unknown>[];
    for (const entry of statuses) assert.deepEqual(keysOf(entry), [...nodeRunFields, 'removed'].sort());
    const kpi32 = statuses.find((entry) => entry.node === 'success.kpi32')!;
    assert.match(String(kpi32.display), /^\d+\.\d\d%$/);
    assert.equal(typeof kpi32.value, 'number');
    assert.match(String(kpi32.finishedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/, 'local time with its offset');
    assert.equal(statuses.find((entry) => entry.node === 'success.publish')?.destination, 'workbook');

    const history = await runCli(['history', '--json'], environment.env);
    const runs = parseJson(history.stdout) as Record<string, unknown>[];
    assert.equal(runs.length, 1);
    assert.deepEqual(keysOf(runs[0]), ['command', 'counts', 'durationMs', 'finishedAt', 'logFile', 'runId', 'startedAt', 'status', 'weeks']);
    assert.deepEqual(keysOf(runs[0]!.counts), ['abandoned', 'blocked', 'computed', 'failed', 'fresh']);
    assert.deepEqual(runs[0]!.weeks, ['2026-W07', '2026-W08', '2026-W09', WEEK]);

    const node = await runCli(['history', '--node', 'success.kpi06', '--json', '--nodes', nodes], environment.env);
    const nodeRuns = parseJson(node.stdout) as Record<string, unknown>[];
    assert.equal(nodeRuns.length, 4, 'kpi06 for W07..W10');
    for (const entry of nodeRuns) assert.deepEqual(keysOf(entry), nodeRunFields);
  });

  test('history --limit takes any count; --since a week or a day', async () => {
    const many = await runCli(['history', '--limit', '500'], environment.env);
    assert.equal(many.code, 0, many.stderr);
    assert.equal((await runCli(['history', '--limit', '0'], environment.env)).code, 2);
    assert.equal((parseJson((await runCli(['history', '--json', '--since', '2020-W01'], environment.env)).stdout) as unknown[]).length, 1);
    assert.match((await runCli(['history', '--since', '2099-01-01'], environment.env)).stdout, /^no run yet$/m);
    const bad = await runCli(['history', '--since', 'last week'], environment.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /neither an ISO week nor a date/);
  });

  test('plan of one node says "1 task in 1 level"', async () => {
    const plan = await runCli(['plan', '--select', 'success.publish', '--week', WEEK, '--nodes', nodes], environment.env);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /^1 task in 1 level: 0 stale \(will run\), 1 fresh \(skipped\)$/m);
  });

  test('pnpm pipeline plan --format json, as typed: stdout is the JSON and nothing else', async () => {
    const result = await runPnpm(['pipeline', 'plan', '--format', 'json', '--week', WEEK, '--nodes', nodes], environment.env);
    assert.equal(result.code, 0, result.stderr);
    const plan = parseJson(result.stdout) as { summary: { tasks: number }; levels: { id: string; destination: string | null }[][] };
    assert.ok(plan.summary.tasks > 0);
    assert.equal(plan.levels.flat().find((task) => task.id === `success.publish@${WEEK}:workbook`)?.destination, 'workbook');
  });

  test('a KPI whose file was removed is no longer listed (nor the source only it read); --all lists them apart', async () => {
    const without16 = await copyNodes(nodes);
    try {
      await rm(join(without16, 'success', 'kpi16.ts'));
      const status = await runCli(['status', '--nodes', without16], environment.env);
      assert.equal(status.code, 0, status.stderr);
      assert.doesNotMatch(status.stdout, /success\.kpi16/);
      assert.match(status.stdout, /^\(2 no longer in the project: --all lists them\)$/m);
      const all = await runCli(['status', '--all', '--nodes', without16], environment.env);
      const [current, removed] = all.stdout.split(/^No longer in the project.*$/m);
      assert.doesNotMatch(current!, /success\.kpi16/);
      assert.match(removed!, new RegExp(`^success\\.kpi16\\s+${WEEK}\\s+succeeded`, 'm'));
      const json = parseJson((await runCli(['status', '--all', '--json', '--nodes', without16], environment.env)).stdout) as { node: string; removed: boolean }[];
      assert.deepEqual(json.filter((entry) => entry.removed).map((entry) => entry.node), ['sheet:cs_weekly_report', 'success.kpi16']);
    } finally {
      await rm(without16, { recursive: true, force: true });
    }
  });

  test('a run where a KPI fails and the rest is fresh exits 1 and says what happened', async () => {
    const broken = await copyNodes(nodes);
    try {
      const kpi06 = join(broken, 'success', 'kpi06.ts');
      await writeFile(kpi06, (await readFile(kpi06, 'utf8')).replace('where lower(trim(form_status))', 'where no_such_column'));
      const result = await runCli(['run', '--target', 'success.publish', '--week', WEEK, '--force', 'success.kpi06', '--nodes', broken], environment.env);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /^success\.kpi16\s+2026-W10\s+fresh/m);
      assert.doesNotMatch(result.stdout, /Everything selected was fresh/);
      assert.match(result.stdout, /^Not everything ran: 1 task failed and 2 tasks blocked; 0 KPI values computed, 2 fresh, 0 scorecards published\.$/m);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});

describe('workbooks people can read', () => {
  test('a new KPI row lies between 16 and 32, the name column fits the longest name, header and labels frozen', async () => {
    const environment = await createEnvironment();
    const nodes = await copyNodes(join(REPO, 'nodes'));
    const run = async (...extra: string[]) => {
      const result = await runCli(['run', '--target', 'success.publish', '--week', WEEK, '--nodes', nodes, ...extra], environment.env);
      assert.equal(result.code, 0, result.stderr);
      return result;
    };
    const readSheet = async () => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(join(environment.dir, 'scorecards', 'success.xlsx'));
      return workbook.getWorksheet('sc2026')!;
    };
    try {
      await run();
      const created = await runCli(['new', 'success', '17', 'Open escalations', '--nodes', nodes], environment.env);
      assert.equal(created.code, 0, created.stderr);
      assert.match((await run()).stdout, /^success\.kpi17\s+2026-W10\s+succeeded\s+\(no value\)/m);

      const sheet = await readSheet();
      const column = (of: ExcelJS.Worksheet, index: number) => [1, 2, 3, 4, 5, 6, 7].map((row) => of.getCell(row, index).value ?? null);
      assert.deepEqual(column(sheet, 1), ['KPI', '05', '06', '16', '17', '32', null]);
      assert.equal(sheet.getCell(5, 2).value, 'Open escalations');
      const longest = Math.max(...column(sheet, 2).slice(1, 6).map((name) => String(name).length));
      const nameWidth = sheet.getColumn(2).width ?? 0;
      assert.ok(nameWidth >= longest && nameWidth <= NAME_WIDTH_LIMIT + 2, `name column ${nameWidth} for ${longest} characters`);
      assert.ok((sheet.getColumn(3).width ?? 0) >= '2026-03-08'.length, 'the week column fits its header');
      assert.deepEqual([3, 4, 5, 6].map((row) => sheet.getCell(row, 3).numFmt), ['0', '0', '0', '0.00%'], 'formats by unit, 32 still a percentage');
      const view = sheet.views[0] as { state?: string; xSplit?: number; ySplit?: number } | undefined;
      assert.deepEqual([view?.state, view?.xSplit, view?.ySplit], ['frozen', 2, 1]);

      const layout = (of: ExcelJS.Worksheet) => ({ labels: [column(of, 1), column(of, 2)], widths: [1, 2, 3].map((index) => of.getColumn(index).width ?? null) });
      const before = layout(sheet);
      await run('--force', 'success.publish');
      assert.deepEqual(layout(await readSheet()), before, 'publishing again changes nothing');
    } finally {
      await rm(nodes, { recursive: true, force: true });
      await environment.cleanup();
    }
  });
});

test('an argument error is its line, a suggestion when there is one, and a pointer to --help: exit 2, no page of help', async () => {
  const cases: [string[], RegExp][] = [
    [['rnu'], /^error: unknown command 'rnu'\n\(Did you mean run\?\)\n\(add --help for usage\)\n$/],
    [['run', '--concurrency', '0'], /^error: option '-c, --concurrency <n>' argument '0' is invalid\. must be a whole number from 1 to 64\n\(add --help for usage\)\n$/],
    [['run', '--taget', 'success.publish'], /^error: unknown option '--taget'\n\(Did you mean --target\?\)\n\(add --help for usage\)\n$/],
  ];
  for (const [args, expected] of cases) {
    const result = await runCli(args, {});
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, expected);
    assert.equal(result.stdout, '');
  }
});
