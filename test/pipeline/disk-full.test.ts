/**
 * A full disk while writing a workbook or a run's log, on a 1 MiB tmpfs: one clear error
 * naming the path, exit 1, the previous workbook intact and the store consistent; the same
 * run succeeds once space is freed. Mounting needs root: without it the tests skip, saying so.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from '../helpers/cli.ts';
import { createEnvironment, oneRowPerKpiWeek, runStatuses } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const run = promisify(execFile);
const RUN = ['run', '--target', 'success.publish'];

/** Mounts a 1 MiB tmpfs on `dir`; says why not when it cannot. */
async function mountSmallDisk(dir: string): Promise<string | undefined> {
  await mkdir(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs to fill (${(error as Error).message.split('\n')[0]}): run the tests as root to cover a full disk`;
  }
}

/** Writes `<dir>/filler` until the disk is full. */
async function fill(dir: string): Promise<void> {
  const file = await open(join(dir, 'filler'), 'w');
  try {
    for (const chunk = Buffer.alloc(64 * 1024); ; ) await file.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await file.close();
  }
}

async function assertConsistent(environment: TestEnvironment): Promise<void> {
  assert.equal((await oneRowPerKpiWeek(environment)).duplicates, 0);
  assert.deepEqual([...(await runStatuses(environment))].filter(([, status]) => status === 'running'), []);
}

describe('a full disk', () => {
  let environment: TestEnvironment;
  const mounted: string[] = [];
  /** A small full disk on `dir`, or the test skipped with the reason. */
  async function smallDisk(t: TestContext, dir: string): Promise<boolean> {
    const cannot = await mountSmallDisk(dir);
    if (cannot) {
      t.skip(cannot);
      return false;
    }
    mounted.push(dir);
    return true;
  }

  before(async () => {
    environment = await createEnvironment('pglite');
  });
  after(async () => {
    for (const dir of mounted) await run('umount', [dir]);
    await environment.cleanup();
  });

  test('writing a workbook: one line naming it, exit 1, the previous workbook intact; the same run succeeds once space is freed', async (t) => {
    const dir = environment.env.KPI_SCORECARD_DIR!;
    if (!(await smallDisk(t, dir))) return;
    const workbook = join(dir, 'success.xlsx');
    const first = await runCli([...RUN, '--week', '2025-W10'], environment.env);
    assert.equal(first.code, 0, first.stderr);
    const previous = await readFile(workbook);
    await fill(dir);

    const full = await runCli([...RUN, '--week', '2025-W11'], environment.env);
    assert.equal(full.code, 1, full.stderr);
    assert.match(full.stdout, new RegExp(`success\\.publish@2025-W11:workbook .*: no space left on device writing ${workbook.replaceAll('.', '\\.')}$`, 'm'));
    assert.deepEqual(await readFile(workbook), previous);
    assert.deepEqual((await readdir(dir)).sort(), ['filler', 'success.xlsx'], 'no temporary file left behind');
    await assertConsistent(environment);

    await rm(join(dir, 'filler'));
    const freed = await runCli([...RUN, '--week', '2025-W11'], environment.env);
    assert.equal(freed.code, 0, freed.stderr);
    assert.match(freed.stdout, /success\.publish:workbook +2025-W11 +succeeded/);
  });

  test("writing the run's log: one line naming it, exit 1, the store consistent; the same run succeeds once space is freed", async (t) => {
    const dir = join(environment.env.KPI_STATE_DIR!, 'logs');
    if (!(await smallDisk(t, dir))) return;
    await fill(dir);

    const full = await runCli([...RUN, '--week', '2025-W12'], environment.env);
    assert.equal(full.code, 1, full.stderr);
    const errors = full.stderr.split('\n').filter((line) => line.startsWith('error:'));
    assert.equal(errors.length, 1, full.stderr);
    assert.match(errors[0]!, new RegExp(`^error: no space left on device writing ${dir}/\\S+\\.jsonl$`));
    assert.match(full.stdout, /success\.publish:workbook +2025-W12 +succeeded/, 'the run itself went on');
    await assertConsistent(environment);

    await rm(join(dir, 'filler'));
    const freed = await runCli([...RUN, '--week', '2025-W12'], environment.env);
    assert.equal(freed.code, 0, freed.stderr);
  });
});
