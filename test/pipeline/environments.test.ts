/**
 * Environments, on both engines: a changed KPI 6 run in `dev` leaves prod's tables, ledger,
 * workbook and Google sheet as they were; `diff dev` lists exactly the KPI-weeks whose values
 * differ (against SQL over both schemas); `promote dev` makes prod equal to dev, restating what
 * was published, after which a prod run computes nothing and `diff` finds nothing; and the bad
 * inputs: unknown or invalid names, a checkout whose code differs, `env drop prod`.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { IsoWeek, weekRange } from '../../graph/iso-week.ts';
import { loadConfig } from '../../pipeline/config.ts';
import type { Config } from '../../pipeline/config.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { runPipeline } from '../../pipeline/engine/run.ts';
import { createLogger } from '../../pipeline/log.ts';
import { EXIT } from '../../pipeline/exit-codes.ts';
import { copyNodes, runCli } from '../helpers/cli.ts';
import { ENGINES, REPO, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';
import { SheetsEmulator } from '../helpers/sheets-emulator.ts';

const log = createLogger({ level: 'silent' });
const FIRST = '2026-W01';
const LAST = '2026-W06';
const WEEKS = weekRange(IsoWeek.parse(FIRST), IsoWeek.parse(LAST));
const RANGE = `${FIRST}..${LAST}`;
const SPREADSHEET = 'environmentsTest00001';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const ACCOUNT = 'kpi-factory@demo-project.iam.gserviceaccount.com';
const GOOGLE_ENV = { GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ type: 'service_account', client_email: ACCOUNT, private_key: privateKey }) };
/** KPI 6 changed on a branch: drafts count as completed forms too. */
const COMPLETED = "where lower(trim(form_status)) = 'completed'";
const CHANGED = "where lower(trim(form_status)) in ('completed', 'draft')";

/** Every row of prod's own tables, as JSON text in a stable order: "byte for byte". */
async function prodSnapshot(db: Kysely<any>): Promise<Record<string, string[]>> {
  const tables = ['vl_analytics.scorecard_success', 'vl_analytics.scorecard_status', 'kpi_ledger.runs', 'kpi_ledger.node_runs', 'kpi_ledger.published_values', 'kpi_ledger.restatements'];
  const snapshot: Record<string, string[]> = {};
  for (const table of tables) {
    const { rows } = await sql<{ row: string }>`select to_jsonb(t)::text as row from ${sql.table(table)} t order by 1`.execute(db);
    snapshot[table] = rows.map((row) => row.row);
  }
  return snapshot;
}

