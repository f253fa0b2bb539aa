/**
 * Numbers you can trust and trace, on both engines: an update in place is seen by the content
 * fingerprint, only where a KPI's narrowed input says it matters; a published value that
 * changes is a restatement; every value a KPI-week had is kept with its run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { currentInstant, lastCompletedWeek } from '../../pipeline/dates.ts';
import { createLogger } from '../../pipeline/log.ts';
import { runCli } from '../helpers/cli.ts';
import { ENGINES, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';
import { IsoWeek, weekRange } from '../../graph/iso-week.ts';

const log = createLogger({ level: 'silent' });
const RANGE = '2026-W01..2026-W30';
const WEEKS = weekRange(IsoWeek.parse('2026-W01'), IsoWeek.parse('2026-W30'));

interface TaskFinished {
  event: string;
  node: string;
  week: string | null;
  status: string;
}

async function events(environment: TestEnvironment, args: readonly string[]): Promise<Record<string, unknown>[]> {
  const result = await runCli([...args, '--json'], environment.env);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

for (const engine of ENGINES) {
  describe(`an update in place (${engine})`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    let agreement: { agreement_id: string; end_date: string };
    let after_: Record<string, unknown>[];
    before(async () => {
      environment = await createEnvironment(engine);
      await events(environment, ['run', '--target', 'success.publish', '--weeks', RANGE]);
      const warehouse = await openWarehouse(environment.config, log);
      try {
        // A terminated customer agreement that ended inside the range's windows, whose client churns nowhere else
        // there: reverting it to Active (a termination entered by mistake) changes churn exactly where its end date
        // is in the 52-week window.
        const { rows } = await sql<{ agreement_id: string; end_date: string }>`
          select a.agreement_id, a.end_date::text as end_date from stg_hubspot.agreements a
          where lower(trim(a.status)) in ('terminated', 'cancelled') and lower(trim(a.client_category)) = 'customer' and a.start_date is not null
            and a.end_date between '2025-03-01' and '2025-06-30'
            and not exists (select 1 from stg_hubspot.agreements b where b.client_id = a.client_id and b.agreement_id <> a.agreement_id
                            and lower(trim(b.status)) in ('terminated', 'cancelled') and b.end_date between '2024-03-01' and '2026-08-01')
          order by a.agreement_id limit 1`.execute(warehouse.db);
        assert.ok(rows[0], 'the fixtures hold such an agreement');
        agreement = rows[0]!;
        await sql`update stg_hubspot.agreements set status = 'Active' where agreement_id = ${agreement.agreement_id}`.execute(warehouse.db);
      } finally {
        await warehouse.close();
      }
      after_ = await events(environment, ['run', '--target', 'success.publish', '--weeks', RANGE]);
    });
    after(() => environment.cleanup());

    test('kpi32 is recomputed for exactly the weeks whose 52-week window holds the end date; kpi06 and kpi16 stay fresh', () => {
      const end = Temporal.PlainDate.from(agreement.end_date);
      const expected = WEEKS.filter((week) => Temporal.PlainDate.compare(week.lastSunday.subtract({ days: 363 }), end) <= 0 && Temporal.PlainDate.compare(end, week.lastSunday) <= 0).map((week) => week.id);
      assert.ok(expected.length > 0 && expected.length < WEEKS.length, 'the change reaches some weeks, not all');
      const finished = after_.filter((event) => event.event === 'task finished') as unknown as TaskFinished[];
      const recomputed = finished.filter((event) => event.node === 'success.kpi32' && event.status === 'succeeded').map((event) => event.week).sort();
      assert.deepEqual(recomputed, expected);
      for (const node of ['success.kpi06', 'success.kpi16']) {
        assert.deepEqual(finished.filter((event) => event.node === node).map((event) => event.status).filter((status) => status !== 'fresh'), []);
      }
    });

    test('each changed value is a restatement with the old and new value', () => {
      const restated = after_.filter((event) => event.event === 'value restated');
      assert.ok(restated.length > 0);
      for (const event of restated) {
        assert.equal(event.nodeId, 'success.kpi32');
        assert.ok((event.value as number) < (event.previous as number), 'one churned client fewer');
        assert.match(String(event.display), /^restated success\.kpi32 2026-W\d\d: \d+(\.\d+)?% → \d+(\.\d+)?%$/);
      }
      const finished = after_.at(-1)!;
      assert.deepEqual(finished.restatements, restated.map((event) => event.display));
    });

    test('a restated cell carries a note saying when and what it was, and explain names the cell', async () => {
      const restated = after_.find((event) => event.event === 'value restated')!;
      const explain = await runCli(['explain', 'success.kpi32', '--week', String(restated.week), '--json'], environment.env);
      assert.equal(explain.code, 0, explain.stderr);
      const published = (JSON.parse(explain.stdout) as { published: { destination: string; tab: string; cell?: string }[] }).published;
      const workbook = published.find((cell) => cell.destination.endsWith('success.xlsx'))!;
      assert.match(workbook.cell ?? '', /^[C-Z]\d+$/);
      const book = new ExcelJS.Workbook();
      await book.xlsx.readFile(workbook.destination);
      const cell = book.getWorksheet(workbook.tab)!.getCell(workbook.cell!);
      assert.equal(cell.value, restated.value);
      const note = typeof cell.note === 'string' ? cell.note : (cell.note?.texts ?? []).map((text) => text.text).join('');
      const was = `${((restated.previous as number) * 100).toFixed(2)}%`;
      assert.match(note, new RegExp(`restated \\d{4}-\\d\\d-\\d\\d, was ${was.replace('.', '\\.')}`));
    });

    test('history --week lists every value with its run and code version; restatements lists the changes', async () => {
      const week = String(after_.find((event) => event.event === 'value restated')!.week);
      const history = await runCli(['history', 'success.kpi32', '--week', week, '--json'], environment.env);
      assert.equal(history.code, 0, history.stderr);
      const versions = JSON.parse(history.stdout) as { runId: string; value: number; codeVersion: string | null; fingerprint: { inputs: Record<string, string> } }[];
      assert.equal(versions.length, 2);
      assert.notEqual(versions[0]!.value, versions[1]!.value);
      assert.ok(Object.keys(versions[0]!.fingerprint.inputs).some((key) => key.startsWith('table:stg_hubspot.agreements[churn]')));
      const restatements = await runCli(['restatements', '--since', '2026-W01'], environment.env);
      assert.equal(restatements.code, 0, restatements.stderr);
      assert.match(restatements.stdout, new RegExp(`success\\.kpi32\\s+${week}\\s+\\d`));
    });
  });
}

describe('late-arriving data', () => {
  let environment: TestEnvironment;
  const lastCompleted = lastCompletedWeek(currentInstant(), 'Europe/Madrid');
  before(async () => {
    environment = await createEnvironment('pglite');
    await events(environment, ['run', '--target', 'success.publish']);
  });
  after(() => environment.cleanup());

  /** A completed offboarding form submitted on the Wednesday of `week`, landed late. */
  async function lateSubmission(week: IsoWeek, id: string): Promise<void> {
    const warehouse = await openWarehouse(environment.config, log);
    try {
      const wednesday = `${week.monday.add({ days: 2 }).toString()}T12:00:00+01:00`;
      await sql`insert into stg_forms.offboarding_submissions (submission_id, client_id, submitted_at, form_status, submitted_by)
                values (${id}, 'C0001', ${wednesday}::timestamptz, 'completed', 'late')`.execute(warehouse.db);
    } finally {
      await warehouse.close();
    }
  }

  test('a late row three weeks back: the plain weekly run recomputes that week and republishes it, and nothing else', async () => {
    const late = lastCompleted.add(-3);
    await lateSubmission(late, 'late-3');
    const after = await events(environment, ['run', '--target', 'success.publish']);
    const ran = (after.filter((event) => event.event === 'task finished') as unknown as TaskFinished[]).filter((event) => event.status === 'succeeded' && event.week !== null);
    const kpi06 = ran.filter((event) => event.node === 'success.kpi06').map((event) => event.week);
    assert.deepEqual(kpi06, [late.id]);
    assert.ok(ran.some((event) => event.node === 'success.publish' && event.week === late.id), 'republished');
    assert.ok(ran.every((event) => event.node !== 'success.kpi16' && event.node !== 'success.kpi32'));
    const restated = after.filter((event) => event.event === 'value restated').map((event) => `${String(event.nodeId)}@${String(event.week)}`);
    assert.ok(restated.includes(`success.kpi06@${late.id}`));
  });

  test('a late row six weeks back is left for an explicit --weeks run, and plan says so', async () => {
    const late = lastCompleted.add(-6);
    await lateSubmission(late, 'late-6');
    const plan = await runCli(['plan', '--target', 'success.publish'], environment.env);
    assert.equal(plan.code, 0, plan.stderr);
    assert.doesNotMatch(plan.stdout, new RegExp(`@${late.id}`));
    assert.match(plan.stdout, new RegExp(`Rechecking ${lastCompleted.add(-4).id}, .*${lastCompleted.add(-1).id} for late-arriving data .*earlier weeks need --weeks`));
    const plain = await events(environment, ['run', '--target', 'success.publish']);
    assert.ok(!plain.some((event) => event.event === 'task finished' && event.week === late.id));
    const explicit = await events(environment, ['run', '--target', 'success.publish', '--week', late.id]);
    const kpi06 = explicit.find((event) => event.event === 'task finished' && event.node === 'success.kpi06') as unknown as TaskFinished;
    assert.equal(kpi06.status, 'succeeded');
  });
});

