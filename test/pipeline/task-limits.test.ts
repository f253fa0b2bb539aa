/** Per-task retries of transient failures and the per-task time limit, through a real run. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IsoWeek } from '../../graph/iso-week.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { runPipeline } from '../../pipeline/engine/run.ts';
import type { RunOutcome } from '../../pipeline/engine/run.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const log = createLogger({ level: 'silent' });
let environment: TestEnvironment;
let outcome: RunOutcome;
const result = (node: string) => outcome.results.find((entry) => entry.task.node.id === node)!;

before(async () => {
  environment = await createEnvironment();
  outcome = await runPipeline({
    config: { ...environment.config, tasks: { timeoutSeconds: 1, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } } },
    log,
    concurrency: 3,
    command: 'test',
    select: ['demo.*'],
    exclude: [],
    weeks: [IsoWeek.parse('2026-W10')],
    nodesDir: join(REPO, 'fixtures', 'test-nodes', 'unreliable'),
  });
});
after(() => environment.cleanup());

test('a transient failure is retried and the second attempt is recorded', async () => {
  assert.equal(result('demo.kpi01').status, 'succeeded');
  const value = result('demo.kpi01').value;
  assert.equal(value?.kind === 'kpi' ? value.value : undefined, 2, 'computed on the second call');
  const warehouse = await openWarehouse(environment.config, log);
  try {
    const rows = await warehouse.db.selectFrom('kpi_ledger.node_runs').select(['node_id', 'attempt', 'status']).where('iso_week', '=', '2026-W10').orderBy('node_id').execute();
    assert.deepEqual(rows, [
      { node_id: 'demo.kpi01', attempt: 2, status: 'succeeded' },
      { node_id: 'demo.kpi02', attempt: 1, status: 'failed' },
      { node_id: 'demo.kpi03', attempt: 1, status: 'failed' },
    ]);
  } finally {
    await warehouse.close();
  }
});

test('a task past its time limit fails with a clear message, without holding the run', () => {
  const hung = result('demo.kpi02');
  assert.equal(hung.status, 'failed');
  assert.match(hung.error!.message, /demo\.kpi02@2026-W10 \(.*kpi02\.ts\): timed out after 1 s \(tasks\.timeoutSeconds\)/);
  assert.ok(hung.durationMs! < 3000, `gave up after ${hung.durationMs} ms, not the 4 s the query would take`);
});

test('a bug is not retried', () => {
  assert.equal(result('demo.kpi03').status, 'failed');
  assert.match(result('demo.kpi03').error!.message, /TypeError|cannot read properties of undefined/);
});
