/**
 * dbt's selector syntax through the CLI, as a user types it: spaces a union, commas an
 * intersection, the methods (tag, path, source, kind) from the declarations alone, and
 * state:modified and result: from the ledger of earlier runs.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyNodes, runCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const WEEK = '2026-W10';
const ids = (result: CliResult) => {
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.split('\n').filter(Boolean).map((line) => line.split(' ')[0]!);
};
const sorted = (list: string[]) => [...list].sort();

describe('ls with the methods read from the declarations', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite', { newStore: true });
  });
  after(() => environment.cleanup());
  const ls = (...args: string[]) => runCli(['ls', ...args], environment.env);

  test("--select 'tag:board': the leadership KPIs and Success's churn, tags shown after the id", async () => {
    const result = await ls('--select', 'tag:board');
    assert.deepEqual(ids(result), ['leadership.kpi61', 'leadership.kpi62', 'leadership.kpi63', 'success.kpi32']);
    assert.match(result.stdout, /^success\.kpi32 \[board\]$/m);
    const json = JSON.parse((await ls('--select', 'tag:board', '--output', 'json')).stdout) as { id: string; tags: string[] | null }[];
    assert.deepEqual(json.map((node) => node.tags), [['board'], ['board'], ['board'], ['board']]);
    const table = JSON.parse((await ls('--select', 'kind:table', '--output', 'json')).stdout) as { tags: string[] | null }[];
    assert.ok(table.every((node) => node.tags === null), 'a table has no tags');
  });

  test("--select 'source:stg_hubspot.agreements+': the table and what reads it, down to the publishes", async () => {
    assert.deepEqual(ids(await ls('--select', 'source:stg_hubspot.agreements+')), [
      'leadership.kpi61',
      'leadership.publish',
      'success.kpi32',
      'success.publish',
      'table:stg_hubspot.agreements',
    ]);
  });

  test("'success.* kind:kpi' is a union, 'success.*,kind:kpi' an intersection", async () => {
    const kpis = ['applications.kpi51', 'applications.kpi52', 'applications.kpi53', 'leadership.kpi61', 'leadership.kpi62', 'leadership.kpi63'];
    const recruitment = ['recruitment.kpi41', 'recruitment.kpi42', 'recruitment.kpi43', 'recruitment.kpi44'];
    const success = ['success.kpi05', 'success.kpi06', 'success.kpi16', 'success.kpi32'];
    assert.deepEqual(ids(await ls('--select', 'success.* kind:kpi')), sorted([...kpis, ...recruitment, ...success, 'success.publish']));
    assert.deepEqual(ids(await ls('--select', 'success.*', 'kind:kpi')), sorted([...kpis, ...recruitment, ...success, 'success.publish']), 'as separate arguments');
    assert.deepEqual(ids(await ls('--select', 'success.*,kind:kpi')), success);
  });

  test('path: a folder or a file, relative to the working directory; --exclude takes the same grammar', async () => {
    assert.deepEqual(ids(await ls('--select', 'path:nodes/success', '--exclude', 'tag:weekly kind:publish')), ['success.kpi32']);
    assert.deepEqual(ids(await ls('--select', 'path:nodes/success/kpi06.ts')), ['success.kpi06']);
    assert.deepEqual(ids(await ls('--target', 'success.kpi05', 'success.kpi16', '--resource-type', 'kpi')), ['success.kpi05', 'success.kpi06', 'success.kpi16']);
  });

  test('a selector that matches nothing exits 2 with the closest id, method or value', async () => {
    const cases: [string, RegExp][] = [
      ['kpi06', /did you mean success\.kpi06\?/],
      ['tags:board', /did you mean tag:board\?/],
      ['tag:bord', /did you mean tag:board\?/],
      ['success.kpi06,recruitment.kpi41', /a comma intersects \(as in dbt\): `success\.kpi06,recruitment\.kpi41` matches nothing; for the union of success\.kpi06 and recruitment\.kpi41 write `--select success\.kpi06 recruitment\.kpi41`/],
    ];
    for (const [selector, message] of cases) {
      const result = await ls('--select', selector);
      assert.equal(result.code, 2, selector);
      assert.match(result.stderr, message);
    }
    assert.equal(existsSync(join(environment.dir, 'state')), false, 'no warehouse was opened');
  });
});

describe('state:modified and result: from the ledger', () => {
  let environment: TestEnvironment;
  let nodes: string;
  let firstRun: string;
  const ls = (...args: string[]) => runCli(['ls', '--nodes', nodes, ...args], environment.env);
  const edit = async (file: string, from: string, to: string) => {
    const path = join(nodes, file);
    const code = await readFile(path, 'utf8');
    assert.ok(code.includes(from), `${file} has ${from}`);
    await writeFile(path, code.replace(from, to));
  };

  before(async () => {
    environment = await createEnvironment();
    nodes = await copyNodes(join(REPO, 'nodes'));
    const run = await runCli(['run', '--week', WEEK, '--nodes', nodes, '--json'], environment.env);
    assert.equal(run.code, 0, run.stderr);
    firstRun = (JSON.parse(run.stdout.split('\n')[0]!) as { runId: string }).runId;
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('nothing is modified right after a run of everything: an empty list, exit 0', async () => {
    assert.deepEqual(ids(await ls('--select', 'state:modified+')), []);
  });

  test("after editing KPI 6 and KPI 32: they, what reads them and the publishes", async () => {
    await edit('success/kpi06.ts', "lower(trim(form_status))", "lower(btrim(form_status))");
    await edit('success/kpi32.ts', 'select distinct client_id', 'select distinct on (client_id) client_id');
    assert.deepEqual(ids(await ls('--select', 'state:modified')), ['success.kpi06', 'success.kpi32']);
    assert.deepEqual(ids(await ls('--select', 'state:modified+')), [
      'leadership.kpi61',
      'leadership.publish',
      'success.kpi05',
      'success.kpi06',
      'success.kpi32',
      'success.publish',
    ]);
    assert.deepEqual(ids(await ls('--select', 'state:modified,tag:board')), ['success.kpi32']);
  });

  test('plan takes the same selection: only the modified nodes and what they reach', async () => {
    const plan = await runCli(['plan', '--nodes', nodes, '--week', WEEK, '--select', 'state:modified+', '--format', 'json'], environment.env);
    assert.equal(plan.code, 0, plan.stderr);
    const planned = (JSON.parse(plan.stdout) as { levels: { node: string; reason: string }[][] }).levels.flat().filter((task) => task.reason === 'selected');
    assert.deepEqual(sorted([...new Set(planned.map((task) => task.node))]), ['leadership.kpi61', 'leadership.publish', 'success.kpi05', 'success.kpi06', 'success.kpi32', 'success.publish']);
  });

  test("'result:error+' after a failed run: the failed KPI and what it blocked; --state names an earlier run", async () => {
    await edit('success/kpi06.ts', 'where lower(btrim(form_status))', 'where no_such_column');
    const failed = await runCli(['run', '--target', 'success.publish', '--week', WEEK, '--nodes', nodes], environment.env);
    assert.equal(failed.code, 1, failed.stderr);
    assert.deepEqual(ids(await ls('--select', 'result:error+')), ['success.kpi05', 'success.kpi06', 'success.publish']);
    assert.deepEqual(ids(await ls('--select', 'result:error')), ['success.kpi06']);
    assert.deepEqual(ids(await ls('--select', 'result:blocked')), ['success.kpi05', 'success.publish']);
    assert.deepEqual(ids(await ls('--select', 'result:error', '--state', firstRun)), [], 'the first run failed nothing');
    assert.ok(ids(await ls('--select', 'result:success', '--state', firstRun)).includes('success.kpi06'));
    const unknown = await ls('--select', 'result:error', '--state', 'no-such-run');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--state no-such-run: no such run in the ledger/);
  });

  test('path: of a nodes folder elsewhere is relative to the working directory too', async () => {
    assert.deepEqual(ids(await ls('--select', `path:${relative(REPO, join(nodes, 'success', 'kpi06.ts'))}`)), ['success.kpi06']);
  });
});
