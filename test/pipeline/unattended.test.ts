/**
 * A run that protects itself, with the CLI in child processes on both engines: one writer per
 * warehouse, crash recovery after kill -9, stale locks, readers beside a run, the live view on a
 * pseudo-terminal, JSON events, the run's log file, webhook alerts, and no secret in any output.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { lockFileOf } from '../../pipeline/engine/warehouse-lock.ts';
import { scrubSecrets } from '../../pipeline/secrets.ts';
import { BACKFILL, CLI, copyNodes, runCli, spawnNode, startHolding, untilStderr } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { ENGINES, REPO, configWith, createEnvironment, engineSkipReason, oneRowPerKpiWeek, runStatuses } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

/** The workbook reads back and holds a column per published week. */
async function readBack(environment: TestEnvironment): Promise<number> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(join(environment.env.KPI_SCORECARD_DIR!, 'success.xlsx'));
  return workbook.worksheets.reduce((columns, sheet) => columns + sheet.actualColumnCount - 2, 0);
}

for (const engine of ENGINES) {
  describe(`one writer per warehouse (${engine})`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    before(async () => {
      environment = await createEnvironment(engine);
    });
    after(() => environment.cleanup());

    test('a second run exits 3 naming the first; with --wait it runs after it', async () => {
      const first = await startHolding(BACKFILL, environment.env);
      // Stopped while the others try, so they meet it holding the warehouse however fast it runs.
      first.child.kill('SIGSTOP');
      const refused = await runCli(['run', '--target', 'success.publish', '--week', '2025-W10'], environment.env);
      const waiting = spawnNode([...CLI, 'run', '--target', 'success.publish', '--week', '2025-W11', '--wait'], environment.env);
      await untilStderr(waiting, (stderr) => (/waiting for run/.test(stderr) ? true : undefined), 'waiting');
      first.child.kill('SIGCONT');
      const [firstResult, waited] = await Promise.all([first.done, waiting.done]);

      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, new RegExp(`in use by run ${first.runId} \\(\`run --target success\\.publish --weeks 2024-W01\\.\\.2025-W52 --yes --force\`.*\\) since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d\\d:\\d\\d; `), 'the time local with its offset');
      assert.equal(firstResult.code, 0, firstResult.stderr);
      assert.equal(waited.code, 0, waited.stderr);
      assert.match(waited.stderr, /waiting for run/);
      assert.deepEqual((await oneRowPerKpiWeek(environment)).duplicates, 0);
      assert.ok((await readBack(environment)) >= 104);
      const statuses = await runStatuses(environment);
      assert.equal(statuses.get(first.runId), 'succeeded');
      assert.equal([...statuses.values()].filter((status) => status === 'running').length, 0);
      // The refused run never started: it has no log file; every log belongs to a run of the ledger.
      const logs = (await readdir(join(environment.env.KPI_STATE_DIR!, 'logs'))).map((name) => name.replace(/\.jsonl$/, ''));
      assert.deepEqual(logs.filter((runId) => !statuses.has(runId)), []);
    });

    test('kill -9 of a backfill: the next run records it abandoned, retry picks it up, nothing is duplicated', async () => {
      const killed = await startHolding([...BACKFILL, '--concurrency', '1'], environment.env);
      // Killed once 30 of its 500-odd tasks are recorded: in the middle, however fast it runs.
      await untilStderr(killed, (stderr) => ((stderr.match(/"status":"succeeded"/g)?.length ?? 0) >= 30 ? true : undefined), 'recording 30 tasks');
      killed.child.kill('SIGKILL');
      await killed.done;

      const retry = await runCli(['retry'], environment.env);
      assert.equal(retry.code, 0, retry.stderr);
      assert.match(retry.stderr, new RegExp(`run ${killed.runId} .* stopped without finishing: recorded abandoned`));
      assert.match(retry.stdout, /succeeded, 0 fresh, 0 failed, 0 blocked/);
      const again = await runCli(BACKFILL, environment.env);
      assert.equal(again.code, 0, again.stderr);

      const statuses = await runStatuses(environment);
      assert.equal(statuses.get(killed.runId), 'abandoned');
      const history = await runCli(['history', '--limit', '10'], environment.env);
      assert.match(history.stdout, new RegExp(`^${killed.runId}\\s+\\S+ \\S+\\s+abandoned`, 'm'));
      const counts = await oneRowPerKpiWeek(environment);
      assert.equal(counts.duplicates, 0);
      assert.ok(counts.rows >= 4 * 104);
      assert.ok((await readBack(environment)) >= 104);
    });
  });
}