describe('no number that only looks right', () => {
  let environment: TestEnvironment;
  before(async () => {
    environment = await createEnvironment('pglite');
  });
  after(() => environment.cleanup());

  test('a 4-week average whose window reaches before the data has no value, with the reason; complete windows are the mean of the stored weeks', async () => {
    const finished = (await events(environment, ['run', '--select', '+success.kpi05', '--weeks', '2024-W01..2024-W03'])).filter((event) => event.event === 'task finished');
    const kpi05 = (week: string) => finished.find((event) => event.node === 'success.kpi05' && event.week === week)!;
    assert.equal(kpi05('2024-W01').value, null);
    assert.match(String(kpi05('2024-W01').display), /no value: incomplete window \(success\.kpi06 has no value for 2023-W50\)/);
    const warehouse = await openWarehouse(environment.config, log);
    try {
      for (const week of ['2024-W02', '2024-W03']) {
        const window = weekRange(IsoWeek.parse(week).add(-3), IsoWeek.parse(week)).map((each) => each.id);
        const { rows } = await sql<{ mean: number }>`
          select avg(field_value)::float8 as mean from vl_analytics.scorecard_success
          where kpi_number = '06' and iso_week in (${sql.join(window)})`.execute(warehouse.db);
        assert.ok(Math.abs((kpi05(week).value as number) - rows[0]!.mean) < 1e-9, week);
      }
    } finally {
      await warehouse.close();
    }
  });

  test('a week that has not ended is refused with exit 2 unless asked for with --allow-incomplete', async () => {
    const next = lastCompletedWeek(currentInstant(), 'Europe/Madrid').add(1);
    const refused = await runCli(['plan', '--select', 'success.kpi06', '--week', next.id], environment.env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`${next.id} has not ended yet .*--allow-incomplete`));
    const allowed = await runCli(['plan', '--select', 'success.kpi06', '--week', next.id, '--allow-incomplete'], environment.env);
    assert.equal(allowed.code, 0, allowed.stderr);
  });
});
