/** The warehouse connectors: what both engines must do the same, and what must never leak. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { IsoWeek } from '../../../graph/iso-week.ts';
import { redact } from '../../../pipeline/connectors/warehouse/postgres.ts';
import { openWarehouse } from '../../../pipeline/connectors/warehouse/warehouse.ts';
import { runPipeline } from '../../../pipeline/engine/run.ts';
import { writeAtOnce } from '../../../pipeline/connectors/warehouse/write-at-once.ts';
import { MIGRATION_NAMES } from '../../../pipeline/connectors/warehouse/migrations.ts';
import { ENGINES, createEnvironment, engineSkipReason } from '../../helpers/environment.ts';
import { capturingLogger } from '../../helpers/log.ts';

test('a connection URL is logged without its password', () => {
  assert.equal(redact('postgres://kpi:hunter2@db.internal:5432/analytics'), 'postgres://kpi:***@db.internal:5432/analytics');
  assert.equal(redact('postgres://db.internal/analytics'), 'postgres://db.internal/analytics');
  assert.ok(!redact('not a url hunter2').includes('hunter2'));
});

for (const engine of ENGINES) {
  describe(`warehouse on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    test('migrations are idempotent and a rerun replaces a value in place', async () => {
      const environment = await createEnvironment(engine);
      const password = 'never-log-this-password';
      const env = engine === 'postgres' ? withPassword(environment.config.databaseUrl!, password) : undefined;
      const config = env ? { ...environment.config, databaseUrl: env } : environment.config;
      const { log, lines } = capturingLogger();
      try {
        for (let run = 0; run < 2; run++) {
          const outcome = await runPipeline({ config, log, concurrency: 2, command: 'test', select: ['success.kpi06'], exclude: [], weeks: [IsoWeek.parse('2026-W20')], force: true });
          assert.equal(outcome.status, 'succeeded');
        }
        const warehouse = await openWarehouse(config, log);
        try {
          const rows = await sql<{ n: number; runs: number }>`
            select count(*)::int as n, count(distinct run_id)::int as runs from vl_analytics.scorecard_success where iso_week = '2026-W20'`.execute(warehouse.db);
          assert.deepEqual(rows.rows[0], { n: 1, runs: 1 });
          const migrations = await sql<{ n: number }>`select count(*)::int as n from kpi_ledger.kysely_migration`.execute(warehouse.db);
          assert.equal(migrations.rows[0]!.n, MIGRATION_NAMES.length);
        } finally {
          await warehouse.close();
        }
        assert.ok(lines.length > 0);
        assert.ok(!JSON.stringify(lines).includes(password), 'the password never reaches the log');
      } finally {
        await environment.cleanup();
      }
    });

    test('writes sent at once land together or not at all', async () => {
      const environment = await createEnvironment(engine, { demoData: false });
      const warehouse = await openWarehouse(environment.config, capturingLogger().log);
      try {
        const db = warehouse.db;
        await sql`create table public.landed (x integer not null)`.execute(db);
        const count = async () => (await sql<{ n: number }>`select count(*)::int as n from public.landed`.execute(db)).rows[0]!.n;
        await writeAtOnce(db, [db.insertInto('public.landed').values({ x: 1 }), db.insertInto('public.landed').values({ x: 2 })]);
        assert.equal(await count(), 2);
        await assert.rejects(writeAtOnce(db, [db.insertInto('public.landed').values({ x: 3 }), db.insertInto('public.landed').values({ x: null })]), /null/);
        assert.equal(await count(), 2, 'the first write of the failed statement did not land either');
      } finally {
        await warehouse.close();
        await environment.cleanup();
      }
    });
  });
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}
