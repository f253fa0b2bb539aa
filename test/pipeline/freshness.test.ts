/**
 * Partial reruns: what is fresh is skipped, what changed reruns with the reason, and a rerun
 * whose value did not change leaves its descendants fresh (early cutoff).
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { IsoWeek } from '../../graph/iso-week.ts';
import { taskId } from '../../graph/plan.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { explainPlan, runPipeline } from '../../pipeline/engine/run.ts';
import type { RunOutcome, Selection } from '../../pipeline/engine/run.ts';
import { formatSummary, statusOf } from '../../pipeline/reports/summary.ts';
import { copyNodes } from '../helpers/cli.ts';
import { ENGINES, REPO, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const log = createLogger({ level: 'silent' });
const WEEK = IsoWeek.parse('2026-W47');

for (const engine of ENGINES) {
  describe(`freshness on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    let nodes: string;
    const kpi06File = () => join(nodes, 'success', 'kpi06.ts');

    const run = (selection: Partial<Selection> = {}) =>
      runPipeline({
        config: environment.config,
        log,
        concurrency: 4,
        command: 'test',
        select: ['+success.publish'],
        exclude: [],
        weeks: [WEEK],
        nodesDir: nodes,
        ...selection,
      });
    const plan = async () => {
      const { predictions } = await explainPlan({ config: environment.config, log, select: ['+success.publish'], exclude: [], weeks: [WEEK], nodesDir: nodes });
      return (node: string, destination?: string) => predictions.get(taskId(node, WEEK, destination))!;
    };
    /** KPI and publish tasks by what happened to them. */
    const byStatus = (outcome: RunOutcome) => {
      const groups: Record<string, string[]> = {};
      for (const result of outcome.results) {
        if (result.task.node.kind !== 'kpi' && result.task.node.kind !== 'publish') continue;
        (groups[statusOf(result)] ??= []).push(result.task.id);
      }
      for (const ids of Object.values(groups)) ids.sort();
      return groups;
    };
    const editKpi06 = async (from: string | RegExp, to: string) => {
      const source = await readFile(kpi06File(), 'utf8');
      const edited = source.replace(from, to);
      assert.notEqual(edited, source, 'the edit applies');
      await writeFile(kpi06File(), edited);
    };

    before(async () => {
      environment = await createEnvironment(engine);
      nodes = await copyNodes(join(REPO, 'nodes'));
      const first = await run();
      assert.equal(first.status, 'succeeded');
    });
    after(async () => {
      await rm(nodes, { recursive: true, force: true });
      await environment.cleanup();
    });

    test('a second identical run computes no KPI and says so', async () => {
      const second = await run();
      assert.deepEqual(byStatus(second), {
        fresh: ['success.kpi05@2026-W47', 'success.kpi06@2026-W47', 'success.kpi16@2026-W47', 'success.kpi32@2026-W47', 'success.publish@2026-W47:workbook'],
      });
      assert.match(formatSummary(second.tasks, second.results), /^Everything selected was fresh: nothing computed or published \(use --force to rerun\)\.$/m);
    });

    test('after a fix that changes kpi06: plan names what is stale and why, run computes exactly that', async () => {
      const before = (await run()).results.find((result) => result.task.id === 'success.kpi06@2026-W47')!;
      await editKpi06("lower(trim(form_status)) = 'completed'", "lower(trim(form_status)) in ('completed', 'draft')");
      const predicted = await plan();
      assert.deepEqual(predicted('success.kpi06'), { stale: true, reasons: ['code changed'] });
      assert.deepEqual(predicted('success.kpi05'), { stale: true, reasons: ['upstream success.kpi06@2026-W47 is stale'] });
      assert.equal(predicted('success.publish', 'workbook').stale, true);
      assert.match(predicted('success.publish', 'workbook').reasons.join(), /upstream success\.kpi06@2026-W47 is stale/);
      assert.equal(predicted('success.kpi16').stale, false);
      assert.equal(predicted('success.kpi32').stale, false);

      const outcome = await run();
      assert.deepEqual(byStatus(outcome), {
        succeeded: ['success.kpi05@2026-W47', 'success.kpi06@2026-W47', 'success.publish@2026-W47:workbook'],
        fresh: ['success.kpi16@2026-W47', 'success.kpi32@2026-W47'],
      });
      const after = outcome.results.find((result) => result.task.id === 'success.kpi06@2026-W47')!;
      assert.ok(before.value?.kind === 'kpi' && after.value?.kind === 'kpi');
      assert.notEqual(after.value.value, before.value.value, 'the fix changed the value');
      const kpi05 = outcome.results.find((result) => result.task.id === 'success.kpi05@2026-W47')!;
      assert.ok(kpi05.value?.kind === 'kpi');
      assert.deepEqual(kpi05.value.reasons, ['input success.kpi06 changed']);
    });

    test('a change that keeps the value reruns kpi06 only: its descendants stay fresh', async () => {
      await editKpi06('return result.rows[0]?.completed ?? 0;', 'const [row] = result.rows;\n    return row?.completed ?? 0;');
      const predicted = await plan();
      assert.deepEqual(predicted('success.kpi06').reasons, ['code changed']);
      const outcome = await run();
      assert.deepEqual(byStatus(outcome), {
        succeeded: ['success.kpi06@2026-W47'],
        fresh: ['success.kpi05@2026-W47', 'success.kpi16@2026-W47', 'success.kpi32@2026-W47', 'success.publish@2026-W47:workbook'],
      });
    });

    test('a reworded comment changes nothing', async () => {
      await editKpi06('/** Completed', '// Reworded, same query.\n/** Completed');
      assert.deepEqual((await plan())('success.kpi06'), { stale: false, reasons: [] });
    });

    test('a new agreement makes kpi32 stale, naming the table', async () => {
      const warehouse = await openWarehouse(environment.config, log);
      try {
        await sql`insert into stg_hubspot.agreements (agreement_id, client_id, client_name, client_category, status, start_date, end_date)
                  values ('AGR-TEST', 'C9999', 'Client 9999 SL', 'Customer', 'Terminated', '2026-01-05', '2026-10-01')`.execute(warehouse.db);
      } finally {
        await warehouse.close();
      }
      const predicted = await plan();
      // A new agreement ending inside the window changes both of kpi32's narrowed inputs.
      assert.deepEqual(predicted('success.kpi32'), {
        stale: true,
        reasons: ['input table:stg_hubspot.agreements[churn] changed', 'input table:stg_hubspot.agreements[exposure] changed'],
      });
      assert.equal(predicted('success.kpi06').stale, false);
      const outcome = await run();
      assert.deepEqual(byStatus(outcome).succeeded, ['success.kpi32@2026-W47', 'success.publish@2026-W47:workbook']);
    });

    test('--force reruns everything selected; --force X only X', async () => {
      const all = await run({ force: true });
      assert.equal(byStatus(all).fresh, undefined);
      const one = await run({ force: ['success.kpi16'] });
      assert.deepEqual(byStatus(one), {
        succeeded: ['success.kpi16@2026-W47'],
        fresh: ['success.kpi05@2026-W47', 'success.kpi06@2026-W47', 'success.kpi32@2026-W47', 'success.publish@2026-W47:workbook'],
      });
    });

    test('a deleted workbook is published again', async () => {
      await rm(join(environment.dir, 'scorecards', 'success.xlsx'));
      assert.deepEqual((await plan())('success.publish', 'workbook'), { stale: true, reasons: ['input destination changed'] });
      assert.deepEqual(byStatus(await run()).succeeded, ['success.publish@2026-W47:workbook']);
      assert.equal((await plan())('success.publish', 'workbook').stale, false);
    });

    test('a deleted value is recomputed', async () => {
      const warehouse = await openWarehouse(environment.config, log);
      try {
        await sql`delete from vl_analytics.scorecard_success where kpi_number = '16' and iso_week = ${WEEK.id}`.execute(warehouse.db);
      } finally {
        await warehouse.close();
      }
      assert.deepEqual((await plan())('success.kpi16').reasons, ['value missing from the store']);
      assert.deepEqual(byStatus(await run()).succeeded, ['success.kpi16@2026-W47']);
    });

    test('a failing rerun loses nothing already stored; with the working code back, all is fresh again', async () => {
      const storedValue = async () => {
        const warehouse = await openWarehouse(environment.config, log);
        try {
          const row = await sql<{ v: number }>`select field_value as v from vl_analytics.scorecard_success where kpi_number = '06' and iso_week = ${WEEK.id}`.execute(warehouse.db);
          return row.rows[0]?.v;
        } finally {
          await warehouse.close();
        }
      };
      const before = await storedValue();
      assert.notEqual(before, undefined);
      const working = await readFile(kpi06File(), 'utf8');
      await editKpi06('async compute({ inputs, warehouse, week }) {', "async compute({ inputs, warehouse, week }) {\n    throw new Error('broken on purpose');");
      const failed = await run({ force: ['success.kpi06'] });
      assert.equal(failed.status, 'failed');
      assert.equal(await storedValue(), before);
      assert.deepEqual((await plan())('success.kpi06').reasons, ['code changed']);
      await writeFile(kpi06File(), working);
      // The failed run wrote nothing, so the stored value still matches its last success.
      assert.equal((await plan())('success.kpi06').stale, false);
      assert.deepEqual(byStatus(await run()).succeeded, undefined);
      assert.equal(await storedValue(), before);
    });

    test('the ledger keeps the fingerprint and the reason of every node-run', async () => {
      const warehouse = await openWarehouse(environment.config, log);
      try {
        const rows = await sql<{ status: string; reason: string; fingerprint: string | null }>`
          select status, reason, fingerprint from kpi_ledger.node_runs where task_id = 'success.kpi06@2026-W47' order by seq`.execute(warehouse.db);
        const recorded = rows.rows.filter((row) => row.status !== 'failed');
        assert.ok(recorded.every((row) => row.fingerprint !== null && /^[0-9a-f]{16}$/.test(row.fingerprint)));
        assert.deepEqual(
          rows.rows.slice(0, 4).map((row) => [row.status, row.reason]),
          [
            ['succeeded', 'never run'],
            ['fresh', 'fresh'],
            ['fresh', 'fresh'],
            ['succeeded', 'code changed'],
          ],
        );
      } finally {
        await warehouse.close();
      }
    });
  });
}
