/**
 * What a command costs before it does anything: the bin runs the engine built into dist/ (no
 * TypeScript transformed), and each command loads only the packages it uses. Checked by
 * recording every module the process loads (helpers/record-modules.mjs).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { copyNodes, spawnNode } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const BIN = join(REPO, 'bin', 'kpi.js');
const RECORDER = join(REPO, 'test', 'helpers', 'record-modules.mjs');
/** The packages that take longest to load: spreadsheets, Google, DuckDB, and the terminal log format. */
const HEAVY = /\/node_modules\/(exceljs|google-spreadsheet|google-auth-library|@duckdb\/[^/]+|pino-pretty)\//;

describe('the bin on the built engine', () => {
  let environment: TestEnvironment;
  let logs: string;

  before(async () => {
    environment = await createEnvironment();
    logs = await mkdtemp(join(tmpdir(), 'kpi-modules-'));
  });
  after(async () => {
    await environment.cleanup();
    await rm(logs, { recursive: true, force: true });
  });

  let runs = 0;
  /** Runs the bin as a user would and returns what it printed and every module it loaded. */
  async function bin(args: readonly string[]): Promise<CliResult & { modules: string[] }> {
    const log = join(logs, `${runs++}.txt`);
    const result = await spawnNode(['--import', RECORDER, BIN, ...args], { ...environment.env, KPI_MODULE_LOG: log }).done;
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return { ...result, modules: (await readFile(log, 'utf8')).split('\n').filter(Boolean) };
  }
  const heavy = (modules: readonly string[]) => [...new Set(modules.flatMap((url) => HEAVY.exec(url)?.[1] ?? []))];

  test('rebuilds dist/ when a source it was built from changed, then runs it as it is', async () => {
    const now = new Date();
    await utimes(join(REPO, 'pipeline', 'exit-codes.ts'), now, now);
    const esbuild = (modules: readonly string[]) => modules.some((url) => url.includes('/node_modules/esbuild/'));
    assert.ok(esbuild((await bin(['--help'])).modules), 'rebuilt with esbuild');
    assert.ok(!esbuild((await bin(['--help'])).modules), 'the next command runs the build as it is');
  });

  test('runs the engine from dist/ and transforms none of its TypeScript', async () => {
    const { stdout, modules } = await bin(['--help']);
    assert.match(stdout, /Usage: kpi/);
    assert.ok(modules.includes(pathToFileURL(join(REPO, 'dist', 'cli.js')).href), 'the built entry point');
    assert.deepEqual(modules.filter((url) => url.endsWith('.ts')), [], 'no TypeScript module');
    assert.deepEqual(modules.filter((url) => /\/node_modules\/(kysely|@electric-sql\/pglite|pg|zod|pino|tsx|esbuild)\//.test(url)), [], 'no warehouse, configuration, log or TypeScript package');
    // kysely, zod and the other pure-JavaScript packages are bundled into dist/: not in the chunks --help loads either.
    const bundled = await Promise.all(modules.filter((url) => url.includes('/dist/')).map(async (url) => (await readFile(new URL(url), 'utf8')).match(/^\/\/ node_modules\/\.pnpm\/(kysely|zod|cron-parser|log-update)@/gm) ?? []));
    assert.deepEqual(bundled.flat(), [], 'no bundled warehouse, configuration, schedule or terminal package');
  });

  test('a first run computes and publishes; the all-fresh rerun loads no spreadsheet or DuckDB code', async () => {
    const first = await bin(['run', '--target', 'success.publish']);
    assert.match(first.stdout, /0 failed, 0 blocked/);
    assert.deepEqual(heavy(first.modules).filter((name) => !name.startsWith('@duckdb/node-bindings')).sort(), ['@duckdb/node-api', 'exceljs']);
    const rerun = await bin(['run', '--target', 'success.publish']);
    assert.match(rerun.stdout, /Everything selected was fresh/);
    assert.deepEqual(heavy(rerun.modules), []);
    // Only the KPI files are TypeScript: the engine itself comes from dist/.
    assert.deepEqual(rerun.modules.filter((url) => url.endsWith('.ts') && !url.includes('/nodes/') && !url.endsWith('/graph/declare.ts')), []);
  });

  test('plan, status, history and new load no spreadsheet, Google, DuckDB or pino-pretty code', async () => {
    const nodes = await copyNodes(join(REPO, 'nodes'));
    try {
      for (const args of [['plan'], ['plan', '--target', 'success.publish', '--format', 'json'], ['status'], ['history'], ['new', 'success', '17', 'Open escalations', '--nodes', nodes]]) {
        const { modules } = await bin(args);
        assert.deepEqual(heavy(modules), [], `${args.join(' ')} loaded them`);
      }
    } finally {
      await rm(nodes, { recursive: true, force: true });
    }
  });
});