describe('the embedded warehouse beside a run', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite');
  });
  after(() => environment.cleanup());

  test('a stale lock left by a dead process is taken over, and said so', async () => {
    const dead = spawnNode(['-e', '0'], {});
    await dead.done;
    const lock = lockFileOf(environment.config);
    await mkdir(join(lock, '..'), { recursive: true });
    const stale = { pid: dead.child.pid, host: (await import('node:os')).hostname(), runId: '20260101T000000Z-dead00', command: 'run --since 2024-W01', since: '2026-01-01T00:00:00Z', purpose: 'run', token: 'old' };
    await writeFile(lock, JSON.stringify(stale));
    const result = await runCli(['run', '--target', 'success.kpi06', '--week', '2026-W10'], environment.env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /took over the warehouse lock left by run 20260101T000000Z-dead00 .* whose process is gone/);
    assert.equal(existsSync(lock), false, 'released at the end');
  });

  test('status and history beside a backfill exit 0 or 3 naming it, never crash; all exit 0 afterwards', async () => {
    const backfill = await startHolding(BACKFILL, environment.env);
    // Stopped while the first readers start, so that they meet it however fast it runs.
    backfill.child.kill('SIGSTOP');
    const met = runCli(['status'], environment.env);
    const others = ['history', 'status', 'history', 'status', 'history'].map((command) => runCli([command], environment.env));
    await met;
    backfill.child.kill('SIGCONT');
    const readers = await Promise.all([met, ...others]);
    const finished = await backfill.done;
    assert.equal(finished.code, 0, finished.stderr);
    for (const reader of readers) {
      assert.ok(reader.code === 0 || reader.code === 3, `${reader.code}: ${reader.stderr}`);
      if (reader.code === 3) assert.match(reader.stderr, new RegExp(`in use by run ${backfill.runId} .*; run this again once it has finished \\(an embedded warehouse serves one process at a time\\)$`, 'm'));
      assert.doesNotMatch(reader.stderr, /--wait/, 'readers take no --wait: the message does not offer it');
    }
    assert.ok(readers.some((reader) => reader.code === 3), 'at least one reader met the run');
    const later = await runCli(['history'], environment.env);
    assert.equal(later.code, 0, later.stderr);
    assert.match(later.stdout, new RegExp(`^${backfill.runId}\\s+.*succeeded`, 'm'));
  });

  test('a workbook that cannot be read fails its publish with one clear line naming it and the backup', async () => {
    const workbook = join(environment.env.KPI_SCORECARD_DIR!, 'success.xlsx');
    assert.ok(existsSync(`${workbook}.bak`), 'each write keeps the previous workbook');
    const good = await readFile(workbook);
    await writeFile(workbook, good.subarray(0, good.length / 2));
    const result = await runCli(['run', '--target', 'success.publish', '--week', '2025-W20', '--force', 'success.publish'], environment.env);
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`${workbook.replaceAll('.', '\\.')} cannot be read as a workbook .*restore the last good copy \\(mv ${workbook.replaceAll('.', '\\.')}\\.bak`));
    await writeFile(workbook, good);
  });
});

