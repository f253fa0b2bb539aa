import type { PipelineGraph, PipelineNode } from '../../graph/build.ts';
import type { ComputeContext, InputDeclaration, KpiDeclaration, SheetHandle, TableHandle, WeekValue } from '../../graph/declare.ts';
import { modelTable } from '../../graph/ids.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import type { Task } from '../../graph/plan.ts';
import type { Config } from '../config.ts';
import type { Duck } from '../connectors/duckdb/duck.ts';
import { tabName } from '../connectors/scorecards/layout.ts';
import { weekColumnOf } from '../connectors/scorecards/week-column.ts';
import type { PublishReport, ScorecardSink } from '../connectors/scorecards/scorecard-sink.ts';
import { checkContext, describeFailures, failedChecks, runChecks } from './checks.ts';
import type { CheckOutcome } from './checks.ts';
import type { Warehouse } from '../connectors/warehouse/warehouse.ts';
import { weekContext } from '../dates.ts';
import { coerceError, NodeError } from '../errors.ts';
import { kpiValue } from './kpi-value.ts';
import { isTransient, withRetry, withTimeout } from './retry.ts';
import type { Fingerprint } from './fingerprint.ts';
import type { LatestRestatements, PublishedCell } from './value-history.ts';
import type { Freshness } from './freshness.ts';
import type { Logger } from '../log.ts';
import { describeBuild, materializeModel, tableHandle } from '../models/materialize.ts';
import { holdFor, tablesReadBy } from '../source-freshness/source-freshness.ts';
import type { SourceHold } from '../source-freshness/source-freshness.ts';
import type { ModelBuild } from '../models/materialize.ts';
import { domainKpis } from '../project/project.ts';
import type { Sources } from './sources.ts';
import type { StoredValues } from './stored-values.ts';

/** What a task produced. KPI and publish tasks carry the fingerprint and why they ran (or that they were fresh). */
export type TaskValue =
  | {
      readonly kind: 'kpi';
      readonly value: number | null;
      /** Why there is no value, when the KPI was not computed (an incomplete window). */
      readonly note?: string;
      /** How its checks went, when it was computed (a source not fresh enough counts as a failed `warn` check). */
      readonly checks?: readonly CheckOutcome[];
      /** Why it was not computed although stale: a table it reads is not fresh enough (see source-freshness). */
      readonly withheld?: string;
      readonly fresh: boolean;
      readonly fingerprint: Fingerprint;
      readonly reasons: readonly string[];
    }
  | {
      readonly kind: 'publish';
      readonly report?: PublishReport;
      /** What the publish wrote, for the ledger (see value-history.ts). */
      readonly published?: readonly PublishedCell[];
      readonly fresh: boolean;
      readonly fingerprint: Fingerprint;
      readonly reasons: readonly string[];
    }
  | {
      readonly kind: 'model';
      /** What the build did, when the model was built. */
      readonly build?: ModelBuild;
      readonly fresh: boolean;
      readonly fingerprint: Fingerprint;
      readonly reasons: readonly string[];
    }
  | { readonly kind: 'source'; readonly rows?: number };

export interface TaskRunnerOptions {
  readonly config: Config;
  readonly graph: PipelineGraph;
  readonly warehouse: Warehouse;
  readonly sources: Sources;
  readonly freshness: Freshness;
  readonly values: StoredValues;
  readonly restatements: LatestRestatements;
  readonly sinkFor: (domain: string, destination: string) => ScorecardSink;
  readonly log: Logger;
  /** Warnings given to the values this run computes, by task id (`success.kpi32@2026-W47`): noted on their cells when published. */
  readonly warnings: Map<string, string>;
  readonly warningOf: (nodeId: string, week: string) => string | undefined;
  /**
   * A value computed elsewhere (an environment being promoted) that a stale KPI task takes
   * instead of computing, when it was computed with the fingerprint the task has now.
   */
  readonly adopt?: (taskId: string, fingerprint: Fingerprint) => { readonly value: number | null; readonly reason: string } | undefined;
}

/**
 * Runs one task of any kind. A KPI or publish task whose fingerprint matches its last
 * successful run is fresh and is not computed; a KPI receives exactly what it declared through
 * its context.
 */
export class TaskRunner {
  private readonly registered = new Map<string, Promise<void>>();
  private readonly attempts = new Map<string, number>();
  private duck: Promise<Duck> | undefined;

  constructor(private readonly options: TaskRunnerOptions) {}

  /**
   * Runs a task within its time limit, retrying transient failures (a reset connection, a
   * deadlock, a 5xx) with backoff; anything else fails it at once.
   */
  async run(task: Task, signal: AbortSignal): Promise<TaskValue> {
    const log = this.options.log.child({ node: task.node.id, ...(task.week ? { week: task.week.id } : {}) });
    const { timeoutSeconds, retry } = this.options.config.tasks;
    try {
      return await withRetry(
        (attempt) => {
          this.attempts.set(task.id, attempt);
          return withTimeout((limited) => this.dispatch(task, task.node, limited, log), timeoutSeconds * 1000, signal);
        },
        {
          ...retry,
          signal,
          isRetryable: isTransient,
          onRetry: (error, attempt, delayMs) => log.warn({ attempt, delayMs }, `transient failure, retrying: ${coerceError(error).message}`),
        },
      );
    } catch (thrown) {
      throw new NodeError(task.id, 'file' in task.node ? task.node.file : undefined, coerceError(thrown));
    }
  }

