/**
 * Warehouse faults that stay contained, with the CLI in child processes: terminated
 * connections and a restart mid-run, a warehouse that stays away, a query held by a lock past
 * the time limit, and connection errors said in one line a person can act on.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { BACKFILL, LONG_BACKFILL, runCli, startHolding } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { POSTGRES_URL, configWith, createEnvironment, engineSkipReason, oneRowPerKpiWeek, runStatuses } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

const PASSWORD = 'kpiS3cretPassw0rd';
const skip = engineSkipReason('postgres');

/** What the CLI printed as errors: lines starting `error:` (log lines are JSON). */
const errorLines = (result: CliResult) => result.stderr.split('\n').filter((line) => line.startsWith('error:'));

/** Never a crash: no unhandled error, no stack trace; a failure is exit 1 and one line. */
function assertContained(result: CliResult): void {
  assert.doesNotMatch(result.stderr, /Unhandled|\n\s+at /, result.stderr);
  if (result.code === 0) return;
  assert.equal(result.code, 1, result.stderr);
  assert.equal(errorLines(result).length, 1, result.stderr);
}

/** The environment's DATABASE_URL with another port and a password. */
function urlWith(environment: TestEnvironment, port: number): string {
  const url = new URL(environment.env.DATABASE_URL!);
  url.port = String(port);
  url.password = PASSWORD;
  return url.toString();
}

describe('a lost connection is transient (postgres)', { skip }, () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('postgres');
  });
  after(() => environment.cleanup());

  test('backends terminated mid-backfill: exit 0, every (KPI, week) stored once, no run left running', async () => {
    const database = new URL(environment.env.DATABASE_URL!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    const run = await startHolding(LONG_BACKFILL, environment.env);
    let terminated = 0;
    try {
      for (const delay of [300, 700, 700]) {
        await sleep(delay);
        const { rowCount } = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
        terminated += rowCount ?? 0;
      }
    } finally {
      await admin.end();
    }
    const result = await run.done;

    assert.ok(terminated > 0, 'the run had connections to terminate');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /terminating connection due to administrator command/);
    const counts = await oneRowPerKpiWeek(environment);
    assert.equal(counts.duplicates, 0);
    assert.ok(counts.rows >= 4 * 104, `${counts.rows} values`);
    assert.deepEqual([...(await runStatuses(environment))].filter(([, status]) => status === 'running'), []);
  });

  test('a restart (the server away for 3 s mid-run) is waited out, never an unhandled error; the next run completes', async () => {
    const server = new URL(environment.env.DATABASE_URL!);
    const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
    const run = await startHolding(LONG_BACKFILL, { ...environment.env, DATABASE_URL: urlWith(environment, proxy.port) });
    await sleep(300);
    await proxy.stop();
    await sleep(3000);
    await proxy.start();
    const result = await run.done;
    await proxy.stop();

    assertContained(result);
    assert.match(result.stderr, /the warehouse connection failed \(connect ECONNREFUSED/);
    const next = await runCli(['run', '--target', 'success.publish', '--week', '2025-W10'], environment.env);
    assert.equal(next.code, 0, next.stderr);
    assert.equal((await oneRowPerKpiWeek(environment)).duplicates, 0);
  });

  test('a server that stays away: exit 1 and one line naming it, without the password, and an alert; the next run records the run abandoned', async () => {
    const server = new URL(environment.env.DATABASE_URL!);
    const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
    const received: { status: string; text: string }[] = [];
    const hook = createHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push(JSON.parse(body) as { status: string; text: string });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const config = await configWith(environment, { notify: { webhookEnv: 'KPI_TEST_WEBHOOK', retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 20 } } });
    const webhook = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const run = await startHolding([...BACKFILL, '--config', config], { ...environment.env, DATABASE_URL: urlWith(environment, proxy.port), KPI_TEST_WEBHOOK: webhook });
    await proxy.stop();
    const result = await run.done;
    hook.close();
    // The run ended without finishing: the webhook is told it failed, and why.
    assert.equal(received.length, 1, result.stderr);
    assert.equal(received[0]!.status, 'failed');
    assert.match(received[0]!.text, new RegExp(`run ${run.runId} failed: .*\\n• run ${run.runId}: the warehouse at 127\\.0\\.0\\.1:${proxy.port}/\\S+ has been unreachable for 30 s`));

    assertContained(result);
    assert.equal(result.code, 1);
    const database = server.pathname.slice(1);
    assert.match(errorLines(result)[0]!, new RegExp(`^error: the warehouse at 127\\.0\\.0\\.1:${proxy.port}/${database} has been unreachable for 30 s: connect ECONNREFUSED`));
    assert.equal(`${result.stdout}${result.stderr}`.includes(PASSWORD), false);

    const next = await runCli(['run', '--target', 'success.publish', '--week', '2025-W10'], environment.env);
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, new RegExp(`run ${run.runId} .* stopped without finishing: recorded abandoned`));
  });
});