describe('what a run shows', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite');
  });
  after(() => environment.cleanup());

  test('on a terminal: a live view of the running tasks and the counts, then the summary', async () => {
    const typescript = join(environment.dir, 'typescript');
    const command = `stty cols 160 rows 50; ${process.execPath} ${CLI.join(' ')} run --target success.publish --weeks 2025-W01..2025-W12`;
    await promisify(execFile)('script', ['-qfec', command, typescript], { cwd: REPO, env: { ...process.env, ...environment.env, DATABASE_URL: '' } });
    const screen = (await readFile(typescript, 'utf8')).replaceAll('\r', '');
    assert.match(screen, /run \S+ +\d+\.\ds +\d+\/\d+ done: \d+ succeeded, \d+ fresh, 0 failed, 0 blocked; [1-9]\d* running, \d+ waiting/);
    assert.match(screen, /▸ success\.kpi\d\d@2025-W\d\d +\d+\.\ds/);
    assert.match(screen, /^\d+ succeeded, 0 fresh, 0 failed, 0 blocked$/m);
  });

  test('--json: one event per line, exactly one task finished per task, and a log file per run', async () => {
    const result = await runCli(['run', '--target', 'success.publish', '--weeks', '2025-W10..2025-W14', '--json'], environment.env);
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const started = events[0]!;
    const finished = events.at(-1)!;
    assert.equal(started.event, 'run started');
    assert.equal(finished.event, 'run finished');
    const taskFinished = events.filter((event) => event.event === 'task finished');
    assert.equal(taskFinished.length, started.tasks);
    assert.equal(new Set(taskFinished.map((event) => event.task)).size, taskFinished.length);
    const kpi = taskFinished.find((event) => event.node === 'success.kpi32')!;
    assert.equal(typeof kpi.value, 'number');
    assert.match(String(kpi.display), /%$/);
    assert.equal(finished.status, 'succeeded');
    const logFile = String(finished.logFile);
    assert.equal(logFile, join(environment.env.KPI_STATE_DIR!, 'logs', `${String(started.runId)}.jsonl`));
    const lines = (await readFile(logFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(lines.some((line) => line.node === 'success.kpi32' && line.status === 'succeeded'));
    const history = await runCli(['history'], environment.env);
    assert.match(history.stdout, new RegExp(`logs/${String(started.runId)}\\.jsonl`));
  });
});

describe('fresh tasks in the logs', () => {
  let environment: TestEnvironment;
  const RUN = ['run', '--target', 'success.publish', '--weeks', '2025-W10..2025-W14'];
  before(async () => {
    environment = await createEnvironment('pglite');
    const first = await runCli(RUN, environment.env);
    assert.equal(first.code, 0, first.stderr);
  });
  after(() => environment.cleanup());

  const jsonLines = (text: string) =>
    text
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  test('counted per domain on the console at info, each in the run log and the --json events', async () => {
    const rerun = await runCli([...RUN, '--json'], environment.env);
    assert.equal(rerun.code, 0, rerun.stderr);
    const events = jsonLines(rerun.stdout);
    const fresh = events.filter((event) => event.event === 'task finished' && event.status === 'fresh');
    const kpis = fresh.filter((event) => String(event.node).startsWith('success.'));
    assert.ok(kpis.length >= 20, `every success KPI-week and publish is fresh: ${kpis.length}`);

    const console = jsonLines(rerun.stderr);
    assert.deepEqual(
      console.filter((line) => line.status === 'fresh'),
      [],
      'no line per fresh task at info',
    );
    const counts = console.filter((line) => typeof line.fresh === 'number');
    assert.deepEqual(
      counts.map((line) => [line.domain, line.fresh]),
      [['success', kpis.length]],
    );
    assert.match(String(counts[0]!.msg), new RegExp(`^success: ${kpis.length} tasks fresh, skipped$`));

    const finished = events.at(-1)!;
    const logged = jsonLines(await readFile(String(finished.logFile), 'utf8'));
    const loggedFresh = logged.filter((line) => line.status === 'fresh');
    assert.equal(loggedFresh.length, fresh.length, 'the run log keeps a line per fresh task');
    assert.ok(loggedFresh.every((line) => line.level === 20));

    const debug = await runCli([...RUN, '--debug'], environment.env);
    assert.equal(debug.code, 0, debug.stderr);
    assert.equal(jsonLines(debug.stderr).filter((line) => line.status === 'fresh').length, fresh.length, '--debug shows them on the console');
  });
});

