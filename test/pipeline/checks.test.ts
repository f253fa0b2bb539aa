/**
 * Checks with severities, end to end in child processes, on a copy of the nodes folder whose
 * KPIs declare checks that fail: an `error` check keeps its value but blocks its domain's
 * publish and what reads it, fails the run and shows in status and the ledger; a `warn` check
 * is reported and publishes; a check comparing with the week before reads it as stored.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { copyNodes, runCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';
import { storedValue } from '../helpers/stored.ts';

const log = createLogger({ level: 'silent' });
const WEEK = '2026-W10';

/** Rewrites a KPI file of the copied nodes folder; `from` must match. */
async function edit(nodes: string, file: string, from: string | RegExp, to: string): Promise<void> {
  const path = join(nodes, file);
  const source = await readFile(path, 'utf8');
  const edited = source.replace(from, to);
  assert.notEqual(edited, source, `${file}: nothing matched ${from}`);
  await writeFile(path, edited);
}

describe('checks with severities', () => {
  let environment: TestEnvironment;
  let nodes: string;
  let run: CliResult;

  before(async () => {
    environment = await createEnvironment();
    nodes = await copyNodes(join(REPO, 'nodes'));
    await edit(nodes, 'success/kpi06.ts', 'checks: [notNull(), between(0, 500)]', 'checks: [notNull(), between(0, 5)]');
    await edit(nodes, 'recruitment/kpi41.ts', 'checks: [notNull(), between(0, 500)]', "checks: [notNull(), between(0, 1, { severity: 'warn' })]");
    run = await runCli(['run', '--target', 'success.publish', '--target', 'recruitment.publish', '--week', WEEK, '--nodes', nodes], environment.env);
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('an error check that fails: exit 1, the value stored, its domain not published, the other domain published', async () => {
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, new RegExp(`^success\\.kpi06\\s+${WEEK}\\s+check failed\\s+\\d+`, 'm'));
    assert.match(run.stdout, new RegExp(`^success\\.kpi05\\s+${WEEK}\\s+blocked\\s+blocked by success\\.kpi06@2026-W\\d\\d`, 'm'));
    assert.match(run.stdout, new RegExp(`^success\\.publish:workbook\\s+${WEEK}\\s+blocked\\s+blocked by success\\.kpi06@2026-W\\d\\d`, 'm'));
    assert.match(run.stdout, new RegExp(`^success\\.kpi16\\s+${WEEK}\\s+succeeded`, 'm'), 'a KPI that does not read it runs');
    assert.match(run.stdout, new RegExp(`^recruitment\\.publish:workbook\\s+${WEEK}\\s+succeeded`, 'm'));
    assert.match(run.stdout, new RegExp(`^  success\\.kpi06@${WEEK} between\\(0, 5\\): value \\d+ is outside 0\\.\\.5 \\[error: stored, what reads it is blocked\\]$`, 'm'));
    assert.match(run.stdout, /^\d+ succeeded, 0 fresh, 0 failed, 2 blocked, 4 check failed$/m, 'kpi06 of the week and of the 3 weeks kpi05 reads');
    assert.equal(existsSync(join(environment.dir, 'scorecards', 'success.xlsx')), false, 'success was not published');
    assert.equal(existsSync(join(environment.dir, 'scorecards', 'recruitment.xlsx')), true, 'recruitment was');

    const warehouse = await openWarehouse(environment.config, log);
    try {
      const value = await storedValue(warehouse.db, 'success', '06', WEEK);
      assert.ok(value !== null && value > 5, 'the value that failed is stored');
      const row = await warehouse.db
        .selectFrom('kpi_ledger.node_runs')
        .select(['status', 'error', 'checks', 'value'])
        .where('task_id', '=', `success.kpi06@${WEEK}`)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'check failed');
      assert.equal(row.value, value, 'the ledger row has the value, written with it');
      assert.equal(row.error, `check between(0, 5) failed: value ${value} is outside 0..5`);
      assert.deepEqual(row.checks, [
        { check: 'notNull', severity: 'error', passed: true },
        { check: 'between(0, 5)', severity: 'error', passed: false, reason: `value ${value} is outside 0..5` },
      ]);
      const runRow = await warehouse.db.selectFrom('kpi_ledger.runs').select('status').executeTakeFirstOrThrow();
      assert.equal(runRow.status, 'failed');
    } finally {
      await warehouse.close();
    }
  });

  test('a warn check is reported in the summary and the log, and its value published', () => {
    assert.match(run.stdout, new RegExp(`^recruitment\\.kpi41\\s+${WEEK}\\s+succeeded\\s+\\d+`, 'm'));
    assert.match(run.stdout, new RegExp(`^  recruitment\\.kpi41@${WEEK} between\\(0, 1\\): value \\d+ is outside 0\\.\\.1 \\[warn\\]$`, 'm'));
    const warning = run.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; node?: string; msg: string })
      .find((line) => line.node === 'recruitment.kpi41' && line.level === 40);
    assert.match(warning?.msg ?? '', /^check between\(0, 1\) \(warn\) failed: value \d+ is outside 0\.\.1$/);
  });

  test('status gives the reason', async () => {
    const status = await runCli(['status'], environment.env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^success\.kpi06\s+2026-W\d\d\s+check failed\s+\d+\s+\S+ \S+\s+\S+\s+check between\(0, 5\) failed: value \d+ is outside 0\.\.5$/m);
    assert.match(status.stdout, /^success\.publish:workbook\s+2026-W10\s+blocked\s+blocked by success\.kpi06@2026-W\d\d$/m);
    // Nodes the run did not reach are listed too, as never run.
    assert.match(status.stdout, /^leadership\.kpi61\s+never run$/m);
    assert.match(status.stdout, /^applications\.publish:workbook\s+never run$/m);
    const json = JSON.parse((await runCli(['status', '--json'], environment.env)).stdout) as { node: string; status: string; week: string | null }[];
    assert.deepEqual(json.find((line) => line.node === 'applications.records'), json.find((line) => line.node === 'applications.records' && line.status === 'never run' && line.week === null));
    assert.ok(json.some((line) => line.node === 'applications.records'));
  });

  test('a stored value that failed its check is not read: a run that reads it computes and checks it again', async () => {
    const again = await runCli(['run', '--select', 'success.kpi05', '--week', WEEK, '--nodes', nodes], environment.env);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stdout, new RegExp(`^success\\.kpi06\\s+${WEEK}\\s+check failed`, 'm'));
    assert.match(again.stdout, new RegExp(`^success\\.kpi05\\s+${WEEK}\\s+blocked`, 'm'));
  });

  test('once the check passes, the KPI runs again and its domain publishes', async () => {
    await edit(nodes, 'success/kpi06.ts', 'between(0, 5)', 'between(0, 500)');
    const fixed = await runCli(['run', '--target', 'success.publish', '--week', WEEK, '--nodes', nodes], environment.env);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, new RegExp(`^success\\.kpi06\\s+${WEEK}\\s+succeeded`, 'm'));
    assert.match(fixed.stdout, new RegExp(`^success\\.publish:workbook\\s+${WEEK}\\s+succeeded`, 'm'));
    assert.ok(existsSync(join(environment.dir, 'scorecards', 'success.xlsx')));
  });

  test('maxChange compares each week with the week before, which a range computes first', async () => {
    await edit(nodes, 'success/kpi06.ts', /import \{[^}]*\} from 'kpi-factory';/, "import { defineKpi, maxChange, notNull, sql, table } from 'kpi-factory';");
    await edit(nodes, 'success/kpi06.ts', 'checks: [notNull(), between(0, 500)]', "checks: [notNull(), maxChange({ absolute: 3 }, { severity: 'warn' })]");
    const range = await runCli(['run', '--select', 'success.kpi06', '--weeks', '2026-W01..2026-W10', '--nodes', nodes], environment.env);
    assert.equal(range.code, 0, range.stderr);
    const warned = [...range.stdout.matchAll(/^ {2}success\.kpi06@(\S+) maxChange\(absolute: 3\): changed by (\d+) from (\d+) in (\S+) to (\d+), more than 3 \[warn\]$/gm)];

    const warehouse = await openWarehouse(environment.config, log);
    try {
      const weeks = ['2026-W01', '2026-W02', '2026-W03', '2026-W04', '2026-W05', '2026-W06', '2026-W07', '2026-W08', '2026-W09', '2026-W10'];
      const values = await Promise.all(weeks.map((week) => storedValue(warehouse.db, 'success', '06', week)));
      const expected = weeks.slice(1).flatMap((week, index) => {
        const [before, now] = [values[index]!, values[index + 1]!];
        return Math.abs(now - before) > 3 ? [[week, String(Math.abs(now - before)), String(before), weeks[index], String(now)]] : [];
      });
      assert.ok(expected.length > 0, 'the fixtures have weeks that change by more than 3');
      assert.deepEqual(warned.map((match) => match.slice(1)), expected);
    } finally {
      await warehouse.close();
    }
  });
});

