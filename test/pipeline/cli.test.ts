/**
 * The CLI end to end, in child processes, as a user runs it: the quick start, a failing KPI,
 * invalid node folders, concurrency, and the workbook it writes.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { currentInstant, lastCompletedWeek } from '../../pipeline/dates.ts';
import { createLogger } from '../../pipeline/log.ts';
import { copyNodes, runCli, spawnNode } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const log = createLogger({ level: 'silent' });

describe('quick start: run --target success.publish', () => {
  let environment: TestEnvironment;
  let first: CliResult;
  let second: CliResult;
  const week = lastCompletedWeek(currentInstant(), 'Europe/Madrid');
  // Without a week flag, the run also rechecks the configured restateWeeks (4) before it.
  const weeks = [-4, -3, -2, -1, 0].map((back) => week.add(back));

  before(async () => {
    environment = await createEnvironment('pglite', { newStore: true });
    first = await runCli(['run', '--target', 'success.publish'], environment.env);
    second = await runCli(['run', '--target', 'success.publish'], environment.env);
  });
  after(() => environment.cleanup());

  test('exits 0 and prints a per-node summary', () => {
    assert.equal(first.code, 0, first.stderr);
    for (const node of ['success.kpi05', 'success.kpi06', 'success.kpi16', 'success.kpi32', 'success.publish:workbook']) {
      assert.match(first.stdout, new RegExp(`^${node.replace('.', '\\.')}\\s+${week.id}\\s+succeeded`, 'm'));
    }
    assert.match(first.stdout, /^node\s+week\s+status\s+value\s+duration$/m);
    // 3 sources, 5 KPI and publish tasks for each of the 5 weeks, and KPI 6 for the 3 weeks KPI 5 looks back before them.
    assert.match(first.stdout, /^31 succeeded, 0 fresh, 0 failed, 0 blocked$/m);
    assert.match(first.stdout, /^23 KPI values computed, 1 scorecard published \(5 week columns\)\.$/m, 'one workbook written, five weeks in it');
    assert.match(second.stdout, /^3 succeeded, 25 fresh, 0 failed, 0 blocked$/m);
  });

  test('says it loaded the demo data on first use only, with the run id on every run line', () => {
    assert.match(first.stderr, /loading the demo source data/);
    assert.doesNotMatch(second.stderr, /loading the demo source data/);
    const lines = first.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const nodeLines = lines.filter((line) => 'node' in line);
    assert.ok(nodeLines.length >= 5);
    for (const line of nodeLines) assert.equal(typeof line.run, 'string', JSON.stringify(line));
  });

  test('a second run leaves exactly one row per KPI and week', async () => {
    assert.equal(second.code, 0, second.stderr);
    const warehouse = await openWarehouse(environment.config, log);
    try {
      const rows = await sql<{ kpi_number: string; iso_week: string; copies: number }>`
        select kpi_number, iso_week, count(*)::int as copies
        from vl_analytics.scorecard_success group by kpi_number, iso_week order by 1, 2`.execute(warehouse.db);
      assert.ok(rows.rows.length >= 4 + 3, 'the four KPIs of the week and kpi06 of the three weeks before');
      assert.deepEqual(rows.rows.filter((row) => row.copies !== 1), []);
      const runs = await sql<{ n: number }>`select count(*)::int as n from kpi_ledger.runs where status = 'succeeded'`.execute(warehouse.db);
      assert.equal(runs.rows[0]!.n, 2);
    } finally {
      await warehouse.close();
    }
  });

  test('plan explains the same as JSON, dot and mermaid', async () => {
    const json = await runCli(['plan', '--target', 'success.publish', '--format', 'json'], environment.env);
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout) as { summary: { tasks: number; stale: number; fresh: number }; levels: { id: string; state: string; why: string[] }[][] };
    assert.deepEqual(plan.summary, { tasks: 28, stale: 0, fresh: 25 });
    assert.deepEqual(plan.levels.map((level) => level.length), [3, 15, 5, 5]);
    assert.equal(plan.levels[3]!.at(-1)!.id, `success.publish@${week.id}:workbook`);
    const forced = JSON.parse((await runCli(['plan', '--target', 'success.publish', '--format', 'json', '--force', 'success.kpi06'], environment.env)).stdout) as typeof plan;
    const kpi05 = forced.levels.flat().find((task) => task.id === `success.kpi05@${week.id}`)!;
    assert.deepEqual([kpi05.state, kpi05.why], ['stale', [0, -1, -2, -3].map((back) => `upstream success.kpi06@${week.add(back).id} is stale`)]);
    const dot = await runCli(['plan', '--target', 'success.kpi05', '--format', 'dot'], environment.env);
    assert.match(dot.stdout, /^digraph plan \{/);
    assert.match(dot.stdout, new RegExp(`"success\\.kpi06@${week.id}" -> "success\\.kpi05@${week.id}";`));
    const mermaid = await runCli(['plan', '--target', 'success.kpi05', '--format', 'mermaid'], environment.env);
    assert.match(mermaid.stdout, /^flowchart LR\n/);
    assert.match(mermaid.stdout, /n\d+ --> n\d+/);
  });

  test('the workbook has the scorecard layout', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(environment.dir, 'scorecards', 'success.xlsx'));
    const sheet = workbook.getWorksheet(`sc${week.year}`);
    assert.ok(sheet, `tab sc${week.year}`);
    assert.equal(sheet.getCell('A1').value, 'KPI');
    assert.equal(sheet.getCell('B1').value, 'Name');
    weeks.forEach((each, index) => assert.equal(sheet.getCell(1, 3 + index).value, each.lastSunday.toString()));
    assert.equal(sheet.getCell(1, 3 + weeks.length).value, null, 'one column per week after two runs of the same weeks');
    assert.equal(sheet.getCell('C1').font?.bold, true);
    const view = sheet.views[0] as { state?: string; xSplit?: number; ySplit?: number } | undefined;
    assert.deepEqual([view?.state, view?.xSplit, view?.ySplit], ['frozen', 2, 1], 'header row and KPI columns frozen');

    const warehouse = await openWarehouse(environment.config, log);
    try {
      const stored = await warehouse.db
        .selectFrom('vl_analytics.scorecard_success')
        .select(['kpi_number', 'field_name', 'field_value'])
        .where('iso_week', '=', week.id)
        .orderBy('kpi_number')
        .execute();
      assert.deepEqual(
        stored.map((row) => row.kpi_number),
        ['05', '06', '16', '32'],
      );
      stored.forEach((row, index) => {
        const excelRow = index + 2;
        assert.equal(sheet.getCell(excelRow, 1).value, row.kpi_number);
        assert.equal(sheet.getCell(excelRow, 2).value, row.field_name);
        assert.equal(sheet.getCell(excelRow, 2 + weeks.length).value, row.field_value);
      });
      assert.deepEqual(
        [2, 3, 4, 5].map((row) => sheet.getCell(row, 2 + weeks.length).numFmt),
        ['0.00', '0', '0', '0.00%'],
      );
      assert.equal(sheet.getCell(6, 1).value, null, 'no rows beyond the four KPIs');
    } finally {
      await warehouse.close();
    }
  });

  test('--quiet prints the last lines of the summary, not a line per task', async () => {
    // The weeks the runs above computed: all fresh, the store left as the tests below expect it.
    const quiet = await runCli(['run', '--target', 'success.publish', '--quiet'], environment.env);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stdout, /^node\s+week\s+status/m);
    assert.doesNotMatch(quiet.stdout, /^success\.kpi06\s/m);
    assert.match(quiet.stdout, /^\d+ succeeded, \d+ fresh, 0 failed, 0 blocked\nEverything selected was fresh: nothing computed or published \(use --force to rerun\)\.\nscorecards: /);
  });
});

describe('a KPI that throws', () => {
  let environment: TestEnvironment;
  let nodes: string;
  let result: CliResult;

  before(async () => {
    environment = await createEnvironment();
    nodes = await copyNodes(join(REPO, 'nodes'));
    const broken = (await readFile(join(nodes, 'success', 'kpi06.ts'), 'utf8')).replace('where lower(trim(form_status))', 'where no_such_column');
    await writeFile(join(nodes, 'success', 'kpi06.ts'), broken);
    result = await runCli(['run', '--target', 'success.publish', '--week', '2026-W10', '--nodes', nodes], environment.env);
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('exits 1, names the node, week, file and the database message', () => {
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /success\.kpi06@2026-W10 \(.*kpi06\.ts\): .*no_such_column.* does not exist/);
  });

  test('blocks the descendants only', () => {
    assert.match(result.stdout, /^success\.kpi06\s+2026-W10\s+failed/m);
    assert.match(result.stdout, /^success\.kpi05\s+2026-W10\s+blocked\s+blocked by success\.kpi06@2026-W\d\d/m);
    assert.match(result.stdout, /^success\.publish:workbook\s+2026-W10\s+blocked/m);
    assert.match(result.stdout, /^success\.kpi16\s+2026-W10\s+succeeded/m);
    assert.match(result.stdout, /^success\.kpi32\s+2026-W10\s+succeeded/m);
  });

  test('the other KPIs stored their values and the ledger says what happened', async () => {
    const warehouse = await openWarehouse(environment.config, log);
    try {
      const kpis = await warehouse.db.selectFrom('vl_analytics.scorecard_success').select('kpi_number').orderBy('kpi_number').execute();
      assert.deepEqual(kpis.map((row) => row.kpi_number), ['16', '32']);
      const nodeRuns = await warehouse.db
        .selectFrom('kpi_ledger.node_runs')
        .select(['task_id', 'status'])
        .where('node_id', 'in', ['success.kpi05', 'success.publish'])
        .execute();
      assert.deepEqual(new Set(nodeRuns.map((row) => row.status)), new Set(['blocked']));
      const run = await warehouse.db.selectFrom('kpi_ledger.runs').select('status').executeTakeFirstOrThrow();
      assert.equal(run.status, 'failed');
    } finally {
      await warehouse.close();
    }
    assert.equal(existsSync(join(environment.dir, 'scorecards', 'success.xlsx')), false, 'publish was blocked');
  });

  test('after the fix, retry runs the failed KPI and its blocked descendants and nothing else', async () => {
    const fixed = (await readFile(join(nodes, 'success', 'kpi06.ts'), 'utf8')).replace('where no_such_column', 'where lower(trim(form_status))');
    await writeFile(join(nodes, 'success', 'kpi06.ts'), fixed);
    const retry = await runCli(['retry', '--nodes', nodes], environment.env);
    assert.equal(retry.code, 0, retry.stderr);
    const ran = retry.stdout
      .split('\n')
      .filter((line) => /^success\./.test(line))
      .map((line) => line.split(/\s+/).slice(0, 3).join(' '));
    assert.deepEqual(ran, [
      'success.kpi06 2026-W07 succeeded',
      'success.kpi06 2026-W08 succeeded',
      'success.kpi06 2026-W09 succeeded',
      'success.kpi06 2026-W10 succeeded',
      'success.kpi05 2026-W10 succeeded',
      'success.publish:workbook 2026-W10 succeeded',
    ]);
    const again = await runCli(['retry', '--nodes', nodes], environment.env);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /has nothing failed, blocked or abandoned to retry/);
    const json = await runCli(['retry', '--nodes', nodes, '--json'], environment.env);
    assert.equal(json.code, 0);
    assert.deepEqual(Object.keys(JSON.parse(json.stdout)).sort(), ['event', 'message', 'runId', 'status'], 'nothing to retry, said as JSON');
  });

  test('status and history tell what ran, when and why', async () => {
    const status = await runCli(['status'], environment.env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^node\s+week\s+status\s+value\s+finished\s+duration\s+why$/m);
    assert.match(status.stdout, /^success\.kpi05\s+2026-W10\s+succeeded\s+\d+(\.\d+)?\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+\.\d\ds\s+retry \(last run blocked\)/m);
    const history = await runCli(['history'], environment.env);
    assert.match(history.stdout, /^\S+\s+\S+ \S+\s+succeeded\s+[\d.]+\s+6\s+0\s+0\s+0\s+0\s+retry --nodes \S+\s+\S+\/logs\/\S+\.jsonl$/m);
    assert.match(history.stdout, /^\S+\s+\S+ \S+\s+failed\s+[\d.]+\s+\d+\s+0\s+4\s+2\s+0\s+run --target success\.publish/m);
    const node = await runCli(['history', '--node', 'success.kpi06', '--limit', '3'], environment.env);
    const lines = node.stdout.trim().split('\n');
    assert.equal(lines.length, 2 + 3);
    assert.match(lines[2]!, /succeeded\s+\d+.*retry \(last run failed\)/);
  });
});

describe('invalid node folders: exit 2, the files named, nothing written', () => {
  const cases = [
    { folder: 'cycle', expect: [/dependency cycle: (\w+\.kpi\d\d -> ){2,}\w+\.kpi\d\d/, /kpi01\.ts/, /kpi02\.ts/] },
    { folder: 'unknown-input', expect: [/unknown KPI "/, /\.ts: input "/] },
    { folder: 'duplicate-number', expect: [/duplicate KPI number/, /\.ts.*already declared in .*\.ts/] },
  ];
  for (const { folder, expect } of cases) {
    test(folder, async () => {
      const environment = await createEnvironment('pglite', { newStore: true });
      try {
        const result = await runCli(['run', '--nodes', join(REPO, 'fixtures', 'broken-nodes', folder)], environment.env);
        assert.equal(result.code, 2, result.stderr);
        for (const pattern of expect) assert.match(result.stderr, pattern);
        assert.equal(existsSync(join(environment.dir, 'state')), false, 'no warehouse was created');
        assert.equal(existsSync(join(environment.dir, 'scorecards')), false, 'no scorecard was written');
      } finally {
        await environment.cleanup();
      }
    });
  }

  test('a selector that matches nothing exits 2 with a suggestion', async () => {
    const environment = await createEnvironment('pglite', { newStore: true });
    try {
      const result = await runCli(['run', '--select', 'success.kpi6'], environment.env);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /matches no node; did you mean success\.kpi06/);
      assert.equal(existsSync(join(environment.dir, 'state')), false);
    } finally {
      await environment.cleanup();
    }
  });
});

describe('concurrency', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment();
  });
  after(() => environment.cleanup());

  const spans = async (concurrency: number) => {
    const result = await runCli(
      ['run', '--nodes', join(REPO, 'fixtures', 'test-nodes', 'slow'), '--week', '2026-W10', '--concurrency', String(concurrency), '--force'],
      environment.env,
    );
    assert.equal(result.code, 0, result.stderr);
    const warehouse = await openWarehouse(environment.config, log);
    try {
      const rows = await warehouse.db
        .selectFrom('kpi_ledger.node_runs as n')
        .innerJoin('kpi_ledger.runs as r', 'r.run_id', 'n.run_id')
        .select(['n.node_id', sql<string>`n.started_at::text`.as('started'), sql<string>`n.finished_at::text`.as('finished')])
        .where('r.concurrency', '=', concurrency)
        .where('n.node_id', 'in', ['demo.kpi01', 'demo.kpi02'])
        .orderBy('n.node_id')
        .execute();
      assert.equal(rows.length, 2);
      return rows.map((row) => ({ start: instant(row.started), end: instant(row.finished) }));
    } finally {
      await warehouse.close();
    }
  };

  test('two slow independent KPIs overlap under --concurrency 2 and not under 1', async () => {
    const [a2, b2] = await spans(2);
    assert.ok(overlap(a2!, b2!), 'overlap with concurrency 2');
    const [a1, b1] = await spans(1);
    assert.ok(!overlap(a1!, b1!), 'no overlap with concurrency 1');
  });
});

describe('new: scaffolding a KPI', () => {
  test('writes a KPI file that plans and runs as it is; refuses a duplicate or a bad number', async () => {
    const environment = await createEnvironment();
    const nodes = await copyNodes(join(REPO, 'nodes'));
    try {
      const created = await runCli(['new', 'success', '17', 'Open escalations', '--nodes', nodes], environment.env);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /created .*success\/kpi17\.ts/);
      assert.doesNotMatch(created.stdout, /publish\.ts/, 'the success domain has its publish file already');
      const source = await readFile(join(nodes, 'success', 'kpi17.ts'), 'utf8');
      assert.match(source, /number: 17,/);
      assert.match(source, /name: "Open escalations",/);

      const newDomain = await runCli(['new', 'ops', '3', 'Tickets closed', '--nodes', nodes], environment.env);
      assert.equal(newDomain.code, 0, newDomain.stderr);
      assert.match(newDomain.stdout, /created .*ops\/publish\.ts\ncreated .*ops\/kpi03\.ts/);

      const run = await runCli(['run', '--select', 'success.kpi17', 'ops.*', '--week', '2026-W10', '--nodes', nodes], environment.env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^success\.kpi17\s+2026-W10\s+succeeded\s+\(no value\)/m);
      assert.match(run.stdout, /^ops\.publish:workbook\s+2026-W10\s+succeeded/m);

      const duplicate = await runCli(['new', 'success', '6', 'Again', '--nodes', nodes], environment.env);
      assert.equal(duplicate.code, 2);
      assert.match(duplicate.stderr, /success\.kpi06 already exists in .*kpi06\.ts/);
      const bad = await runCli(['new', 'success', '120', 'Too big', '--nodes', nodes], environment.env);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /number "120" must be a whole number from 1 to 99/);
    } finally {
      await rm(nodes, { recursive: true, force: true });
      await environment.cleanup();
    }
  });
});

test('the kpi bin (pnpm exec kpi, npx kpi) reaches the same CLI', async () => {
  const environment = await createEnvironment();
  try {
    const result = await spawnNode([join(REPO, 'bin', 'kpi.js'), 'plan', '--select', 'success.kpi32', '--week', '2026-W10'], environment.env).done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /success\.kpi32@2026-W10\s+STALE: never run\s+<- table:stg_hubspot\.agreements/);
  } finally {
    await environment.cleanup();
  }
});

test('schedule --list shows the next run times of the configured schedules', async () => {
  const result = await runCli(['schedule', '--list', '2'], {});
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^success-weekly \(0 7 \* \* 1, Europe\/Madrid; \+success\.publish\): \d{4}-\d\d-\d\d 07:00, \d{4}-\d\d-\d\d 07:00$/m);
});

describe('interrupting a run', () => {
  test('Ctrl-C finishes the running task, starts no more, exits 130; retry runs the rest', async () => {
    const environment = await createEnvironment();
    try {
      const { child, done } = spawnNode(
        ['--import', 'tsx', join(REPO, 'pipeline', 'cli.ts'), 'run', '--nodes', join(REPO, 'fixtures', 'test-nodes', 'slow'), '--week', '2026-W10', '--concurrency', '1'],
        { ...environment.env, KPI_LOG_LEVEL: 'debug' },
      );
      let seen = '';
      child.stderr.on('data', (chunk) => {
        seen += chunk;
        // The first KPI has started computing: interrupt.
        if (/"msg":"stale"/.test(seen) && child.signalCode === null && !child.killed) child.kill('SIGINT');
      });
      const { code, stdout, stderr } = await done;
      assert.equal(code, 130, stderr);
      assert.match(stderr, /interrupted \(SIGINT\): finishing the running tasks/);
      assert.match(stdout, /^demo\.kpi01\s+2026-W10\s+succeeded\s+1/m);
      assert.match(stdout, /^demo\.kpi02\s+2026-W10\s+blocked\s+blocked by interrupted/m);

      const warehouse = await openWarehouse(environment.config, log);
      try {
        const run = await warehouse.db.selectFrom('kpi_ledger.runs').select('status').executeTakeFirstOrThrow();
        assert.equal(run.status, 'interrupted');
        const nodeRuns = await warehouse.db.selectFrom('kpi_ledger.node_runs').select(['node_id', 'status']).where('iso_week', 'is not', null).orderBy('node_id').execute();
        assert.deepEqual(nodeRuns, [
          { node_id: 'demo.kpi01', status: 'succeeded' },
          { node_id: 'demo.kpi02', status: 'blocked' },
        ]);
      } finally {
        await warehouse.close();
      }
      const retry = await runCli(['retry', '--nodes', join(REPO, 'fixtures', 'test-nodes', 'slow')], environment.env);
      assert.equal(retry.code, 0, retry.stderr);
      assert.match(retry.stdout, /^demo\.kpi02\s+2026-W10\s+succeeded\s+2/m);
      assert.doesNotMatch(retry.stdout, /demo\.kpi01/);
    } finally {
      await environment.cleanup();
    }
  });
});

function instant(text: string): Temporal.Instant {
  return Temporal.Instant.from(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

function overlap(a: { start: Temporal.Instant; end: Temporal.Instant }, b: { start: Temporal.Instant; end: Temporal.Instant }): boolean {
  return Temporal.Instant.compare(a.start, b.end) < 0 && Temporal.Instant.compare(b.start, a.end) < 0;
}

describe('weeks on the command line', () => {
  test('run --select success.kpi05 --week 2026-W10 on an empty warehouse computes kpi06 for W07..W10 first', async () => {
    const environment = await createEnvironment();
    try {
      const result = await runCli(['run', '--select', 'success.kpi05', '--week', '2026-W10'], environment.env);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.split('\n');
      const position = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
      const kpi05 = position(/^success\.kpi05\s+2026-W10\s+succeeded/);
      assert.ok(kpi05 > 0);
      for (const week of ['2026-W07', '2026-W08', '2026-W09', '2026-W10']) {
        const kpi06 = position(new RegExp(`^success\\.kpi06\\s+${week}\\s+succeeded`));
        assert.ok(kpi06 > 0 && kpi06 < kpi05, `kpi06 ${week} is listed before kpi05`);
      }
      assert.doesNotMatch(result.stdout, /success\.kpi(16|32)/, 'only what kpi05 needs');
    } finally {
      await environment.cleanup();
    }
  });

  const invalid: [string, string[], RegExp][] = [
    ['a week 53 that 2025 does not have', ['--week', '2025-W53'], /2025 has weeks W01 to W52/],
    ['a reversed range', ['--weeks', '2026-W10..2026-W01'], /reversed/],
    ['a long range without --yes', ['--weeks', '2024-W01..2026-W47'], /more than the 104 allowed without --yes/],
    ['a week before the source data', ['--week', '2023-W40'], /before the first week with source data/],
    ['an unknown time zone', ['--tz', 'Mars/Olympus'], /not a known IANA time zone/],
  ];
  for (const [name, args, message] of invalid) {
    test(`exit 2, nothing written: ${name}`, async () => {
      const environment = await createEnvironment('pglite', { newStore: true });
      try {
        const result = await runCli(['run', '--target', 'success.publish', ...args], environment.env);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, message);
        assert.equal(existsSync(join(environment.dir, 'state')), false);
      } finally {
        await environment.cleanup();
      }
    });
  }
});
