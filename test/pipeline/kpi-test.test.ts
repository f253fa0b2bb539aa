/**
 * `pipeline test`: the demo's examples pass; a KPI broken on purpose fails the example that
 * catches it; an invalid example is exit 2 naming it; the user's warehouse is never touched,
 * and a run holding it does not stop the examples.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { BACKFILL, copyNodes, runCli, startHolding } from '../helpers/cli.ts';
import { createEnvironment, engineSkipReason, REPO } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const DEMO_KPIS = [
  'success.kpi05',
  'success.kpi06',
  'success.kpi16',
  'success.kpi32',
  'recruitment.kpi41',
  'recruitment.kpi42',
  'recruitment.kpi43',
  'recruitment.kpi44',
  'applications.kpi51',
  'applications.kpi52',
  'applications.kpi53',
  'leadership.kpi61',
  'leadership.kpi62',
  'leadership.kpi63',
];

/** A copy of the demo's nodes with `file` edited by `edit`. */
async function nodesWith(file: string, edit: (source: string) => string): Promise<string> {
  const dir = await copyNodes(join(REPO, 'nodes'));
  const path = join(dir, file);
  const source = await readFile(path, 'utf8');
  const edited = edit(source);
  assert.notEqual(edited, source, `${file}: the edit changed nothing`);
  await writeFile(path, edited);
  return dir;
}

describe('pipeline test', () => {
  const copies: string[] = [];
  after(() => Promise.all(copies.map((dir) => rm(dir, { recursive: true, force: true }))));

  test('every example of the demo passes, at least two per KPI of the four scorecards', async () => {
    const result = await runCli(['test', '--json'], {});
    assert.equal(result.code, 0, result.stderr);
    const examples = JSON.parse(result.stdout) as { kpi: string; name: string; status: string }[];
    assert.deepEqual(
      examples.filter((example) => example.status !== 'passed'),
      [],
    );
    for (const kpi of DEMO_KPIS) assert.ok(examples.filter((example) => example.kpi === kpi).length >= 2, `${kpi} has fewer than two examples`);
  });

  test('KPI 32 counting agreements instead of clients fails the example that says so', async () => {
    const nodes = await nodesWith('success/kpi32.ts', (source) => source.replaceAll('select distinct client_id', 'select distinct agreement_id'));
    copies.push(nodes);
    const result = await runCli(['test', '--nodes', nodes, '--select', 'success.kpi32'], {});
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^✗ success\.kpi32 churn counts clients, not agreements\n {4}week: +2026-W10\n {4}expected: 50\.00%\n {4}actual: +66\.67%\n/m);
    assert.match(result.stdout, /given exposure \(3 rows\):\n {6}\{"agreement_id":"a1","client_id":"c1"/);
    assert.match(result.stdout, /^\d+ passed, [1-9]\d* failed$/m);
  });

  test('KPI 6 cutting weeks in UTC fails the Sunday 23:59 / Monday 00:00 example', async () => {
    const nodes = await nodesWith('success/kpi06.ts', (source) =>
      source
        .replace('${week.startsAt}::timestamptz', "${week.monday}::date::timestamp at time zone 'UTC'")
        .replace('${week.endsAt}::timestamptz', "(${week.lastSunday}::date + 1)::timestamp at time zone 'UTC'"),
    );
    copies.push(nodes);
    const result = await runCli(['test', '--nodes', nodes, '--select', 'success.kpi06'], {});
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^✗ success\.kpi06 a form completed at Sunday 23:59 local counts, one at Monday 00:00 local does not\n {4}week: +2026-W10\n {4}expected: 1\n {4}actual: +2\n/m);
  });

  test('an example giving a column the table lacks, or an input the KPI lacks, is exit 2 naming it', async () => {
    const nodes = await nodesWith('success/kpi06.examples.ts', (source) =>
      source.replace(
        'export default examples(\'success.kpi06\', [',
        `export default examples('success.kpi06', [
  { name: 'a misspelt column', week: '2026-W10', given: { submissions: [{ submision_id: 's1' }] }, expect: 0 },
  { name: 'an input it does not read', week: '2026-W10', given: { forms: [] }, expect: 0 },
  { name: 'no such week', week: '2025-W53', given: {}, expect: 0 },`,
      ),
    );
    copies.push(nodes);
    const result = await runCli(['test', '--nodes', nodes], {});
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '', 'nothing ran');
    assert.match(result.stderr, /success\.kpi06 example "a misspelt column": submissions: table stg_forms\.offboarding_submissions has no column "submision_id" \(its columns: submission_id, client_id, submitted_at,/);
    assert.match(result.stderr, /success\.kpi06 example "an input it does not read": gives "forms", which is not an input of the KPI \(its inputs: submissions\)/);
    assert.match(result.stderr, /success\.kpi06 example "no such week": week: 2025 has weeks W01 to W52/);
  });

  test('a given value its column cannot take is exit 2 naming the example', async () => {
    const nodes = await nodesWith('success/kpi06.examples.ts', (source) => source.replace("submitted_at: '2026-03-08T23:59:00+01:00'", "submitted_at: 'Sunday night'"));
    copies.push(nodes);
    const result = await runCli(['test', '--nodes', nodes, '--select', 'success.kpi06'], {});
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /success\.kpi06 example "a form completed at Sunday 23:59 local counts, one at Monday 00:00 local does not": submissions: the rows given do not fit stg_forms\.offboarding_submissions: .*Sunday night/);
  });

  test('new writes an examples file that passes as written, for each template', async () => {
    const nodes = await copyNodes(join(REPO, 'nodes'));
    copies.push(nodes);
    for (const args of [
      ['success', '17', 'Open escalations'],
      ['success', '18', 'Report lines', '--from', 'sheet:cs_weekly_report'],
      ['ops', '1', 'Churn', '--from', 'kpi:success.kpi32'],
    ]) {
      const created = await runCli(['new', ...args, '--nodes', nodes], {});
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /^created .*kpi\d\d\.examples\.ts$/m);
    }
    const result = await runCli(['test', '--nodes', nodes, '--select', 'success.kpi17', 'success.kpi18', 'ops.kpi01'], {});
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^3 passed, 0 failed$/m);
  });

  test('an example file for a KPI that does not exist is exit 2', async () => {
    const nodes = await copyNodes(join(REPO, 'nodes'));
    copies.push(nodes);
    await writeFile(join(nodes, 'success', 'kpi99.examples.ts'), "import { examples } from 'kpi-factory';\nexport default examples('success.kpi99', []);\n");
    const result = await runCli(['test', '--nodes', nodes], {});
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /kpi99\.examples\.ts: examples for "success\.kpi99", which is not a KPI of the project/);
  });
});

