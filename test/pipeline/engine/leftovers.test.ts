/**
 * What runs leave behind is cleared: run logs past `logRetentionDays`, and the temporary
 * workbooks of runs killed while writing them (by the next run, which holds the warehouse).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../../pipeline/config.ts';
import { removeDeadWriters } from '../../../pipeline/connectors/scorecards/xlsx-sink.ts';
import { pruneRunLogs } from '../../../pipeline/engine/run-log.ts';
import { runCli } from '../../helpers/cli.ts';
import { createEnvironment } from '../../helpers/environment.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('run logs', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpi-logs-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('those last written more than logRetentionDays ago are removed, the others kept', async () => {
    const logs = join(dir, 'logs');
    await mkdir(logs, { recursive: true });
    const now = Date.parse('2026-12-03T12:00:00Z');
    const written = { 'old.jsonl': 91, 'recent.jsonl': 89, 'today.jsonl': 0, 'notes.txt': 400 };
    for (const [name, daysAgo] of Object.entries(written)) {
      await writeFile(join(logs, name), '{}\n');
      const when = new Date(now - daysAgo * DAY_MS);
      await utimes(join(logs, name), when, when);
    }
    const config = { paths: { state: dir }, logRetentionDays: 90 } as unknown as Config;
    assert.equal(await pruneRunLogs(config, now), 1);
    assert.deepEqual((await readdir(logs)).sort(), ['notes.txt', 'recent.jsonl', 'today.jsonl']);
    assert.equal(await pruneRunLogs({ ...config, logRetentionDays: 1 }, now), 1, 'a shorter retention removes more');
    assert.deepEqual((await readdir(logs)).sort(), ['notes.txt', 'today.jsonl']);
  });
});

describe('temporary workbooks of killed runs', () => {
  test('only files named as a writer names its temporary workbook are removed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kpi-tmp-'));
    try {
      const names = ['success.xlsx', 'success.xlsx.bak', 'success.xlsx.4242-0a1b2c3d.tmp', 'success.xlsx.4242-0a1b2c3d.tmp.bak', 'notes.tmp', 'success.xlsx.x-0a1b2c3d.tmp'];
      for (const name of names) await writeFile(join(dir, name), '');
      assert.deepEqual((await removeDeadWriters(dir)).sort(), ['success.xlsx.4242-0a1b2c3d.tmp', 'success.xlsx.4242-0a1b2c3d.tmp.bak']);
      assert.deepEqual((await readdir(dir)).sort(), ['notes.tmp', 'success.xlsx', 'success.xlsx.bak', 'success.xlsx.x-0a1b2c3d.tmp']);
      assert.deepEqual(await removeDeadWriters(join(dir, 'missing')), [], 'no folder yet: nothing to do');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the next run removes those a killed run left, and says so', async () => {
    const environment = await createEnvironment();
    try {
      const scorecards = environment.env.KPI_SCORECARD_DIR!;
      await mkdir(scorecards, { recursive: true });
      const left = join(scorecards, 'success.xlsx.99999-deadbeef.tmp');
      await writeFile(left, 'half a workbook');
      const run = await runCli(['run', '--target', 'success.publish', '--week', '2026-W10'], environment.env);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(existsSync(left), false);
      assert.match(run.stderr, /removed success\.xlsx\.99999-deadbeef\.tmp, left by a run killed while writing it/);
      assert.ok(existsSync(join(scorecards, 'success.xlsx')));
    } finally {
      await environment.cleanup();
    }
  });
});