describe('a time limit cancels the work on the server (postgres)', { skip }, () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('postgres');
  });
  after(() => environment.cleanup());

  test('a table locked by another session: exit 1, timed out in the summary, nothing of the run left waiting', { timeout: 120_000 }, async () => {
    const config = await configWith(environment, { tasks: { timeoutSeconds: 3 } });
    const locker = new pg.Client({ connectionString: environment.env.DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table stg_hubspot.agreements in access exclusive mode');
      // Without the time limit the run would wait on the lock for ever: ending at all is the point.
      const result = await runCli(['run', '--config', config, '--target', 'success.publish', '--week', '2025-W10'], environment.env);

      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /table:stg_hubspot\.agreements: timed out after 3 s \(tasks\.timeoutSeconds\)/);
      const { rows } = await locker.query(
        `select pid, state, wait_event_type, query from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and (state <> 'idle' or wait_event_type = 'Lock')`,
      );
      assert.deepEqual(rows, []);
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
  });
});

/** A server that refuses every login as PostgreSQL refuses a wrong password. */
async function refusingServer(): Promise<{ port: number; close(): void }> {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', () => {
      const fields = Buffer.from('SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "kpi"\0\0');
      const header = Buffer.alloc(5);
      header.write('E');
      header.writeInt32BE(fields.length + 4, 1);
      socket.end(Buffer.concat([header, fields]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe('warehouse errors a person can act on', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite');
  });
  after(() => environment.cleanup());

  /** Runs `args` against DATABASE_URL `url`: one error line and no password, whatever the command. */
  async function failing(args: readonly string[], url: string): Promise<CliResult> {
    const result = await runCli(args, { ...environment.env, DATABASE_URL: url });
    assert.equal(errorLines(result).length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal(`${result.stdout}${result.stderr}`.includes(PASSWORD), false);
    return result;
  }

  test('an unreachable server: exit 1, naming host:port/database and the reason', async () => {
    for (const args of [['run', '--target', 'success.publish'], ['status']]) {
      const result = await failing(args, `postgres://kpi:${PASSWORD}@127.0.0.1:1/warehouse`);
      assert.equal(result.code, 1);
      assert.deepEqual(errorLines(result), ['error: cannot reach the warehouse at 127.0.0.1:1/warehouse: connect ECONNREFUSED 127.0.0.1:1']);
    }
  });

  test('a refused password: exit 1, naming the user and the server', async () => {
    const server = await refusingServer();
    try {
      const result = await failing(['run', '--target', 'success.publish'], `postgres://kpi:${PASSWORD}@127.0.0.1:${server.port}/warehouse`);
      assert.equal(result.code, 1);
      assert.deepEqual(errorLines(result), [`error: the warehouse at 127.0.0.1:${server.port}/warehouse refused the login of kpi: password authentication failed for user "kpi"`]);
    } finally {
      server.close();
    }
  });

  test('an unknown database: exit 1, naming it', { skip }, async () => {
    const url = new URL(POSTGRES_URL!);
    url.pathname = '/kpi_no_such_database';
    url.password = PASSWORD;
    for (const args of [['run', '--target', 'success.publish'], ['status']]) {
      const result = await failing(args, url.toString());
      assert.equal(result.code, 1);
      assert.deepEqual(errorLines(result), [`error: the warehouse at ${url.hostname}:${url.port} has no database kpi_no_such_database: database "kpi_no_such_database" does not exist`]);
    }
  });

  test('a malformed DATABASE_URL: exit 2, saying what is expected', async () => {
    for (const url of [`postgres://kpi:${PASSWORD}@db.example:port/warehouse`, `mysql://kpi:${PASSWORD}@db.example/warehouse`]) {
      const result = await failing(['run', '--target', 'success.publish'], url);
      assert.equal(result.code, 2);
      assert.match(errorLines(result)[0]!, /^error: DATABASE_URL .*expected a URL like postgres:\/\/user@host:5432\/database$/);
    }
  });

  test('--debug adds the stack trace and its causes', async () => {
    const result = await runCli(['status', '--debug'], { ...environment.env, DATABASE_URL: 'postgres://kpi@127.0.0.1:1/warehouse' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: WarehouseConnectionError: cannot reach the warehouse at 127\.0\.0\.1:1\/warehouse/m);
    assert.match(result.stderr, /\n\s+at /);
    assert.match(result.stderr, /\[cause\]: Error: connect ECONNREFUSED/);
  });
});