describe('pipeline test leaves the warehouse alone', () => {
  test('a PostgreSQL warehouse in DATABASE_URL is never opened', { skip: engineSkipReason('postgres') }, async () => {
    const environment = await createEnvironment('postgres', { demoData: false });
    try {
      const result = await runCli(['test', '--select', 'success.*'], environment.env);
      assert.equal(result.code, 0, result.stderr);
      const client = new pg.Client({ connectionString: environment.env.DATABASE_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ nspname: string }>("select nspname from pg_namespace where nspname not like 'pg\\_%' and nspname not in ('information_schema', 'public')");
        assert.deepEqual(rows, [], 'no schema was created (kpi_ledger, kpi_models, staging)');
      } finally {
        await client.end();
      }
    } finally {
      await environment.cleanup();
    }
  });

  describe('the embedded warehouse', () => {
    let environment: TestEnvironment;
    before(async () => {
      environment = await createEnvironment('pglite', { newStore: true });
    });
    after(() => environment.cleanup());

    test('is not created by pipeline test, and a run holding it does not stop it', async () => {
      const alone = await runCli(['test', '--select', 'recruitment.kpi41'], environment.env);
      assert.equal(alone.code, 0, alone.stderr);
      assert.equal(existsSync(environment.env.KPI_STATE_DIR!), false, 'no state folder: no store, no lock');
      const holder = await startHolding(BACKFILL, environment.env);
      try {
        const beside = await runCli(['test', '--select', 'success.*'], environment.env);
        assert.equal(beside.code, 0, beside.stderr);
        assert.match(beside.stdout, /^\d+ passed, 0 failed$/m);
      } finally {
        holder.child.kill('SIGTERM');
        await holder.done;
      }
    });
  });
});
