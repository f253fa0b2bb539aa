/**
 * `seed` on both engines, in child processes: the demo data into a bare warehouse (a fresh
 * state folder, a new PostgreSQL database), then a run that publishes; seeding again changes
 * nothing; other data is refused without --replace; a run holding the warehouse makes it exit 3.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { acquireWarehouseLock } from '../../pipeline/engine/warehouse-lock.ts';
import { createLogger } from '../../pipeline/log.ts';
import { runCli } from '../helpers/cli.ts';
import { ENGINES, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const log = createLogger({ level: 'silent' });
const AGREEMENTS = 303;

async function agreements(environment: TestEnvironment): Promise<number> {
  const warehouse = await openWarehouse(environment.config, log, { demoData: false });
  try {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from stg_hubspot.agreements`.execute(warehouse.db);
    return rows[0]!.n;
  } finally {
    await warehouse.close();
  }
}

for (const engine of ENGINES) {
  describe(`seed on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    before(async () => {
      environment = await createEnvironment(engine, { demoData: false });
    });
    after(() => environment?.cleanup());

    test('loads the demo data into a bare warehouse; a run then publishes', async () => {
      const seeded = await runCli(['seed'], environment.env);
      assert.equal(seeded.code, 0, seeded.stderr);
      assert.match(seeded.stdout, /^seeded .* with the demo data of fixtures\/warehouse:$/m);
      for (const table of ['stg_ats.applications', 'stg_ats.positions', 'stg_forms.offboarding_submissions', 'stg_hubspot.agreements', 'stg_webhooks.form_submissions']) {
        assert.match(seeded.stdout, new RegExp(`^${table.replace('.', '\\.')}\\s+\\d+\\s+loaded$`, 'm'));
      }
      assert.doesNotMatch(seeded.stderr, /loading the demo source data/, 'seed loads the data itself, once');

      const run = await runCli(['run', '--target', 'success.publish', '--week', '2026-W10'], environment.env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^success\.publish:workbook\s+2026-W10\s+succeeded/m);
      assert.ok(existsSync(join(environment.dir, 'scorecards', 'success.xlsx')));
    });

    test('seeding again without changes says it is already seeded', async () => {
      const again = await runCli(['seed'], environment.env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^already seeded: .* holds the demo data of fixtures\/warehouse \(5 tables\), nothing changed$/m);
    });

    test('waits for no run: exit 3 naming the run that holds the warehouse', async () => {
      const lock = await acquireWarehouseLock(environment.config, { runId: 'test-holder', command: 'run --target success.publish', purpose: 'run', log });
      try {
        const held = await runCli(['seed'], environment.env);
        assert.equal(held.code, 3, held.stderr);
        assert.match(held.stderr, /in use by run test-holder/);
      } finally {
        await lock.release();
      }
    });

    test('other data in a table is refused without --replace, and nothing is written; --replace reloads it', async () => {
      const warehouse = await openWarehouse(environment.config, log, { demoData: false });
      try {
        await sql`insert into stg_hubspot.agreements (agreement_id, client_id) values ('A-LOCAL', 'C-LOCAL')`.execute(warehouse.db);
        await sql`delete from stg_ats.positions`.execute(warehouse.db);
      } finally {
        await warehouse.close();
      }
      const refused = await runCli(['seed'], environment.env);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /already holds other data in stg_hubspot\.agreements \(304 rows\).*nothing was written.*--replace/);
      assert.equal(await agreements(environment), AGREEMENTS + 1, 'the table is as it was');

      const replaced = await runCli(['seed', '--replace'], environment.env);
      assert.equal(replaced.code, 0, replaced.stderr);
      assert.match(replaced.stdout, /^stg_hubspot\.agreements\s+303\s+replaced$/m);
      assert.match(replaced.stdout, /^stg_ats\.positions\s+\d+\s+loaded$/m, 'an emptied table is simply loaded');
      assert.match(replaced.stdout, /^stg_ats\.applications\s+\d+\s+unchanged$/m);
      assert.equal(await agreements(environment), AGREEMENTS);
    });
  });
}