describe('alerts', () => {
  let environment: TestEnvironment;
  let nodes: string;
  let config: string;
  const received: Record<string, unknown>[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      response.end('ok');
    });
  });
  let webhook: string;

  before(async () => {
    environment = await createEnvironment('pglite');
    nodes = await copyNodes(join(REPO, 'nodes'));
    const broken = (await readFile(join(nodes, 'success', 'kpi06.ts'), 'utf8')).replace('where lower(trim(form_status))', 'where no_such_column');
    await writeFile(join(nodes, 'success', 'kpi06.ts'), broken);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    config = await configWith(environment, { notify: { webhookEnv: 'KPI_TEST_WEBHOOK', on: ['failure', 'success'], retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } } });
  });
  after(async () => {
    server.close();
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('a failing run sends one JSON notification naming the failed node', async () => {
    const result = await runCli(['run', '--config', config, '--nodes', nodes, '--target', 'success.publish', '--week', '2026-W10'], { ...environment.env, KPI_TEST_WEBHOOK: webhook });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(received.length, 1);
    const [notice] = received;
    assert.equal(notice!.status, 'failed');
    assert.match(String(notice!.text), /success\.kpi06@2026-W10 .*no_such_column/);
    const failed = (notice!.failed as { task: string }[]).map((failure) => failure.task).sort();
    assert.deepEqual(failed, ['success.kpi06@2026-W07', 'success.kpi06@2026-W08', 'success.kpi06@2026-W09', 'success.kpi06@2026-W10']);
  });

  test('an unreachable webhook is logged and changes no exit code', async () => {
    const unreachable = { ...environment.env, KPI_TEST_WEBHOOK: 'http://127.0.0.1:1/hook' };
    const failing = await runCli(['run', '--config', config, '--nodes', nodes, '--target', 'success.publish', '--week', '2026-W11'], unreachable);
    assert.equal(failing.code, 1, failing.stderr);
    const passing = await runCli(['run', '--config', config, '--target', 'success.publish', '--week', '2026-W11'], unreachable);
    assert.equal(passing.code, 0, passing.stderr);
    assert.match(passing.stderr, /the webhook in KPI_TEST_WEBHOOK could not be told/);
  });
});

describe('secrets never leave the environment', { skip: engineSkipReason('postgres') }, () => {
  const password = 'kpiS3cretPassw0rd';
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const keyBody = privateKey.split('\n')[5]!;
  let environment: TestEnvironment;
  let nodes: string;
  const outputs: string[] = [];

  before(async () => {
    environment = await createEnvironment('postgres');
    nodes = await copyNodes(join(REPO, 'nodes'));
    // A KPI whose error carries the connection string, as a careless driver message would.
    const leaky = (await readFile(join(nodes, 'success', 'kpi16.ts'), 'utf8')).replace(/async compute\(([^)]*)\) \{/, 'async compute($1) { throw new Error(`cannot reach ${process.env.DATABASE_URL}`);');
    await writeFile(join(nodes, 'success', 'kpi16.ts'), leaky);
    const url = new URL(environment.env.DATABASE_URL!);
    url.password = password;
    const env = {
      ...environment.env,
      DATABASE_URL: url.toString(),
      GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ type: 'service_account', client_email: 'kpi@example.iam.gserviceaccount.com', private_key: privateKey }),
    };
    for (const args of [['run', '--nodes', nodes, '--target', 'success.publish', '--week', '2026-W10'], ['run', '--nodes', nodes, '--target', 'success.publish', '--week', '2026-W10', '--json'], ['status'], ['history']]) {
      const result: CliResult = await runCli(args, env);
      outputs.push(result.stdout, result.stderr);
    }
    const logs = join(environment.env.KPI_STATE_DIR!, 'logs');
    for (const file of await readdir(logs)) outputs.push(await readFile(join(logs, file), 'utf8'));
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('no output or log file holds the password or the private key', () => {
    assert.ok(outputs.some((output) => output.includes('cannot reach postgres://postgres:***@')), 'the leaky error was printed, scrubbed');
    for (const output of outputs) {
      assert.equal(output.includes(password), false);
      assert.equal(output.includes(keyBody), false);
    }
  });

  test('scrubSecrets removes URL passwords, PEM keys (raw and JSON-escaped) and bearer tokens', () => {
    const text = `postgres://kpi:${password}@db:5432/x ${JSON.stringify(privateKey)} ${privateKey} Authorization: Bearer abcdefghijkl123`;
    const scrubbed = scrubSecrets(text, {});
    assert.equal(scrubbed.includes(password), false);
    assert.equal(scrubbed.includes(keyBody), false);
    assert.equal(scrubbed.includes('abcdefghijkl123'), false);
    assert.match(scrubbed, /postgres:\/\/kpi:\*\*\*@db:5432\/x/);
  });
});
