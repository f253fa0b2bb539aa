import type { IsoWeek } from '../../graph/iso-week.ts';
import { taskId } from '../../graph/plan.ts';
import type { Task } from '../../graph/plan.ts';
import type { Config } from '../config.ts';
import { createConnectors } from '../connectors/factory.ts';
import type { ReadOnlyWarehouse } from '../connectors/warehouse/warehouse.ts';
import type { Logger } from '../log.ts';
import type { Project } from '../project/project.ts';
import { freshnessRules } from '../source-freshness/source-freshness.ts';
import type { CheckOutcome } from './checks.ts';
import type { Fingerprint } from './fingerprint.ts';
import { Freshness } from './freshness.ts';
import { Sources } from './sources.ts';
import { StoredValues } from './stored-values.ts';
import { TaskRunner } from './task-runner.ts';
import { LatestRestatements } from './value-history.ts';

/** A KPI-week computed by `show`: what a run would store, beside what the warehouse holds. */
export interface ShownWeek {
  readonly week: string;
  readonly value: number | null;
  /** Why there is no value: an upstream week missing from the warehouse (show computes nothing upstream), a source not fresh enough. */
  readonly note?: string;
  readonly checks: readonly CheckOutcome[];
  /** The value the warehouse holds for the week now; null when it holds none. */
  readonly stored: { readonly value: number | null } | null;
  readonly fingerprint: Fingerprint;
}

/**
 * Computes one KPI for the given weeks with the current code, as a run's task would (the same
 * task runner, sources and fingerprints), on a warehouse opened for reading: upstream KPI values
 * are read as stored, never computed; nothing is stored, published or recorded, and no sheet
 * fingerprint is remembered.
 */
export async function computeForShow(options: {
  readonly config: Config;
  readonly project: Project;
  readonly warehouse: ReadOnlyWarehouse;
  readonly nodeId: string;
  readonly weeks: readonly IsoWeek[];
  readonly log: Logger;
}): Promise<ShownWeek[]> {
  const { config, project, warehouse, log } = options;
  const node = project.graph.getNodeAttributes(options.nodeId);
  if (node.kind !== 'kpi') throw new Error(`${options.nodeId} is not a KPI`);
  const connectors = await createConnectors(config, log, process.env, { toRead: true });
  const values = await StoredValues.load(warehouse, project.domains);
  const restatements = LatestRestatements.none();
  const sources = new Sources(config, warehouse, connectors.sheets, { remember: false, freshness: freshnessRules(config) });
  const freshness = new Freshness({
    graph: project.graph,
    code: project.code,
    values,
    restatements,
    sources,
    history: new Map(),
    isStored: () => true,
    // Computed whatever the ledger says: the reason a run would print is `forced`.
    isForced: () => 'shown',
    destinationOf: connectors.destinationOf,
    timeZone: config.timeZone,
  });
  const runner = new TaskRunner({
    config,
    graph: project.graph,
    warehouse,
    sources,
    freshness,
    values,
    restatements,
    sinkFor: () => {
      throw new Error('show publishes nothing');
    },
    log,
    warnings: new Map(),
    warningOf: () => undefined,
  });
  const { domain, number } = node.declaration;
  try {
    const shown: ShownWeek[] = [];
    for (const week of options.weeks) {
      const task: Task = { id: taskId(node.id, week), node, week, reason: { kind: 'selected' } };
      // Nothing to stop gracefully: a Ctrl-C ends a process that has written nothing.
      const result = await runner.run(task, new AbortController().signal);
      if (result.kind !== 'kpi') throw new Error(`${task.id} gave no KPI value`);
      const note = result.withheld ?? result.note;
      shown.push({
        week: week.id,
        value: result.value,
        ...(note !== undefined ? { note } : {}),
        checks: result.checks ?? [],
        stored: values.has(domain, number, week) ? { value: values.read(domain, number, [week])[0]!.value } : null,
        fingerprint: result.fingerprint,
      });
    }
    return shown;
  } finally {
    await runner.close();
  }
}