describe('a value that failed an error check was never published: no restatement', () => {
  let environment: TestEnvironment;
  let nodes: string;
  before(async () => {
    environment = await createEnvironment();
    nodes = await copyNodes(join(REPO, 'nodes'));
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('published, then recomputed to a value its check refuses: stored, not published, not a restatement', async () => {
    const published = await runCli(['run', '--target', 'success.publish', '--week', WEEK, '--nodes', nodes], environment.env);
    assert.equal(published.code, 0, published.stderr);
    await edit(nodes, 'success/kpi06.ts', 'return result.rows[0]?.completed ?? 0;', 'return (result.rows[0]?.completed ?? 0) + 1000;');
    const refused = await runCli(['run', '--target', 'success.publish', '--week', WEEK, '--nodes', nodes, '--json'], environment.env);
    assert.equal(refused.code, 1, refused.stderr);
    const events = refused.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; task?: string; status?: string; restatements?: string[] });
    assert.equal(events.find((event) => event.event === 'task finished' && event.task === `success.kpi06@${WEEK}`)?.status, 'check failed');
    assert.deepEqual(events.filter((event) => event.event === 'value restated'), []);
    assert.deepEqual(events.find((event) => event.event === 'run finished')?.restatements, []);
    const listed = await runCli(['restatements', '--json'], environment.env);
    assert.deepEqual(JSON.parse(listed.stdout), []);
  });

  test('status and plan say which stored weeks older code computed: the weeks KPI 5 read, the run recomputed only its own', async () => {
    const line = 'success.kpi06: 3 stored weeks from older code (2026-W07..2026-W09); run --select success.kpi06 --weeks 2026-W07..2026-W09 to recompute them';
    const status = await runCli(['status', '--nodes', nodes], environment.env);
    assert.match(status.stdout, new RegExp(`^Stored weeks computed by older code than the KPI has now:\n  ${line.replace(/[.()]/g, '\\$&')}$`, 'm'));
    const plan = await runCli(['plan', '--target', 'success.publish', '--week', WEEK, '--nodes', nodes], environment.env);
    assert.match(plan.stdout, /^Stored weeks outside this plan computed by older code than the KPI has now:$/m);
    assert.ok(plan.stdout.includes(`  ${line}`), plan.stdout);
  });
});
