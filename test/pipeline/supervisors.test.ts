/**
 * Stop requests from supervisors, end to end: SIGTERM to the pnpm that started a run or the
 * scheduler stops the whole process group in time and leaves the run recorded `interrupted`;
 * a stop while waiting for the warehouse exits with the stop's code, without a stack.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT } from '../../pipeline/exit-codes.ts';
import { BACKFILL, CLI, spawnNode, startHolding, untilStderr } from '../helpers/cli.ts';
import { ENGINES, REPO, configWith, createEnvironment, engineSkipReason, runStatuses } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

/** Live (not zombie) processes of a process group, from /proc. */
function processGroup(pgid: number): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(group) === pgid && state !== 'Z' ? [Number(entry)] : [];
    } catch {
      return []; // gone while reading
    }
  });
}

/**
 * `pnpm pipeline <args>` in a process group of its own, as a supervisor starts it; resolves
 * with the run id once a run holds the warehouse.
 */
async function startUnderPnpm(args: readonly string[], env: Record<string, string>) {
  const child = spawn('pnpm', ['pipeline', ...args], { cwd: REPO, detached: true, env: { ...process.env, KPI_LOG_LEVEL: 'info', DATABASE_URL: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const runId = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', () => {
      const match = /"msg":"run (\S+): \d+ tasks"/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`pnpm exited ${code} before a run started: ${stderr}`)));
  });
  return { pgid: child.pid!, runId, output: () => ({ stdout, stderr }) };
}

/**
 * Sends SIGTERM to pnpm only and resolves once its whole process group has gone. A group that
 * never goes away is caught by the test's own time limit (HANG_GUARD), never by a timed assertion.
 */
async function terminatePnpm(pgid: number): Promise<void> {
  process.kill(pgid, 'SIGTERM');
  while (processGroup(pgid).length > 0) await sleep(100);
}

/** Far beyond any grace period: only a process that ignores the stop reaches it. */
const HANG_GUARD = { timeout: 120_000 };

for (const engine of ENGINES) {
  describe(`stop requests from supervisors (${engine})`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    before(async () => {
      environment = await createEnvironment(engine);
    });
    after(() => environment.cleanup());

    test('SIGTERM to the pnpm running a backfill: the whole process group goes away, the run recorded interrupted', HANG_GUARD, async () => {
      const run = await startUnderPnpm(BACKFILL, environment.env);
      await terminatePnpm(run.pgid);
      assert.equal((await runStatuses(environment)).get(run.runId), 'interrupted', run.output().stderr);
      // pnpm's banner stays off stdout (reporter=silent in .npmrc): it holds the summary only.
      assert.match(run.output().stdout, /^node +week +status/);
    });

    test('a stop while waiting for the warehouse (--wait) exits with the stop code, without a stack', async () => {
      const holder = await startHolding(BACKFILL, environment.env);
      const waiting = spawnNode([...CLI, 'run', '--target', 'success.publish', '--week', '2025-W10', '--wait'], environment.env);
      await untilStderr(waiting, (stderr) => (/waiting for run/.test(stderr) ? true : undefined), 'waiting');
      waiting.child.kill('SIGTERM');
      const stopped = await waiting.done;
      holder.child.kill('SIGTERM');
      await holder.done;

      assert.equal(stopped.code, EXIT.terminated, stopped.stderr);
      assert.doesNotMatch(stopped.stderr, /AbortError|\n\s+at /);
      assert.match(stopped.stderr, /stopped \(SIGTERM\) while waiting for the warehouse: nothing ran/);
    });
  });
}

describe('stop requests from supervisors: the scheduler', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite');
  });
  after(() => environment.cleanup());

  test('SIGTERM to the pnpm running `schedule` mid-run: the whole process group goes away, the run recorded interrupted', HANG_GUARD, async () => {
    // Every minute, two KPIs of 1.5 s one after the other: a fire is soon, and then still running when the stop comes.
    const config = await configWith(environment, {
      nodesDir: join(REPO, 'fixtures', 'test-nodes', 'slow'),
      concurrency: 1,
      schedules: [{ name: 'every-minute', cron: '* * * * *', select: ['demo.*'] }],
    });
    const scheduler = await startUnderPnpm(['schedule', '--config', config], environment.env);
    await terminatePnpm(scheduler.pgid);
    assert.equal((await runStatuses(environment)).get(scheduler.runId), 'interrupted', scheduler.output().stderr);
  });
});

describe('a reader of stdout that goes away (run --json | head -c 10)', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite');
  });
  after(() => environment.cleanup());

  test('ends the run as a stop would: exit 141, no stack trace, the lock released, the run recorded interrupted', HANG_GUARD, async () => {
    const started = spawnNode([...CLI, ...BACKFILL, '--json'], environment.env);
    const runId = await untilStderr(started, (stderr) => /"msg":"run (\S+): \d+ tasks"/.exec(stderr)?.[1], 'holding the warehouse');
    // Ten bytes read, then the pipe closed: the next event the run writes meets EPIPE.
    await new Promise<void>((resolve) => started.child.stdout.once('data', () => resolve()));
    started.child.stdout.destroy();
    const result = await started.done;
    assert.equal(result.code, 141, result.stderr);
    assert.doesNotMatch(result.stderr, /EPIPE|\n\s+at /);
    assert.match(result.stderr, /interrupted \(stdout closed\)/);
    assert.deepEqual(readdirSync(environment.env.KPI_STATE_DIR!).filter((name) => name.endsWith('.lock')), []);
    assert.equal((await runStatuses(environment)).get(runId), 'interrupted');
  });
});
