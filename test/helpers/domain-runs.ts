import { after, before } from 'node:test';
import { IsoWeek } from '../../graph/iso-week.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import type { Warehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { runPipeline } from '../../pipeline/engine/run.ts';
import type { RunOutcome } from '../../pipeline/engine/run.ts';
import { createEnvironment } from './environment.ts';
import type { Engine, TestEnvironment } from './environment.ts';

const log = createLogger({ level: 'silent' });

export interface DomainRuns {
  readonly environment: TestEnvironment;
  /** The test's own connection, open between runs. */
  readonly warehouse: Warehouse;
  /** Each week's run of `before`, by week. */
  readonly outcomes: ReadonlyMap<string, RunOutcome>;
  /** Runs the selection for one more week. */
  run(week: string): Promise<RunOutcome>;
}

/**
 * For a domain's test suite (call it inside `describe`): a fresh environment on `engine`, the
 * selection run for each of `weeks` before the tests, and a connection to read what was stored.
 * The connection is closed while the pipeline runs: an embedded store has one user at a time.
 */
export function domainRuns(engine: Engine, select: string, weeks: readonly string[]): DomainRuns {
  let environment: TestEnvironment | undefined;
  let warehouse: Warehouse | undefined;
  const outcomes = new Map<string, RunOutcome>();
  const run = async (week: string) => {
    await warehouse?.close();
    warehouse = undefined;
    const outcome = await runPipeline({ config: environment!.config, log, concurrency: 4, command: 'test', select: [select], exclude: [], weeks: [IsoWeek.parse(week)] });
    warehouse = await openWarehouse(environment!.config, log);
    return outcome;
  };

  before(async () => {
    environment = await createEnvironment(engine);
    for (const week of weeks) outcomes.set(week, await run(week));
  });
  after(async () => {
    await warehouse?.close();
    await environment?.cleanup();
  });

  return {
    get environment() {
      return environment!;
    },
    get warehouse() {
      return warehouse!;
    },
    outcomes,
    run,
  };
}

/** A run's tasks that did not succeed, as `task: error`: none when all went well. */
export function failuresOf(outcome: RunOutcome): string[] {
  return outcome.results.filter((result) => result.status !== 'succeeded').map((result) => `${result.task.id}: ${result.error?.message}`);
}
