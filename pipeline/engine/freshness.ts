import type { PipelineGraph } from '../../graph/build.ts';
import { readsPreviousWeek } from '../../graph/declare.ts';
import type { KpiInput, ModelInput, TableInput, WeekValue } from '../../graph/declare.ts';
import { kpiNumberLabel, modelTable, tableId } from '../../graph/ids.ts';
import type { IsoWeek } from '../../graph/iso-week.ts';
import { taskLevels } from '../../graph/plan.ts';
import type { Task, TaskGraph } from '../../graph/plan.ts';
import { weekColumnOf } from '../connectors/scorecards/week-column.ts';
import { declarationHash, hashOf, staleReasons } from './fingerprint.ts';
import type { CodeHasher } from './fingerprint.ts';
import type { Fingerprint, History, TableScope } from './fingerprint.ts';
import { weekContext } from '../dates.ts';
import type { Sources } from './sources.ts';
import type { StoredValues } from './stored-values.ts';
import type { LatestRestatements } from './value-history.ts';

export interface FreshnessOptions {
  readonly graph: PipelineGraph;
  /** Hashes of the node files' code (see Project.code). */
  readonly code: CodeHasher;
  readonly values: StoredValues;
  readonly restatements: LatestRestatements;
  readonly sources: Sources;
  /** Latest node-runs by task id, from the ledger. */
  readonly history: ReadonlyMap<string, History>;
  readonly isStored: (nodeId: string, week: IsoWeek) => boolean;
  /** Why a task must run regardless (`forced`, `retry`), or undefined. */
  readonly isForced: (task: Task) => string | undefined;
  /** Where a publish task writes its domain's scorecard (see ScorecardSink.destination). */
  readonly destinationOf: (domain: string, destination: string) => string;
  /** The configured time zone: a table window's weeks are cut in it. */
  readonly timeZone: string;
  /** A warning this run gave a KPI-week's value (see WeekColumnSources): part of what a publish writes. */
  readonly warningOf?: (nodeId: string, week: string) => string | undefined;
}

export interface Assessment {
  readonly fingerprint: Fingerprint;
  /** Empty when the task is fresh. */
  readonly reasons: readonly string[];
  /** Why the user made it run regardless (`forced`, `retry`), if they did. */
  readonly forced?: string;
}

/** The fingerprint part of the KPI's own value of the week before, for checks that compare with it. */
const PREVIOUS_WEEK = 'previous week (checks)';

/** A table or model input's part of a fingerprint: two narrowed inputs on one table are told apart by their names. */
export function tableInputKey(name: string, input: TableInput | ModelInput): string {
  const source = input.kind === 'table' ? tableId(input.table) : `model:${input.model}`;
  return input.columns || input.window ? `${source}[${name}]` : source;
}

/** The weeks a lookback input reads for `week`, oldest first. */
export function inputWeeks(input: KpiInput, week: IsoWeek): IsoWeek[] {
  return Array.from({ length: input.weeks }, (_, index) => week.add(index - input.weeks + 1));
}

/**
 * Decides whether a KPI or publish task must run: its fingerprint (code, declaration, week,
 * inputs) against the one of its last successful run. Used before a run to explain the
 * plan, and during it with the values upstream tasks have just stored.
 */
export class Freshness {
  constructor(private readonly options: FreshnessOptions) {}

  /**
   * Fingerprints a task and compares it with its last successful run. `staleUpstream` (when
   * planning) are upstream tasks that will rerun first; at run time they have all run.
   */
  async assess(task: Task, staleUpstream: readonly string[] = []): Promise<Assessment> {
    const fingerprint = await this.fingerprint(task, new Set(staleUpstream.map((id) => id.split('@')[0]!)));
    const { node, week } = task;
    const valueMissing = node.kind === 'kpi' && week !== undefined && !this.options.isStored(node.id, week);
    const tableMissing = node.kind === 'model' && !(await this.options.sources.exists(modelTable(node.id)));
    const forced = this.options.isForced(task);
    const reasons = staleReasons(fingerprint, this.options.history.get(task.id), {
      ...(forced ? { forced } : {}),
      valueMissing,
      tableMissing,
      staleUpstream,
    });
    return { fingerprint, reasons, ...(forced ? { forced } : {}) };
  }

  /** Upstream values a KPI input reads, as the store holds them now. */
  readValues(input: KpiInput, week: IsoWeek): WeekValue[] {
    const upstream = this.options.graph.getNodeAttributes(input.kpi);
    if (upstream.kind !== 'kpi') throw new Error(`input ${input.kpi} is not a KPI`);
    return this.options.values.read(upstream.declaration.domain, upstream.declaration.number, inputWeeks(input, week));
  }

