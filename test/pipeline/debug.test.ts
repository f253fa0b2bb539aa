/**
 * `debug`: the setup checked as dbt debug checks it, in a child process as a user runs it. A
 * wrong DATABASE_URL fails naming the server, never the password; the embedded defaults pass.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { POSTGRES_URL, REPO, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  await new Promise((closed) => server.close(closed));
  return port;
}

describe('debug', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite', { newStore: true });
  });
  after(() => environment.cleanup());

  test('a wrong DATABASE_URL: exit 1, naming host and port, never the password', async () => {
    const port = await closedPort();
    const result = await runCli(['debug'], { ...environment.env, DATABASE_URL: `postgres://kpi:s3cret-Pa55@127.0.0.1:${port}/kpi` });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, new RegExp(`^FAIL warehouse: cannot reach the warehouse at 127\\.0\\.0\\.1:${port}/kpi: .*ECONNREFUSED`, 'm'));
    assert.match(result.stdout, /"databaseUrl": "postgres:\/\/kpi:\*\*\*@127\.0\.0\.1/);
    assert.doesNotMatch(result.stdout + result.stderr, /s3cret-Pa55/);
    assert.match(result.stdout, /^1 problem: a run would not get far$/m);
  });

  test('the embedded defaults: exit 0, and a warehouse not yet created is left uncreated', async () => {
    const result = await runCli(['debug'], environment.env);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /^FAIL/m);
    assert.match(result.stdout, /^ok {3}warehouse: embedded \(PGlite\) at .*: not created yet/m);
    assert.match(result.stdout, /^ok {3}nodes: nodes compiled: 14 KPIs, 1 model, 4 publishes in 4 domains$/m);
    assert.match(result.stdout, /^ok {3}weeks: time zone Europe\/Madrid \(now .*\); a plain run computes \d{4}-W\d\d and rechecks/m);
    assert.match(result.stdout, /^everything a run needs is there$/m);
    assert.equal(existsSync(join(environment.dir, 'state', 'warehouse')), false);
  });

  test('after a run: the store reached, its schemas, the demo data and the ledger; --json says the same', async () => {
    const run = await runCli(['run', '--target', 'success.kpi06', '--week', '2026-W10'], environment.env);
    assert.equal(run.code, 0, run.stderr);
    const result = await runCli(['debug', '--json'], environment.env);
    assert.equal(result.code, 0, result.stderr);
    const { findings } = JSON.parse(result.stdout) as { findings: { check: string; ok: boolean; detail: string }[] };
    const detail = (check: string) => findings.find((finding) => finding.check === check)?.detail ?? '';
    assert.match(detail('warehouse'), /reached, server \d+[.\d]*; schemas .*kpi_ledger.*stg_hubspot.*vl_analytics/);
    assert.match(detail('ledger'), /^(\d+) of \1 migrations applied; demo data seeded$/);
    assert.match(detail('source tables'), /the 5 tables the KPIs read are there/);
  });

  test('node files that do not compile: exit 1, one line per problem', async () => {
    const result = await runCli(['debug', '--nodes', join(REPO, 'fixtures', 'broken-nodes', 'cycle')], environment.env);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^FAIL nodes: dependency cycle/m);
  });

  test('Google credentials that cannot be read are a problem, named by their variable', async () => {
    const result = await runCli(['debug'], { ...environment.env, GOOGLE_APPLICATION_CREDENTIALS: join(environment.dir, 'missing-key.json') });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^FAIL google: GOOGLE_APPLICATION_CREDENTIALS \(.*missing-key\.json\): cannot read the key file: ENOENT$/m);
  });

  test('a PostgreSQL warehouse that is there: exit 0 with its version', { skip: engineSkipReason('postgres') }, async () => {
    const postgres = await createEnvironment('postgres');
    try {
      const result = await runCli(['debug'], postgres.env);
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /^ok {3}warehouse: PostgreSQL at [^:]+:\d+\/kpi_test_\w+: reached, server \d+/m);
      assert.doesNotMatch(result.stdout, new RegExp(new URL(POSTGRES_URL!).password || '(?!)'));
    } finally {
      await postgres.cleanup();
    }
  });
});
