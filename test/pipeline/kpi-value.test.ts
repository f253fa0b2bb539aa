import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { kpiValue } from '../../pipeline/engine/kpi-value.ts';
import { createLogger } from '../../pipeline/log.ts';
import { runCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

describe('kpiValue', () => {
  for (const [returned, unit, expected] of [
    [42, 'integer', 42],
    [-3, 'integer', -3],
    [0, 'integer', 0],
    [2.5, 'decimal', 2.5],
    [0.2041, 'percent', 0.2041],
    [1234.56, 'currency', 1234.56],
    [null, 'integer', null],
    [undefined, 'decimal', null],
  ] as const) {
    test(`${String(returned)} as ${unit} → ${String(expected)}`, () => {
      assert.equal(kpiValue(returned, unit), expected);
    });
  }

  for (const [returned, described] of [
    ['5', 'a string ("5")'],
    ['', 'a string ("")'],
    [true, 'a boolean (true)'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [5n, 'a bigint (5n)'],
    [[5], 'an array of 1'],
    [{ value: 5 }, 'an object (Object)'],
    [new Date(0), 'an object (Date)'],
  ] as const) {
    test(`${described} is refused, saying what it is`, () => {
      assert.throws(() => kpiValue(returned, 'decimal'), {
        message: `compute returned ${described}: a KPI returns a finite number or null`,
      });
    });
  }

  test('an integer KPI refuses a fraction; other units take it', () => {
    assert.throws(() => kpiValue(2.5, 'integer'), {
      message: 'compute returned 2.5: an integer KPI returns a whole number or null (round it, or declare another unit)',
    });
    for (const unit of ['decimal', 'percent', 'currency'] as const) assert.equal(kpiValue(2.5, unit), 2.5);
  });

  test('a long string is cut short in the message', () => {
    assert.throws(() => kpiValue('x'.repeat(100), 'decimal'), { message: `compute returned a string ("${'x'.repeat(40)}…"): a KPI returns a finite number or null` });
  });
});

describe('run: KPIs returning a string and a fraction for an integer', () => {
  let environment: TestEnvironment;
  let result: CliResult;

  before(async () => {
    environment = await createEnvironment();
    result = await runCli(['run', '--nodes', join(REPO, 'fixtures', 'test-nodes', 'bad-values'), '--week', '2026-W10'], environment.env);
  });
  after(() => environment.cleanup());

  test('exits 1 with each reason, naming the KPI, the week and what it returned', () => {
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^values\.kpi01\s+2026-W10\s+failed/m);
    assert.match(result.stdout, /^values\.kpi02\s+2026-W10\s+failed/m);
    assert.match(result.stdout, /^values\.kpi03\s+2026-W10\s+succeeded\s+3/m);
    assert.match(result.stdout, /values\.kpi01@2026-W10 \(.*kpi01\.ts\): compute returned a string \("5"\): a KPI returns a finite number or null/);
    assert.match(result.stdout, /values\.kpi02@2026-W10 \(.*kpi02\.ts\): compute returned 2\.5: an integer KPI returns a whole number or null/);
    const logged = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as { level: number; node?: string; msg: string });
    assert.deepEqual(
      logged.filter((line) => line.level >= 50).map((line) => line.node),
      ['values.kpi01', 'values.kpi02'],
      'the log has each failure',
    );
  });

  test('stores nothing for them; the good KPI is stored', async () => {
    const warehouse = await openWarehouse(environment.config, createLogger({ level: 'silent' }));
    try {
      const stored = await sql<{ kpi_number: string; field_value: number | null }>`
        select kpi_number, field_value from vl_analytics.scorecard_values order by kpi_number`.execute(warehouse.db);
      assert.deepEqual(stored.rows, [{ kpi_number: '03', field_value: 3 }]);
      const failed = await warehouse.db
        .selectFrom('kpi_ledger.node_runs')
        .select(['node_id', 'status', 'value'])
        .where('status', '=', 'failed')
        .orderBy('node_id')
        .execute();
      assert.deepEqual(failed, [
        { node_id: 'values.kpi01', status: 'failed', value: null },
        { node_id: 'values.kpi02', status: 'failed', value: null },
      ]);
    } finally {
      await warehouse.close();
    }
  });
});