  /** How many attempts the task took (1 unless a transient failure was retried). */
  attemptsOf(taskId: string): number {
    return this.attempts.get(taskId) ?? 1;
  }

  async close(): Promise<void> {
    if (this.duck) (await this.duck).close();
  }

  private async dispatch(task: Task, node: PipelineNode, signal: AbortSignal, log: Logger): Promise<TaskValue> {
    switch (node.kind) {
      case 'table':
        await this.options.sources.table(node.table, node.changeColumn === undefined ? {} : { changeColumn: node.changeColumn });
        return { kind: 'source' };
      case 'sheet':
        // Only fingerprinted here: its rows are read, and loaded into DuckDB, when a KPI that reads it computes.
        return { kind: 'source', rows: (await this.options.sources.sheetFingerprint(node.source)).rows };
      case 'kpi': {
        const { fingerprint, reasons } = await this.options.freshness.assess(task);
        if (reasons.length === 0) {
          const [stored] = this.options.values.read(node.declaration.domain, node.declaration.number, [weekOf(task)]);
          return { kind: 'kpi', value: stored?.value ?? null, fresh: true, fingerprint, reasons };
        }
        log.debug({ reasons }, 'stale');
        const adopted = this.options.adopt?.(task.id, fingerprint);
        if (adopted) return { kind: 'kpi', value: adopted.value, fresh: false, fingerprint, reasons: [...reasons, adopted.reason] };
        // A week is not computed from an extract that has not landed it: the task is withheld, and what reads it with it.
        const holds = await this.sourceHolds(node.id, weekOf(task));
        const error = holds.find((hold) => hold.level === 'error');
        if (error) return { kind: 'kpi', value: null, fresh: false, fingerprint, reasons, withheld: error.message };
        const { value, note, checks } = await this.computeKpi(node.declaration, weekOf(task), signal, log);
        const warnings = holds.map((hold): CheckOutcome => ({ check: 'source freshness', severity: 'warn', passed: false, reason: hold.message }));
        if (warnings.length > 0) {
          log.warn({ checks: warnings }, describeFailures(warnings));
          this.options.warnings.set(task.id, holds.map((hold) => hold.message).join('; '));
        }
        const outcomes = [...(checks ?? []), ...warnings];
        const why = [...reasons, ...(note ? [note] : []), ...holds.map((hold) => `warning: ${hold.message}`)];
        return { kind: 'kpi', value, fresh: false, fingerprint, reasons: why, ...(note ? { note } : {}), ...(outcomes.length > 0 ? { checks: outcomes } : {}) };
      }
      case 'model': {
        const { fingerprint, reasons, forced } = await this.options.freshness.assess(task);
        if (reasons.length === 0) return { kind: 'model', fresh: true, fingerprint, reasons };
        const build = await materializeModel(this.options.warehouse.db, node.id, node.declaration, { whole: forced !== undefined, timeZone: this.options.config.timeZone });
        log.info({ rows: build.rows, replaced: build.replaced }, `model ${node.id} built: ${describeBuild(build)}`);
        return { kind: 'model', fresh: false, fingerprint, reasons, build };
      }
      case 'publish': {
        const { fingerprint, reasons } = await this.options.freshness.assess(task);
        if (reasons.length === 0) return { kind: 'publish', fresh: true, fingerprint, reasons };
        const { report, published } = await this.publish(node.declaration.domain, weekOf(task), this.options.sinkFor(node.declaration.domain, destinationOf(task)), log);
        const afterPublishing = { ...fingerprint, inputs: { ...fingerprint.inputs, destination: this.options.freshness.destinationHash(task) } };
        return { kind: 'publish', report, published, fresh: false, fingerprint: afterPublishing, reasons };
      }
    }
  }

  /** Loads a sheet source into DuckDB once per run, however many KPIs read it. */
  private async registerSheet(source: string, log: Logger): Promise<SheetHandle> {
    const sheet = await this.options.sources.sheet(source);
    let registered = this.registered.get(source);
    if (!registered) {
      registered = (async () => {
        const duck = await this.openDuck();
        await duck.registerTable(source, Object.values(this.options.config.sheets[source]!.columns), sheet.rows);
        log.info({ rows: sheet.rows.length, from: sheet.location }, `sheet source ${source} loaded into DuckDB table ${source}`);
      })();
      this.registered.set(source, registered);
    }
    await registered;
    return { source, table: source, rows: sheet.rows };
  }

