/**
 * The commands that read (`plan`, `status`, `history`, `explain`, `restatements`, `docs`) change
 * nothing in the warehouse: no migration, no table, no row. On a PostgreSQL warehouse that no
 * run has written to, they answer as if its ledger were empty; Google credentials are read
 * only where a Google source or destination is used.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { migrate } from '../../pipeline/connectors/warehouse/migrations.ts';
import { loadFixtures } from '../../pipeline/connectors/warehouse/fixtures.ts';
import { openPostgres } from '../../pipeline/connectors/warehouse/postgres.ts';
import { runCli } from '../helpers/cli.ts';
import { REPO, configWith, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';
import { createLogger } from '../../pipeline/log.ts';

/** Every relation outside the system schemas with a checksum of its rows, and every schema: what "byte for byte" means here. */
async function snapshot(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found: Record<string, string> = {};
    const schemas = await client.query<{ nspname: string }>(`select nspname from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema' order by 1`);
    found.schemas = schemas.rows.map((row) => row.nspname).join(',');
    const relations = await client.query<{ schema: string; name: string; kind: string }>(
      `select n.nspname as schema, c.relname as name, c.relkind as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema' order by 1, 2`,
    );
    for (const { schema, name, kind } of relations.rows) {
      if (kind !== 'r') {
        found[`${schema}.${name}`] = kind;
        continue;
      }
      const table = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
      const { rows } = await client.query<{ sum: string | null; n: string }>(`select md5(string_agg(t::text, '|' order by t::text)) as sum, count(*) as n from ${table} t`);
      found[`${schema}.${name}`] = `${rows[0]!.n} rows ${rows[0]!.sum}`;
    }
    return found;
  } finally {
    await client.end();
  }
}

const WEEK = '2026-W10';

describe('readers on a PostgreSQL warehouse no run has written to', { skip: engineSkipReason('postgres') }, () => {
  let environment: TestEnvironment;
  let env: Record<string, string>;
  let configFile: string;

  before(async () => {
    // Only the staging tables and their demo rows: no ledger, no scorecard table, as a production warehouse before its first run.
    environment = await createEnvironment('postgres', { demoData: false });
    const warehouse = openPostgres(environment.env.DATABASE_URL!, createLogger({ level: 'silent' }));
    try {
      // The loader marks the demo data in the ledger: made for it, then dropped, leaving the staging tables alone.
      await migrate(warehouse.db);
      await loadFixtures(warehouse.db, join(REPO, 'fixtures', 'warehouse'));
      await sql`drop schema kpi_ledger cascade`.execute(warehouse.db);
      await sql`drop schema vl_analytics cascade`.execute(warehouse.db);
    } finally {
      await warehouse.close();
    }
    // A scorecard with a spreadsheet, so that the plan has a Google destination, and credentials that are not JSON.
    const config = await configWith(environment, { scorecards: { success: { spreadsheetId: 'sheet-success-1' } } });
    env = { ...environment.env, GOOGLE_SERVICE_ACCOUNT_JSON: 'this is not JSON' };
    configFile = config;
  });
  after(() => environment.cleanup());

  test('plan, status, history, explain, restatements and docs leave it as it was, and say nothing has run', async () => {
    const url = environment.env.DATABASE_URL!;
    const before = await snapshot(url);
    assert.ok(!before.schemas!.includes('kpi_ledger'), 'no ledger to begin with');
    const config = ['--config', configFile];

    const plan = await runCli(['plan', ...config, '--week', WEEK, '--format', 'json'], env);
    assert.equal(plan.code, 0, plan.stderr);
    const { levels } = JSON.parse(plan.stdout) as { levels: { id: string; state: string; why: string[] }[][] };
    const tasks = levels.flat();
    const kpis = tasks.filter((task) => /\.kpi\d\d@/.test(task.id));
    assert.ok(kpis.length > 10, plan.stdout.slice(0, 500));
    for (const task of kpis) assert.deepEqual([task.state, task.why], ['stale', ['never run']], task.id);
    assert.ok(tasks.some((task) => task.id === `success.publish@${WEEK}:google`), 'the Google destination is planned without reading the credentials');
    assert.doesNotMatch(plan.stderr, /not JSON/);

    for (const args of [['status'], ['history'], ['history', 'success.kpi06'], ['explain', 'success.kpi06', '--week', WEEK], ['restatements'], ['docs', '--out', join(environment.dir, 'site')]]) {
      const result = await runCli([...args, ...config], env);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    assert.deepEqual(await snapshot(url), before);

    // A week never computed: no checks said to have passed, and a command to type.
    const explain = await runCli(['explain', 'success.kpi06', '--week', WEEK, ...config], env);
    assert.match(explain.stdout, /never computed: run it with `pipeline run --select success\.kpi06 --week 2026-W10`/);
    assert.match(explain.stdout, /checks:\n {2}\(not run: the week was never computed\)/);
    assert.doesNotMatch(explain.stdout, /passed/);
  });

  test('the same once `seed` has made the ledger: no scorecard table is created and no row added', async () => {
    const url = environment.env.DATABASE_URL!;
    const seed = await runCli(['seed', '--config', configFile], env);
    assert.equal(seed.code, 0, seed.stderr);
    const before = await snapshot(url);
    assert.ok(before.schemas!.includes('kpi_ledger'));
    assert.equal(before['vl_analytics.scorecard_success'], undefined);
    for (const args of [['plan', '--week', WEEK], ['status'], ['explain', 'success.kpi32', '--week', WEEK]]) {
      const result = await runCli([...args, '--config', configFile], env);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    assert.deepEqual(await snapshot(url), before);
  });
});