for (const engine of ENGINES) {
  describe(`environments on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    let changed: string;
    let emulator: SheetsEmulator;
    const withGoogle = (config: Config): Config => ({ ...config, google: { concurrency: 1, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } } });
    let prod: Config;
    let dev: Config;
    const cli = (args: readonly string[]) => runCli([...args, '--nodes', changed], environment.env);
    const withDb = async <T>(work: (db: Kysely<any>) => Promise<T>): Promise<T> => {
      const warehouse = await openWarehouse(prod, log);
      try {
        return await work(warehouse.db);
      } finally {
        await warehouse.close();
      }
    };

    before(async () => {
      environment = await createEnvironment(engine);
      changed = await copyNodes(join(REPO, 'nodes'));
      const file = join(changed, 'success', 'kpi06.ts');
      const source = await readFile(file, 'utf8');
      assert.ok(source.includes(COMPLETED));
      await writeFile(file, source.replace(COMPLETED, CHANGED));
      emulator = SheetsEmulator.install();
      emulator.addSpreadsheet(SPREADSHEET, { sharedWith: [ACCOUNT] });
      const configFile = { file: join(REPO, 'kpi.config.json'), explicit: true };
      prod = { ...withGoogle(environment.config), scorecards: { success: { spreadsheetId: SPREADSHEET } } };
      dev = withGoogle(await loadConfig(configFile, { ...environment.env, KPI_ENV: 'dev' }));
    });
    after(async () => {
      await emulator.uninstall();
      await environment.cleanup();
      await rm(changed, { recursive: true, force: true });
    });

    const runSuccess = async (config: Config, nodesDir: string) => {
      const outcome = await runPipeline({ config, log, concurrency: 4, command: 'test', select: ['+success.publish'], exclude: [], weeks: WEEKS, nodesDir, env: GOOGLE_ENV });
      assert.equal(outcome.status, 'succeeded', outcome.results.find((result) => result.error)?.error?.message);
      return outcome;
    };
    const googleDump = () => emulator.tabs(SPREADSHEET).map((tab) => [tab.title, emulator.grid(SPREADSHEET, tab.title)]);

    test('a changed KPI 6 run in dev: prod unchanged byte for byte, dev holds the new KPI 6 and the KPI 5 that reads it', async () => {
      await runSuccess(prod, join(REPO, 'nodes'));
      const workbook = join(prod.paths.scorecards, 'success.xlsx');
      const before = { tables: await withDb(prodSnapshot), workbook: await readFile(workbook), google: googleDump() };
      assert.ok(before.google.length > 0, 'prod published to the emulated Google sheet');

      const outcome = await runSuccess(dev, changed);
      const computed = outcome.results.filter((result) => result.value?.kind === 'kpi' && !result.value.fresh).map((result) => result.task.node.id);
      assert.deepEqual([...new Set(computed)].sort(), ['success.kpi05', 'success.kpi06'], 'nothing else needed computing');

      assert.deepEqual(await withDb(prodSnapshot), before.tables);
      assert.deepEqual(await readFile(workbook), before.workbook);
      assert.deepEqual(googleDump(), before.google);
      assert.ok(existsSync(join(prod.paths.scorecards, 'dev', 'success.xlsx')), 'dev publishes to its own workbook');

      // Independent SQL: KPI 6 as changed, per local (Madrid) ISO week; KPI 5 the mean of the four weeks of KPI 6 dev reads (its own, else prod's).
      await withDb(async (db) => {
        const { rows: expected6 } = await sql<{ week: string; n: number }>`
          select to_char(submitted_at at time zone 'Europe/Madrid', 'IYYY-"W"IW') as week, count(*)::int as n
          from stg_forms.offboarding_submissions where lower(trim(form_status)) in ('completed', 'draft') group by 1`.execute(db);
        const { rows: dev6 } = await sql<{ week: string; value: number }>`select iso_week as week, field_value as value from "vl_analytics__dev".scorecard_success where kpi_number = '06'`.execute(db);
        assert.ok(dev6.length > 0);
        for (const row of dev6) assert.equal(Number(row.value), expected6.find((candidate) => candidate.week === row.week)?.n ?? 0, `KPI 6 ${row.week}`);
        const { rows: kpi5 } = await sql<{ week: string; value: number; expected: number }>`
          with effective as (
            select p.iso_week, p.last_sunday, coalesce(d.field_value, p.field_value) as value
            from vl_analytics.scorecard_success p left join "vl_analytics__dev".scorecard_success d on d.kpi_number = p.kpi_number and d.iso_week = p.iso_week
            where p.kpi_number = '06')
          select d.iso_week as week, d.field_value as value,
                 (select avg(e.value) from effective e where e.last_sunday between d.last_sunday - 21 and d.last_sunday) as expected
          from "vl_analytics__dev".scorecard_success d where d.kpi_number = '05'`.execute(db);
        assert.ok(kpi5.length > 0, 'dev recomputed KPI 5');
        for (const row of kpi5) assert.ok(Math.abs(Number(row.value) - Number(row.expected)) < 1e-9, `KPI 5 ${row.week}: ${row.value} vs ${row.expected}`);
      });
    });

    test('diff dev lists exactly the KPI-weeks whose values differ (SQL over both schemas), exit 1', async () => {
      const result = await cli(['diff', 'dev', '--format', 'json']);
      assert.equal(result.code, EXIT.failed, result.stderr);
      const diff = JSON.parse(result.stdout) as { differences: { nodeId: string; week: string; ours: { value: number }; theirs: { value: number } }[]; scorecards: { domain: string; cellsChanged: number }[] };
      const expected = await withDb(async (db) => {
        const { rows } = await sql<{ kpi: string; week: string }>`
          select d.kpi_number as kpi, d.iso_week as week
          from "vl_analytics__dev".scorecard_success d left join vl_analytics.scorecard_success p on p.kpi_number = d.kpi_number and p.iso_week = d.iso_week
          where p.kpi_number is null or abs(d.field_value - p.field_value) > 1e-9 or (d.field_value is null) <> (p.field_value is null)`.execute(db);
        return rows.map((row) => `success.kpi${row.kpi}@${row.week}`).sort();
      });
      assert.ok(expected.length > 0, 'the change moved some values');
      assert.deepEqual(diff.differences.map((difference) => `${difference.nodeId}@${difference.week}`).sort(), expected);
      assert.equal(diff.scorecards.find((scorecard) => scorecard.domain === 'success')?.cellsChanged, expected.length);

      const markdown = await cli(['diff', 'dev', '--format', 'markdown']);
      assert.equal(markdown.code, EXIT.failed);
      assert.match(markdown.stdout, /^### Values: `dev` against `prod`/);
      assert.match(markdown.stdout, new RegExp(`\\*\\*success\\*\\*: ${expected.length} cells change`));
      const text = await cli(['diff', 'dev']);
      assert.match(text.stdout, new RegExp(`dev against prod: ${expected.length} KPI-weeks differ`));
    });

    test('env ls lists prod and dev with their last run and KPI-weeks held', async () => {
      const result = await runCli(['env', 'ls', '--json'], environment.env);
      assert.equal(result.code, EXIT.ok, result.stderr);
      const listed = JSON.parse(result.stdout) as { name: string; kpiWeeks: number; lastRun?: { status: string } }[];
      assert.deepEqual(listed.map((entry) => entry.name), ['prod', 'dev']);
      const held = await withDb(async (db) => {
        const count = async (schema: string) => Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${schema}.scorecard_success`)}`.execute(db)).rows[0]!.n);
        return [await count('vl_analytics'), await count('vl_analytics__dev')];
      });
      assert.deepEqual(listed.map((entry) => entry.kpiWeeks), held);
      assert.deepEqual(listed.map((entry) => entry.lastRun?.status), ['succeeded', 'succeeded']);
    });

    test('promote refuses when the checkout differs from the code dev ran, naming the KPI', async () => {
      const other = await copyNodes(changed);
      try {
        const file = join(other, 'success', 'kpi06.ts');
        await writeFile(file, (await readFile(file, 'utf8')).replace(CHANGED, "where lower(trim(form_status)) in ('completed', 'abandoned')"));
        const before = await withDb(prodSnapshot);
        const result = await runCli(['promote', 'dev', '--nodes', other], environment.env);
        assert.equal(result.code, EXIT.invalid, result.stderr);
        assert.match(result.stderr, /promote dev: the code of 1 KPI differs from the code dev computed with: success\.kpi06 \(dev ran code [0-9a-f]{8}, the checkout has [0-9a-f]{8}\)/);
        assert.deepEqual(await withDb(prodSnapshot), before, 'nothing written');
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    });

    test('promote dev: prod takes dev values without computing, restates what was published; then a prod run computes nothing and diff exits 0', async () => {
      const devValues = await withDb(async (db) => (await sql<{ key: string; value: number }>`select kpi_number || '@' || iso_week as key, field_value as value from "vl_analytics__dev".scorecard_success order by 1`.execute(db)).rows);
      const promoted = await cli(['promote', 'dev', '--json']);
      assert.equal(promoted.code, EXIT.ok, promoted.stderr);
      const events = promoted.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; node?: string; status?: string; reasons?: string[] });
      const finished = events.filter((event) => event.event === 'task finished' && /^success\.kpi0[56]$/.test(event.node ?? ''));
      assert.equal(finished.length, devValues.length, 'one task per promoted KPI-week');

      await withDb(async (db) => {
        const { rows } = await sql<{ key: string; value: number; reason: string }>`
          select p.kpi_number || '@' || p.iso_week as key, p.field_value as value, n.reason
          from vl_analytics.scorecard_success p
          join kpi_ledger.node_runs n on n.run_id = p.run_id and n.task_id = 'success.kpi' || p.kpi_number || '@' || p.iso_week
          where p.kpi_number || '@' || p.iso_week in (select kpi_number || '@' || iso_week from "vl_analytics__dev".scorecard_success)
          order by 1`.execute(db);
        assert.deepEqual(rows.map((row) => [row.key, Number(row.value)]), devValues.map((row) => [row.key, Number(row.value)]));
        for (const row of rows) assert.match(row.reason, /promoted from dev \(run \S+\)/, `${row.key} was taken, not computed`);
      });
      const restatements = await runCli(['restatements', '--json'], environment.env);
      const listed = JSON.parse(restatements.stdout) as { nodeId: string; week: string; publishedAt: string; restatedAt: string }[];
      const restated = listed.map((row) => `${row.nodeId}@${row.week}`).sort();
      // Times local with their offset, as every output gives them.
      const LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;
      for (const row of listed) assert.ok(LOCAL.test(row.publishedAt) && LOCAL.test(row.restatedAt), JSON.stringify(row));
      const versions = JSON.parse((await cli(['history', 'success.kpi06', '--week', FIRST, '--json'])).stdout) as { computedAt: string }[];
      assert.ok(versions.length >= 2 && versions.every((version) => LOCAL.test(version.computedAt)), JSON.stringify(versions));
      const explained = await cli(['explain', 'success.kpi06', '--week', FIRST]);
      assert.match(explained.stdout, /computed by run \S+ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d,/);
      assert.ok(restated.length > 0);
      assert.ok(restated.every((key) => /^success\.kpi0[56]@2026-W0[1-6]$/.test(key)), restated.join(', '));

      const rerun = await cli(['run', '--target', 'success.publish', '--weeks', RANGE]);
      assert.equal(rerun.code, EXIT.ok, rerun.stderr);
      assert.match(rerun.stdout, /Everything selected was fresh/);
      const same = await cli(['diff', 'dev']);
      assert.equal(same.code, EXIT.ok, same.stdout);
      assert.match(same.stdout, /dev and prod hold the same values for the selection/);
    });

    test('bad input: an unknown environment, an invalid name, --against itself, env drop prod: exit 2 with a message naming them', async () => {
      const unknown = await runCli(['status', '--env', 'nope'], environment.env);
      assert.equal(unknown.code, EXIT.invalid);
      assert.match(unknown.stderr, /there is no environment "nope" in this warehouse .*environments: prod, dev/);
      const invalid = await runCli(['plan', '--env', 'a b'], environment.env);
      assert.equal(invalid.code, EXIT.invalid);
      assert.match(invalid.stderr, /--env "a b": an environment name is letters, digits, - and _, at most 40 characters/);
      const fromVariable = await runCli(['status'], { ...environment.env, KPI_ENV: 'x'.repeat(41) });
      assert.equal(fromVariable.code, EXIT.invalid);
      assert.match(fromVariable.stderr, /KPI_ENV/);
      const itself = await cli(['diff', 'dev', '--against', 'dev']);
      assert.equal(itself.code, EXIT.invalid);
      const dropProd = await runCli(['env', 'drop', 'prod'], environment.env);
      assert.equal(dropProd.code, EXIT.invalid);
      assert.match(dropProd.stderr, /prod cannot be dropped/);
    });

    test('env drop dev removes its schemas, ledger rows and workbooks; prod stays', async () => {
      const before = await withDb(prodSnapshot);
      const site = join(prod.paths.scorecards, '..', 'site', 'dev');
      assert.equal((await cli(['docs', '--env', 'dev'])).code, EXIT.ok);
      assert.ok(existsSync(join(site, 'index.html')));
      const dropped = await runCli(['env', 'drop', 'dev'], environment.env);
      assert.equal(dropped.code, EXIT.ok, dropped.stderr);
      assert.ok(!existsSync(join(prod.paths.scorecards, 'dev')));
      assert.ok(!existsSync(site), 'its site too');
      await withDb(async (db) => {
        const { rows } = await sql<{ name: string }>`select nspname as name from pg_namespace where nspname like '%\\_\\_dev'`.execute(db);
        assert.deepEqual(rows, []);
      });
      assert.deepEqual(await withDb(prodSnapshot), before);
      const listed = JSON.parse((await runCli(['env', 'ls', '--json'], environment.env)).stdout) as { name: string }[];
      assert.deepEqual(listed.map((entry) => entry.name), ['prod']);
    });
  });
}