  /**
   * Computes a KPI from what it declared. A lookback window with weeks that have no value
   * gives no value either (with the reason), unless the input accepts a partial window: an
   * average of 3 weeks published as a 4-week average only looks right.
   */
  private async computeKpi(
    declaration: KpiDeclaration,
    week: IsoWeek,
    signal: AbortSignal,
    log: Logger,
  ): Promise<{ value: number | null; note?: string; checks?: CheckOutcome[] }> {
    const inputs: Record<string, TableHandle | SheetHandle | readonly WeekValue[]> = {};
    for (const [name, input] of Object.entries(declaration.inputs)) inputs[name] = await this.resolveInput(input, week, log);
    const note = incompleteWindow(declaration, inputs);
    if (note !== undefined) return { value: null, note };
    const context: ComputeContext<Record<string, InputDeclaration>> = {
      week: weekContext(week, this.options.config.timeZone),
      inputs: inputs as ComputeContext<Record<string, InputDeclaration>>['inputs'],
      warehouse: this.options.warehouse.db,
      duck: { all: async (query, params) => (await this.openDuck()).all(query, params) },
      log: {
        info: (message, fields) => log.info(fields ?? {}, message),
        warn: (message, fields) => log.warn(fields ?? {}, message),
        debug: (message, fields) => log.debug(fields ?? {}, message),
      },
      signal,
    };
    const value = kpiValue(await declaration.compute(context), declaration.unit);
    if ((declaration.checks ?? []).length === 0) return { value };
    // A failed check does not throw: the value is stored with the outcome, and the executor blocks what reads it.
    const checks = runChecks(declaration, value, checkContext(this.options.values, declaration, week));
    // A failed `error` check is told as the task's own outcome (`check failed`); a warning only here and in the summary.
    const warnings = failedChecks(checks, 'warn');
    if (warnings.length > 0) log.warn({ checks: warnings }, describeFailures(warnings));
    return { value, checks };
  }

  private async resolveInput(input: InputDeclaration, week: IsoWeek, log: Logger): Promise<TableHandle | SheetHandle | readonly WeekValue[]> {
    const db = this.options.warehouse.db;
    switch (input.kind) {
      case 'table':
        return tableHandle(db, input.table);
      case 'model':
        return tableHandle(db, modelTable(input.model));
      case 'sheet':
        return this.registerSheet(input.source, log);
      case 'kpi':
        // Weeks before the first week with source data read as no value (see computeKpi).
        return this.options.freshness.readValues(input, week);
    }
  }

  private async publish(domain: string, week: IsoWeek, sink: ScorecardSink, log: Logger): Promise<{ report: PublishReport; published: PublishedCell[] }> {
    const kpis = domainKpis(this.options.graph, domain);
    const column = weekColumnOf(this.options.graph, domain, week, this.options);
    const report = await sink.publish(domain, tabName(week.year), column);
    const published = column.kpis.map((kpi, index) => ({
      nodeId: kpis[index]!.id,
      week: week.id,
      destination: report.location,
      tab: report.tab,
      ...(report.valueCells[kpi.number] ? { cell: report.valueCells[kpi.number]! } : {}),
      value: kpi.value,
    }));
    if (report.emptyKpis.length > 0) {
      log.warn({ kpis: report.emptyKpis }, `no value for KPI ${report.emptyKpis.join(', ')} in ${week.id}: cells left empty`);
    }
    log.info({ location: report.location, tab: report.tab, column: report.weekColumn }, `published ${domain} ${week.id}`);
    return { report, published };
  }

  /** What the freshness of the tables a KPI reads (directly or through models) means for computing `week`. */
  private async sourceHolds(nodeId: string, week: IsoWeek): Promise<SourceHold[]> {
    const holds: SourceHold[] = [];
    for (const table of tablesReadBy(this.options.graph, nodeId)) {
      const load = await this.options.sources.load(table);
      const hold = load && holdFor(load, week, this.options.config.timeZone);
      if (hold) holds.push(hold);
    }
    return holds;
  }

  /** DuckDB is loaded at the first sheet or KPI that uses it: a run that computes nothing never loads it. */
  private openDuck(): Promise<Duck> {
    this.duck ??= import('../connectors/duckdb/duck.ts').then(({ openDuck }) => openDuck());
    return this.duck;
  }
}

/**
 * Why a KPI gets no value although it could compute: a kpi input without `partial` whose window
 * has weeks without a value. Shared with `pipeline test`, whose examples follow the same rule.
 */
export function incompleteWindow(declaration: KpiDeclaration, inputs: Readonly<Record<string, unknown>>): string | undefined {
  const incomplete = Object.entries(declaration.inputs).flatMap(([name, input]) => {
    if (input.kind !== 'kpi' || input.partial) return [];
    const missing = (inputs[name] as readonly WeekValue[]).filter((entry) => entry.value === null).map((entry) => entry.week);
    return missing.length > 0 ? [`${input.kpi} has no value for ${missing.join(', ')}`] : [];
  });
  return incomplete.length > 0 ? `no value: incomplete window (${incomplete.join('; ')})` : undefined;
}

function weekOf(task: Task): IsoWeek {
  if (!task.week) throw new Error(`task ${task.id} has no week`);
  return task.week;
}

function destinationOf(task: Task): string {
  if (task.destination === undefined) throw new Error(`publish task ${task.id} has no destination`);
  return task.destination;
}
