/**
 * `show`: a KPI computed with the current code and printed, on both warehouses, with nothing
 * written anywhere: no ledger row, no scorecard row, no table, no workbook, no log file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { BACKFILL, runCli, startHolding } from '../helpers/cli.ts';
import { ENGINES, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const log = createLogger({ level: 'silent' });

/** Every table of the engine's schemas with a checksum of its rows, and every file the run writes beside the warehouse. */
async function snapshot(environment: TestEnvironment): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const warehouse = await openWarehouse(environment.config, log);
  try {
    const { rows: tables } = await sql<{ name: string }>`
      select table_schema || '.' || table_name as name from information_schema.tables
      where table_schema in ('vl_analytics', 'kpi_ledger', 'kpi_models') order by 1`.execute(warehouse.db);
    for (const { name } of tables) {
      const { rows } = await sql<{ rows: number; sum: string | null }>`
        select count(*)::int as rows, md5(string_agg(t::text, '|' order by t::text)) as sum from ${sql.table(name)} t`.execute(warehouse.db);
      result[`table ${name}`] = `${rows[0]!.rows} ${rows[0]!.sum}`;
    }
  } finally {
    await warehouse.close();
  }
  for (const dir of [join(environment.dir, 'scorecards'), join(environment.dir, 'state')]) {
    if (!existsSync(dir)) continue;
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      // The embedded store's own files change when it is opened at all; its content is compared above.
      if (!entry.isFile() || relative(environment.dir, path).startsWith(join('state', 'warehouse'))) continue;
      result[`file ${relative(environment.dir, path)}`] = createHash('sha256').update(await readFile(path)).digest('hex');
    }
  }
  return result;
}

interface Shown {
  node: string;
  weeks: { week: string; value: number | null; display: string; note?: string; stored: { value: number | null } | null; fingerprint: { code: string; inputs: Record<string, string> } }[];
}

for (const engine of ENGINES) {
  describe(`show on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    before(async () => {
      environment = await createEnvironment(engine);
      // A ledger, scorecard rows and a workbook for show to leave alone.
      const earlier = await runCli(['run', '--target', 'success.publish', '--week', '2026-W09'], environment.env);
      assert.equal(earlier.code, 0, earlier.stderr);
    });
    after(() => environment.cleanup());

    test('show success.kpi32 --week 2026-W10 prints the value run then stores, and changes nothing', async () => {
      const before = await snapshot(environment);
      const json = await runCli(['show', 'success.kpi32', '--week', '2026-W10', '--json'], environment.env);
      assert.equal(json.code, 0, json.stderr);
      const text = await runCli(['show', 'success.kpi32', '--week', '2026-W10'], environment.env);
      assert.equal(text.code, 0, text.stderr);
      assert.deepEqual(await snapshot(environment), before, 'warehouse, ledger, workbooks and state files unchanged');

      const shown = JSON.parse(json.stdout) as Shown;
      const [week] = shown.weeks;
      assert.equal(week?.week, '2026-W10');
      assert.equal(week.stored, null, 'not stored before');
      assert.equal(typeof week.value, 'number');
      assert.deepEqual(Object.keys(week.fingerprint.inputs).sort(), ['table:stg_hubspot.agreements[churn]', 'table:stg_hubspot.agreements[exposure]']);
      assert.match(text.stdout, new RegExp(`^2026-W10\\s+${week.display.replace('.', '\\.')}\\s+\\(none\\)\\s+passed`, 'm'));
      assert.match(text.stdout, /nothing was stored or published/);

      const run = await runCli(['run', '--select', 'success.kpi32', '--week', '2026-W10', '--json'], environment.env);
      assert.equal(run.code, 0, run.stderr);
      const finished = run.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; node?: string; value?: number | null })
        .find((event) => event.event === 'task finished' && event.node === 'success.kpi32');
      assert.equal(finished?.value, week.value, 'run stores what show printed');
      const again = JSON.parse((await runCli(['show', 'success.kpi32', '--week', '2026-W10', '--json'], environment.env)).stdout) as Shown;
      assert.deepEqual(again.weeks[0]!.stored, { value: week.value });
    });

    test('an upstream week missing from the warehouse is said, not computed', async () => {
      const before = await snapshot(environment);
      const result = await runCli(['show', 'success.kpi05', '--week', '2026-W11', '--json'], environment.env);
      assert.equal(result.code, 0, result.stderr);
      const [week] = (JSON.parse(result.stdout) as Shown).weeks;
      assert.equal(week?.value, null);
      assert.match(week.note ?? '', /incomplete window \(success\.kpi06 has no value for 2026-W10, 2026-W11\)/);
      assert.deepEqual(await snapshot(environment), before);
    });

    test('a node that is not a KPI, or no node, exits 2 with the closest KPI', async () => {
      const result = await runCli(['show', 'kpi32', '--week', '2026-W10'], environment.env);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /there is no KPI kpi32: show computes one KPI; did you mean success\.kpi32\?/);
      assert.equal((await runCli(['show', 'success.publish', '--week', '2026-W10'], environment.env)).code, 2);
    });

    test('while a run holds the warehouse: PostgreSQL shows as before; an embedded store, one process at a time, says who holds it', async () => {
      const holder = await startHolding(BACKFILL, environment.env);
      try {
        const shown = await runCli(['show', 'success.kpi32', '--week', '2026-W10', '--json'], environment.env);
        if (engine === 'postgres') {
          assert.equal(shown.code, 0, shown.stderr);
          assert.equal(typeof (JSON.parse(shown.stdout) as Shown).weeks[0]!.value, 'number');
        } else {
          assert.equal(shown.code, 3, shown.stderr);
          assert.match(shown.stderr, new RegExp(`in use by run ${holder.runId}`));
        }
      } finally {
        holder.child.kill('SIGTERM');
        await holder.done;
      }
    });
  });
}