  /**
   * The task's fingerprint. Inputs from `unknownUpstream` (about to rerun, so their new value
   * is not known yet) keep the part of the last successful run; their staleness is reported on
   * its own.
   */
  private async fingerprint(task: Task, unknownUpstream: ReadonlySet<string>): Promise<Fingerprint> {
    const { node, week } = task;
    if (node.kind === 'table' || node.kind === 'sheet') throw new Error(`${task.id} is a source: sources are read, not assessed`);
    const previous = this.options.history.get(task.id)?.lastSuccess?.parts?.inputs ?? {};
    const inputs: Record<string, string> = {};
    const known = (key: string, upstream: string, value: () => Promise<string>) =>
      unknownUpstream.has(upstream) ? (previous[key] ?? 'unknown') : value();

    if (node.kind === 'model') {
      // Built whole from its inputs' content, whatever the week.
      for (const [name, input] of Object.entries(node.declaration.inputs)) {
        const key = tableInputKey(name, { ...input, columns: undefined, window: undefined });
        if (input.kind === 'table') inputs[key] = await this.options.sources.table(input.table, this.scopeOf(input, undefined));
        else inputs[key] = await known(key, input.model, () => this.options.sources.table(modelTable(input.model)));
      }
    } else if (node.kind === 'kpi') {
      for (const [name, input] of Object.entries(node.declaration.inputs)) {
        switch (input.kind) {
          case 'table':
            inputs[tableInputKey(name, input)] = await this.options.sources.table(input.table, this.scopeOf(input, week!));
            break;
          case 'model': {
            // A model is read as the table it was built into: a rebuild with the same rows changes nothing downstream.
            const key = tableInputKey(name, input);
            inputs[key] = await known(key, input.model, () => this.options.sources.table(modelTable(input.model), this.scopeOf(input, week!)));
            break;
          }
          case 'sheet':
            inputs[`sheet:${input.source}`] = (await this.options.sources.sheetFingerprint(input.source)).fingerprint;
            break;
          case 'kpi': {
            const key = input.kpi in inputs ? `${input.kpi}[${name}]` : input.kpi;
            inputs[key] = await known(key, input.kpi, async () => hashOf(this.readValues(input, week!)));
          }
        }
      }
      if (readsPreviousWeek(node.declaration)) {
        const { domain, number } = node.declaration;
        inputs[PREVIOUS_WEEK] = await known(PREVIOUS_WEEK, node.id, async () => hashOf(this.options.values.read(domain, number, [week!.add(-1)])));
      }
    } else {
      // What the publish writes of each KPI: its value, status and change from the week before.
      const column = weekColumnOf(this.options.graph, node.declaration.domain, week!, this.options);
      const written = new Map(column.kpis.map((kpi) => [kpi.number, kpi]));
      for (const upstream of this.options.graph.inNeighbors(node.id).sort()) {
        const kpi = this.options.graph.getNodeAttributes(upstream);
        if (kpi.kind !== 'kpi') continue;
        inputs[upstream] = await known(upstream, upstream, async () => hashOf(written.get(kpiNumberLabel(kpi.declaration.number)) ?? null));
      }
      inputs.destination = this.destinationHash(task);
    }
    return {
      code: await this.options.code.hash(node.file),
      declaration: declarationHash(node.declaration),
      week: week?.id ?? null,
      inputs,
    };
  }

  /** A publish task's destination, as part of its fingerprint; taken again after publishing, when it exists for sure. */
  destinationHash(task: Task): string {
    if (task.node.kind !== 'publish' || task.destination === undefined) throw new Error(`${task.id} is not a publish to a destination`);
    return hashOf(this.options.destinationOf(task.node.declaration.domain, task.destination));
  }

  /** The part of a table an input's fingerprint covers for `week`. */
  private scopeOf(input: TableInput | ModelInput, week: IsoWeek | undefined): TableScope {
    const node = input.kind === 'table' ? this.options.graph.getNodeAttributes(tableId(input.table)) : undefined;
    const changeColumn = node?.kind === 'table' ? node.changeColumn : undefined;
    if (changeColumn !== undefined) return { changeColumn };
    const window = input.window && week && {
      column: input.window.column,
      from: weekContext(week.add(1 - input.window.weeks), this.options.timeZone).startsAt,
      to: weekContext(week, this.options.timeZone).endsAt,
    };
    return { ...(input.columns ? { columns: input.columns } : {}), ...(window ? { window } : {}) };
  }
}

export interface Prediction {
  readonly stale: boolean;
  readonly reasons: readonly string[];
}

/**
 * What a run would do, before it runs: each task fresh or stale and why. A task downstream of
 * a stale one is stale ("upstream … is stale") unless something else is known; at run time it
 * may still turn out fresh, when the upstream's new value equals its old one.
 */
export async function predictFreshness(tasks: TaskGraph, freshness: Freshness): Promise<Map<string, Prediction>> {
  const predictions = new Map<string, Prediction>();
  for (const id of taskLevels(tasks).flat()) {
    const task = tasks.getNodeAttributes(id);
    if (task.node.kind === 'table' || task.node.kind === 'sheet') {
      predictions.set(id, { stale: false, reasons: ['source: read every run'] });
      continue;
    }
    const staleUpstream = tasks.inNeighbors(id).filter((upstream) => predictions.get(upstream)?.stale);
    try {
      const { reasons } = await freshness.assess(task, staleUpstream);
      predictions.set(id, { stale: reasons.length > 0, reasons });
    } catch (error) {
      predictions.set(id, { stale: true, reasons: [`cannot assess: ${(error as Error).message}`] });
    }
  }
  return predictions;
}
