/**
 * Models: built at most once per run and only when their fingerprint changed; KPIs that read
 * them stale by their content (a rebuild with the same rows reruns nothing downstream); a model
 * with a time column replaces only the weeks whose rows changed; a failed build leaves the
 * table as it was; and the declaration errors, before anything runs. On PGlite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { DefinitionError } from '../../graph/errors.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { runPipeline, validateSelection } from '../../pipeline/engine/run.ts';
import type { RunOutcome } from '../../pipeline/engine/run.ts';
import type { TaskValue } from '../../pipeline/engine/task-runner.ts';
import { createLogger } from '../../pipeline/log.ts';
import { statusOf } from '../../pipeline/reports/summary.ts';
import { copyNodes, runCli } from '../helpers/cli.ts';
import { ENGINES, REPO, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';
import { applicationsReceived, conversion } from '../helpers/expected-kpis.ts';
import { assertClose, storedValue } from '../helpers/stored.ts';

const log = createLogger({ level: 'silent' });
const WEEKS = ['2025-W01', '2025-W02', '2025-W03', '2025-W04', '2025-W05', '2025-W06'];
const MODEL = 'applications.records';

for (const engine of ENGINES) {
  describe(`models on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    let nodes: string;
    const modelFile = () => join(nodes, 'applications', 'records.model.ts');

    before(async () => {
      environment = await createEnvironment(engine);
      nodes = await copyNodes(join(REPO, 'nodes'));
    });
    after(async () => {
      await environment.cleanup();
      await rm(nodes, { recursive: true, force: true });
    });

    const run = (options: { force?: string[] } = {}) =>
      runPipeline({
        config: environment.config,
        log,
        concurrency: 4,
        command: 'test',
        nodesDir: nodes,
        select: [`${MODEL}+`],
        exclude: ['leadership.*'],
        weeks: WEEKS.map((week) => IsoWeek.parse(week)),
        ...(options.force ? { force: options.force } : {}),
      });
    const withWarehouse = async <T>(work: (db: any) => Promise<T>): Promise<T> => {
      const warehouse = await openWarehouse(environment.config, log);
      try {
        return await work(warehouse.db);
      } finally {
        await warehouse.close();
      }
    };
    const modelResult = (outcome: RunOutcome) => outcome.results.filter((result) => result.task.node.id === MODEL);
    const build = (outcome: RunOutcome) => {
      const value = modelResult(outcome)[0]?.value as Extract<TaskValue, { kind: 'model' }> | undefined;
      return value?.build;
    };
    const computed = (outcome: RunOutcome) =>
      outcome.results
        .filter((result) => result.task.node.kind === 'kpi' && statusOf(result) === 'succeeded')
        .map((result) => result.task.id)
        .sort();

    test('built once for every week and KPI that reads it; the KPIs keep the values of the independent SQL', async () => {
      const outcome = await run();
      assert.deepEqual(outcome.results.filter((result) => result.status !== 'succeeded').map((result) => result.task.id), []);
      assert.equal(modelResult(outcome).length, 1, 'one model task for six weeks and three KPIs');
      assert.equal(build(outcome)?.replaced, 'all');
      await withWarehouse(async (db) => {
        const builds = await sql<{ n: number }>`select count(*)::int as n from kpi_ledger.node_runs where run_id = ${outcome.runId} and node_id = ${MODEL} and status = 'succeeded'`.execute(db);
        assert.equal(builds.rows[0]!.n, 1, 'the ledger records one build');
        for (const week of WEEKS) {
          assert.equal(await storedValue(db, 'applications', '51', week), await applicationsReceived(db, week), `kpi51 ${week}`);
          assertClose(await storedValue(db, 'applications', '52', week), await conversion(db, week), `kpi52 ${week}`);
        }
      });
    });

    test('a rebuild that yields the same rows reruns nothing downstream; an unchanged model is not rebuilt', async () => {
      const again = await run();
      assert.equal(statusOf(modelResult(again)[0]!), 'fresh');
      const forced = await run({ force: [MODEL] });
      assert.equal(statusOf(modelResult(forced)[0]!), 'succeeded');
      assert.equal(build(forced)?.replaced, 'all', '--force rebuilds it whole');
      assert.deepEqual(computed(forced), []);
    });

    test('a model whose SQL changes rebuilds: same rows, nothing downstream reruns; other rows, only the KPI-weeks they touch', async () => {
      const source = await readFile(modelFile(), 'utf8');
      try {
        await writeFile(modelFile(), source.replace("bool_or(status = 'interview')", "bool_or('interview' = status)"));
        const same = await run();
        assert.equal(statusOf(modelResult(same)[0]!), 'succeeded', 'its code changed');
        assert.deepEqual(build(same)?.replaced, [], 'no week of its rows changed');
        assert.deepEqual(computed(same), []);

        // Counting no record as a staff test changes the rows of the weeks that had one, and only those.
        const testWeeks = await withWarehouse(async (db) => {
          const { rows } = await sql<{ week: string }>`
            select distinct to_char(first_received_at at time zone ${environment.config.timeZone}, 'IYYY-"W"IW') as week
            from kpi_models.applications__records where is_test order by 1`.execute(db);
          return rows.map((row) => row.week);
        });
        const touched = WEEKS.filter((week) => testWeeks.includes(week));
        assert.ok(touched.length > 0 && touched.length < WEEKS.length, `some weeks have staff tests: ${touched.join(', ')}`);
        await writeFile(modelFile(), source.replace("bool_or(name like 'test%')", 'false'));
        const changed = await run();
        assert.deepEqual(
          (build(changed)?.replaced as string[]).filter((week) => WEEKS.includes(week)),
          touched,
        );
        // KPIs 51 and 52 read the model's week; KPI 53 reads KPI 51 over 8 weeks, so it follows KPI 51's changes.
        const recomputed = new Set(computed(changed).filter((id) => !id.startsWith('applications.kpi53')).map((id) => id.split('@')[1]!));
        assert.deepEqual([...recomputed].sort(), touched, 'only the KPI-weeks whose rows changed');
      } finally {
        await writeFile(modelFile(), source);
      }
      const restored = await run();
      assert.equal(statusOf(modelResult(restored)[0]!), 'succeeded');
    });

    test('explain tells where its rows are, the build that made them and what reads them', async () => {
      const explained = await runCli(['explain', MODEL, '--nodes', nodes, '--json'], environment.env);
      assert.equal(explained.code, 0, explained.stderr);
      const model = JSON.parse(explained.stdout) as { table: string; rows: number; builtBy: { runId: string; reason: string } | null; inputs: { reads: string; fingerprint: string | null }[]; readBy: string[] };
      assert.equal(model.table, 'kpi_models.applications__records');
      const rows = await withWarehouse(async (db) => (await sql<{ n: number }>`select count(*)::int as n from kpi_models.applications__records`.execute(db)).rows[0]!.n);
      assert.equal(model.rows, rows);
      assert.ok(model.builtBy?.runId, 'the run that built it');
      assert.deepEqual(model.inputs.map((input) => input.reads), ['table:stg_webhooks.form_submissions']);
      assert.match(model.inputs[0]!.fingerprint ?? '', /^[0-9a-f]{16}$/);
      assert.deepEqual(model.readBy, ['applications.kpi51', 'applications.kpi52']);
    });

    test('a build that fails leaves the model as it was, and fails only what reads it', async () => {
      const source = await readFile(modelFile(), 'utf8');
      const rowsNow = () => withWarehouse(async (db) => (await sql<{ n: number }>`select count(*)::int as n from kpi_models.applications__records`.execute(db)).rows[0]!.n);
      const before = await rowsNow();
      try {
        await writeFile(modelFile(), source.replace('group by record_id`', 'group by record_id, no_such_column`'));
        const outcome = await run();
        const [result] = modelResult(outcome);
        assert.equal(result!.status, 'failed');
        assert.match(result!.error!.message, /no_such_column/);
        assert.ok(outcome.results.filter((other) => other.task.node.kind === 'kpi').every((other) => other.status === 'blocked'));
        assert.equal(await rowsNow(), before);
      } finally {
        await writeFile(modelFile(), source);
      }
    });
  });
}

describe('model declarations', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite');
  });
  after(() => environment.cleanup());

  /** The problems of a nodes folder made of `files` (path under nodes/ → source). */
  async function problemsOf(files: Record<string, string>): Promise<string[]> {
    const nodes = await copyNodes(join(REPO, 'fixtures', 'test-nodes', 'imports'));
    await rm(join(nodes, 'lib'), { recursive: true });
    try {
      for (const [path, source] of Object.entries(files)) {
        await import('node:fs/promises').then(({ mkdir }) => mkdir(join(nodes, path, '..'), { recursive: true }));
        await writeFile(join(nodes, path), source);
      }
      await validateSelection({ config: environment.config, nodesDir: nodes, select: [], exclude: [], weeks: [] });
      return [];
    } catch (error) {
      assert.ok(error instanceof DefinitionError, String(error));
      return error.problems.map((problem) => `${problem.file ?? ''}: ${problem.message}`);
    } finally {
      await rm(nodes, { recursive: true, force: true });
    }
  }
  const model = (name: string, inputs: string) =>
    `import { defineModel, model, sql, table } from 'kpi-factory';\nexport default defineModel({ domain: 'd', name: '${name}', inputs: ${inputs}, query: () => sql\`select 1 as one\` });\n`;

  test('a model reading itself, and a cycle of models, named with its path', async () => {
    const self = await problemsOf({ 'd/a.model.ts': model('a', "{ me: model('d.a') }") });
    assert.equal(self.length, 1, self.join('\n'));
    assert.match(self[0]!, /a\.model\.ts: input "me": a model cannot read itself/);
    const cycle = await problemsOf({ 'd/a.model.ts': model('a', "{ b: model('d.b') }"), 'd/b.model.ts': model('b', "{ a: model('d.a') }") });
    assert.equal(cycle.length, 1, cycle.join('\n'));
    assert.match(cycle[0]!, /dependency cycle: d\.a -> d\.b -> d\.a/);
  });

  test('a model with the name of a table, an unknown model, a model reading a KPI', async () => {
    const collision = await problemsOf({
      'stg_hubspot/agreements.model.ts': model('agreements', '{}').replace("domain: 'd'", "domain: 'stg_hubspot'"),
      'd/x.model.ts': model('x', "{ t: table('stg_hubspot.agreements') }"),
    });
    assert.ok(collision.some((line) => /model stg_hubspot\.agreements has the name of the warehouse table stg_hubspot\.agreements \(read by d\.x\): rename the model/.test(line)), collision.join('\n'));
    const unknown = await problemsOf({ 'd/x.model.ts': model('x', "{ m: model('d.nope') }") });
    assert.match(unknown.join('\n'), /input "m": unknown model "d\.nope"/);
    const kpi = await problemsOf({ 'd/x.model.ts': model('x', "{ k: { kind: 'kpi', kpi: 'd.kpi01', weeks: 1 } }") });
    assert.match(kpi.join('\n'), /a model reads warehouse tables and other models/);
    const badName = await problemsOf({ 'd/x.model.ts': model('kpi07', '{}') });
    assert.match(badName.join('\n'), /model name "kpi07" must be/);
  });
});
