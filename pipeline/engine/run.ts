import { IsoWeek } from '../../graph/iso-week.ts';
import { planTasks, taskId } from '../../graph/plan.ts';
import type { PlanRequest, Task, TaskGraph } from '../../graph/plan.ts';
import type { SelectionState } from '../../graph/select.ts';
import { SelectorError } from '../../graph/errors.ts';
import { blockingFailure, checkFailure } from './checks.ts';
import type { Config } from '../config.ts';
import { createConnectors } from '../connectors/factory.ts';
import type { Connectors } from '../connectors/factory.ts';
import { ensureScorecardTable, scorecardValueWrite } from '../connectors/warehouse/scorecards.ts';
import { removeDeadWriters } from '../connectors/scorecards/xlsx-sink.ts';
import { valueStatusWrite } from '../connectors/warehouse/scorecard-status.ts';
import { openWarehouse, openWarehouseToRead } from '../connectors/warehouse/warehouse.ts';
import type { ReadOnlyWarehouse, Warehouse } from '../connectors/warehouse/warehouse.ts';
import { writeAtOnce } from '../connectors/warehouse/write-at-once.ts';
import { currentInstant, firstWeekOf, localTimestamp } from '../dates.ts';
import { execute } from './executor.ts';
import type { TaskResult } from './executor.ts';
import { Freshness, predictFreshness } from './freshness.ts';
import type { Prediction } from './freshness.ts';
import { acquireWarehouseLock } from './warehouse-lock.ts';
import { commandLine } from './processes.ts';
import type { LockRequest } from './warehouse-lock.ts';
import { now, taskFinished, tally } from './run-events.ts';
import { LatestRestatements, lastPublishedValues, publishedWrites, restatementWrite, sameValue } from './value-history.ts';
import type { PublishedValue, Restatement } from './value-history.ts';
import { formatValue } from '../units.ts';
import { Temporal } from 'temporal-polyfill';
import type { RunEventListener } from './run-events.ts';
import { findRun, finishRun, newRunId, olderCodeWeeks, recordAbandonedRuns, nodeRunWrite, nodeRunsWrite, startRun, unfinishedNodeRuns } from './ledger.ts';
import type { NodeRunRecord, OlderCodeWeeks } from './ledger.ts';
import type { Logger } from '../log.ts';
import { defaultScorecardName, kpiCodeHashes, loadProject, publishOf } from '../project/project.ts';
import type { Project } from '../project/project.ts';
import { selectFrom } from '../project/selection.ts';
import { withTimeout, withWarehouseRetry } from './retry.ts';
import { Sources } from './sources.ts';
import { checkRules, freshnessRules } from '../source-freshness/source-freshness.ts';
import { StoredValues } from './stored-values.ts';
import { checkFailedOf, historyOf } from '../environments/layers.ts';
import { TaskRunner } from './task-runner.ts';
import type { TaskRunnerOptions, TaskValue } from './task-runner.ts';
import { codeVersion } from '../version.ts';
import { counted } from '../words.ts';

export interface Selection {
  /** Selectors whose union is run; empty means every node. */
  readonly select: readonly string[];
  readonly exclude: readonly string[];
  readonly weeks: readonly IsoWeek[];
  /** Earlier weeks a weekly run rechecks for late-arriving data. */
  readonly restateWeeks?: readonly IsoWeek[];
  /** Exactly these node-weeks (a retry) instead of the selection for every week. */
  readonly only?: PlanRequest['only'];
  /** Rerun even what is fresh: every selected node (`true`) or those a selector picks. */
  readonly force?: boolean | readonly string[];
  /** What `state:` and `result:` selectors match, read from the ledger before the run. */
  readonly state?: SelectionState;
}

export interface SessionOptions extends Selection {
  readonly config: Config;
  readonly log: Logger;
  /** Nodes folder; defaults to the configured one. */
  readonly nodesDir?: string;
  /** Where Google credentials are looked up; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunOptions extends SessionOptions {
  readonly concurrency: number;
  /** The command line as the user typed it, for the ledger. */
  readonly command: string;
  /** Aborted: start nothing more (running tasks finish). */
  readonly stop?: AbortSignal;
  /** Aborted: cancel running tasks too. */
  readonly signal?: AbortSignal;
  /** When another run holds the warehouse: seconds to wait for it (`true`: as long as it takes); default fail at once. */
  readonly wait?: number | true;
  /** The run's id, when the caller needs it before the run starts. */
  readonly runId?: string;
  /** The project as validateSelection returned it, so it is not loaded twice. */
  readonly project?: Project;
  /** Told of every event of the run (see engine/run-events.ts). */
  readonly onEvent?: RunEventListener;
  /** Where this run's log file is, for the events. */
  readonly logFile?: string;
  /** Rerun the failed, blocked and abandoned tasks of this run (default the latest), forced (reason `retry`), instead of the selection. */
  readonly retry?: { readonly runId?: string };
  /** Values a KPI task takes instead of computing (a promotion: see TaskRunnerOptions.adopt). */
  readonly adopt?: TaskRunnerOptions['adopt'];
  /** The code version to record for the run instead of the checkout's (a promotion records the environment's). */
  readonly codeVersion?: string;
}

export interface RetriedRun {
  readonly run_id: string;
  readonly status: string;
}

export interface RunOutcome {
  readonly runId: string;
  readonly status: 'succeeded' | 'failed';
  readonly tasks: TaskGraph;
  readonly results: readonly TaskResult<TaskValue>[];
  /** Published values this run changed. */
  readonly restatements: readonly Restatement[];
  readonly project: Project;
  /** For a retry: the run whose unfinished tasks were rerun (none when `tasks` is empty). */
  readonly retried?: RetriedRun;
}

/** A validated project, an open warehouse and the plan of tasks, with what decides freshness. */
export interface Session {
  readonly project: Project;
  readonly warehouse: ReadOnlyWarehouse;
  readonly tasks: TaskGraph;
  readonly sources: Sources;
  readonly freshness: Freshness;
  readonly connectors: Connectors;
  /** The session's own work on the warehouse, limited and retried (see WarehouseStep). */
  readonly step: WarehouseStep;
  readonly values: StoredValues;
  readonly restatements: LatestRestatements;
  /** Warnings given to the values the run computes, by task id (see TaskRunnerOptions.warnings). */
  readonly warnings: Map<string, string>;
  close(): Promise<void>;
}

/** The selected and forced node ids; throws SelectorError before anything is opened. */
function resolveSelection(project: Project, options: Selection): { selected: Set<string>; forced: Set<string> } {
  const selected = selectFrom(project, options);
  const forced = options.force === true ? selected : Array.isArray(options.force) ? selectFrom(project, { ...options, select: options.force, exclude: [] }) : new Set<string>();
  return { selected, forced };
}

/**
 * The run's own work on the warehouse outside its tasks (planning reads, ledger writes): under
 * the task time limit like everything a run does, and retried on a new connection when the
 * warehouse goes away for a moment. Stops retrying once `lost` aborts.
 */
export type WarehouseStep = <T>(what: string, work: () => Promise<T>) => Promise<T>;

function warehouseSteps(config: Config, log: Logger, lost?: AbortSignal): WarehouseStep {
  const limitMs = config.tasks.timeoutSeconds * 1000;
  return (what, work) => withWarehouseRetry(() => withTimeout(work, limitMs, lost, what), { log, what, ...(lost ? { signal: lost } : {}) });
}

/**
 * Opens the warehouse and plans the selection against what it holds. `beforePlanning` runs
 * on the open warehouse first (a run records abandoned runs there and finds what to retry).
 */
async function openSession(
  options: SessionOptions,
  project: Project,
  beforePlanning?: (warehouse: Warehouse) => Promise<{ retry?: Selection['only'] }>,
): Promise<Session> {
  const { selected, forced } = resolveSelection(project, options);
  // A reader (plan) changes nothing: no migration, no table, no Google client until a Google sheet is read.
  const toRead = beforePlanning === undefined;
  const connectors = await createConnectors(options.config, options.log, options.env, { toRead });
  const warehouse: ReadOnlyWarehouse = toRead ? await openWarehouseToRead(options.config, options.log, { newEnvironment: 'as prod' }) : { ...(await openWarehouse(options.config, options.log)), hasLedger: true };
  const step = warehouseSteps(options.config, options.log, warehouse.lost);
  const fromLedger = <T>(read: () => Promise<T>, empty: T) => (warehouse.hasLedger ? read() : Promise.resolve(empty));
  try {
    const { retry, values } = await step('reading what the warehouse holds', async () => {
      const { retry } = (await beforePlanning?.(warehouse)) ?? {};
      if (!toRead) for (const domain of project.domains) await ensureScorecardTable(warehouse.db, domain);
      return { retry, values: await StoredValues.load(warehouse, project.domains) };
    });
    const only = retry ?? options.only;
    // Asked for explicitly: what failed or was blocked runs even if nothing changed since.
    for (const task of retry ?? []) forced.add(task.nodeId);
    const isStored = (nodeId: string, week: IsoWeek) => {
      const node = project.graph.getNodeAttributes(nodeId);
      return node.kind === 'kpi' && values.has(node.declaration.domain, node.declaration.number, week);
    };
    const firstWeek = firstWeekOf(options.config);
    // A stored value that failed an `error` check is not read: its week is planned again, and blocks what reads it if it fails again.
    const checkFailed = await fromLedger(() => checkFailedOf(warehouse), new Set<string>());
    const tasks = planTasks({
      graph: project.graph,
      selected,
      weeks: options.weeks,
      ...(options.restateWeeks ? { restateWeeks: options.restateWeeks } : {}),
      isStored: (nodeId, week) => isStored(nodeId, week) && !checkFailed.has(taskId(nodeId, week)),
      ...(firstWeek ? { firstWeek } : {}),
      ...(only ? { only } : {}),
      destinationsOf: (domain) => connectors.destinationsOf(domain),
    });
    const rules = freshnessRules(options.config);
    const tablesRead = tasks.mapNodes((_id, task) => (task.node.kind === 'table' ? task.node.table : undefined)).filter((table) => table !== undefined);
    await step('checking the sources\' freshness rules', () => checkRules(warehouse.db, rules, tablesRead));
    const sources = new Sources(options.config, warehouse, connectors.sheets, { remember: !toRead, freshness: rules });
    const restatements = await step('reading restatements', () => fromLedger(() => LatestRestatements.load(warehouse.db, weeksOf(tasks)), LatestRestatements.none()));
    const warnings = new Map<string, string>();
    const freshness = new Freshness({
      graph: project.graph,
      code: project.code,
      values,
      restatements,
      sources,
      history: await step('reading the ledger', () => fromLedger(() => historyOf(warehouse, tasks.nodes(), (id) => tasks.getNodeAttributes(id).node.kind === 'model'), new Map())),
      isStored,
      isForced: (task: Task) => (forced.has(task.node.id) ? (retry ? 'retry' : 'forced') : undefined),
      destinationOf: (domain, destination) => connectors.destinationOf(domain, destination),
      timeZone: options.config.timeZone,
      warningOf: (nodeId, week) => warnings.get(`${nodeId}@${week}`),
    });
    return { project, warehouse, tasks, sources, freshness, connectors, step, values, restatements, warnings, close: () => warehouse.close() };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

/**
 * Holds the warehouse lock for the time of `work`: exclusively for a run; for a reader only
 * where the warehouse is embedded (one process per store).
 */
export async function holdingWarehouse<T>(config: Config, request: Omit<LockRequest, 'runId' | 'command' | 'timeZone'> & { runId?: string; command?: string }, work: () => Promise<T>): Promise<T> {
  const lock = await acquireWarehouseLock(config, { runId: 'read', command: commandLine(), ...request });
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

/** The validated project of a selection: declaration and selector errors throw here, before anything is opened or written. */
export async function validateSelection(options: Pick<SessionOptions, 'config' | 'nodesDir'> & Selection): Promise<Project> {
  const project = await loadProject(options.config, options.nodesDir);
  resolveSelection(project, options);
  return project;
}

/** The plan with each task's predicted freshness, for `plan`. */
export async function explainPlan(options: SessionOptions): Promise<{ project: Project; tasks: TaskGraph; predictions: Map<string, Prediction>; olderCode: OlderCodeWeeks[] }> {
  const project = await loadProject(options.config, options.nodesDir);
  const { selected } = resolveSelection(project, options); // selector errors before waiting on anything
  const codeNow = await kpiCodeHashes(project, selected);
  return holdingWarehouse(options.config, { purpose: 'read', log: options.log }, async () => {
    const session = await openSession(options, project);
    try {
      const predictions = await withTimeout(() => predictFreshness(session.tasks, session.freshness), options.config.tasks.timeoutSeconds * 1000, undefined, 'assessing freshness');
      const olderCode = session.warehouse.hasLedger ? await olderCodeWeeks(session.warehouse.db, codeNow) : [];
      return { project, tasks: session.tasks, predictions, olderCode };
    } finally {
      await session.close();
    }
  });
}

/**
 * A whole run: validate, take the warehouse lock, plan, execute, and record every node-run in
 * the ledger. Declaration and selector errors throw before anything is written; node failures
 * are results. With `retry`, the tasks are the failed, blocked and abandoned ones of that run.
 */
export async function runPipeline(options: RunOptions): Promise<RunOutcome> {
  const runId = options.runId ?? newRunId();
  const log = options.log.child({ run: runId });
  const project = options.project ?? (await validateSelection(options));
  const lock = await acquireWarehouseLock(options.config, {
    runId,
    command: options.command,
    purpose: 'run',
    log,
    ...(options.wait !== undefined ? { wait: options.wait } : {}),
    ...(options.stop ? { signal: options.stop } : {}),
  });
  try {
    return await runHoldingLock(runId, { ...options, log }, project, lock.lost);
  } finally {
    await lock.release();
  }
}

/** `lockLost` aborts when the warehouse lock was lost for good: like a lost warehouse, it ends the run. */
async function runHoldingLock(runId: string, options: RunOptions, project: Project, lockLost: AbortSignal): Promise<RunOutcome> {
  const { log } = options;
  // Two git processes: they run while the warehouse opens.
  const version = codeVersion(options.config.paths.root);
  let retried: RetriedRun | undefined;
  const session = await openSession(options, project, async (warehouse) => {
    // One lock for every environment: a run left `running` in prod or here is dead.
    const abandonedRuns = [...(await recordAbandonedRuns(warehouse.db, runId)), ...(warehouse.db === warehouse.prod ? [] : await recordAbandonedRuns(warehouse.prod, runId))];
    for (const abandoned of abandonedRuns) {
      log.warn(
        { abandoned: abandoned.run_id },
        `run ${abandoned.run_id} (\`${abandoned.command}\`, started ${abandoned.started_at}) stopped without finishing: recorded abandoned; \`retry ${abandoned.run_id}\` reruns what it left`,
      );
    }
    if (!options.retry) return {};
    const found = await retryTasks(warehouse, project, options.retry.runId);
    retried = found.run;
    return { retry: found.only };
  });
  if (retried && session.tasks.order === 0) {
    await session.close();
    return { runId, status: 'succeeded', tasks: session.tasks, results: [], restatements: [], project, retried };
  }
  const { warehouse, tasks, step } = session;
  // Holding the lock, no other run writes workbooks: a temporary one left beside them is a killed run's.
  for (const name of await removeDeadWriters(options.config.paths.scorecards)) log.info({ file: name }, `removed ${name}, left by a run killed while writing it`);
  // Either gone for good: nothing more can be recorded, so the run ends at once (the next run records it abandoned).
  const lost = AbortSignal.any([warehouse.lost, lockLost]);
  const runner = new TaskRunner({
    config: options.config,
    graph: project.graph,
    warehouse,
    sources: session.sources,
    freshness: session.freshness,
    values: session.values,
    restatements: session.restatements,
    sinkFor: (domain, destination) => session.connectors.sinkFor(domain, destination),
    log,
    warnings: session.warnings,
    warningOf: (nodeId, week) => session.warnings.get(`${nodeId}@${week}`),
    ...(options.adopt ? { adopt: options.adopt } : {}),
  });
  try {
    const printDate = localTimestamp(currentInstant(), options.config.timeZone);
    const weeks = weeksOf(tasks);
    const run = {
      runId,
      command: options.command,
      selection: [...options.select, ...options.exclude.map((selector) => `--exclude ${selector}`)].join(' ') || '*',
      weeks: weeks.join(','),
      concurrency: options.concurrency,
      codeVersion: options.codeVersion ?? (await version),
    };
    const planned = tasks.mapNodes((id, task) => ({ taskId: id, nodeId: task.node.id, ...(task.week ? { week: task.week.id } : {}) }));
    await step('recording the run', () => startRun(warehouse.db, run, planned));
    log.info({ tasks: tasks.order, warehouse: warehouse.location }, `run ${runId}: ${counted(tasks.order, 'task')}`);
    const emit: RunEventListener = options.onEvent ?? (() => undefined);
    const started = performance.now();
    emit({
      event: 'run started',
      runId,
      command: options.command,
      tasks: tasks.order,
      weeks,
      ...(options.logFile ? { logFile: options.logFile } : {}),
      at: now(),
    });

    const restatements: Restatement[] = [];
    const ledger = runRecorder({
      warehouse,
      project,
      runId,
      printDate,
      step,
      values: session.values,
      restatements: session.restatements,
      published: await step('reading what was published', () => lastPublishedValues(warehouse.db, weeks)),
      onRestated: (restatement) => {
        restatements.push(restatement);
        emit({ event: 'value restated', ...restatement, display: restatedLine(project, restatement), at: now() });
      },
      attemptsOf: (taskId) => runner.attemptsOf(taskId),
    });
    const told = new Set<string>();
    const tell = (result: TaskResult<TaskValue>) => {
      told.add(result.task.id);
      emit(taskFinished(runId, result));
    };
    const results = await execute<TaskValue>(tasks, {
      concurrency: options.concurrency,
      poolsOf: (task) => session.connectors.poolsOf(task),
      runsLast: (task) => session.connectors.runsLast(task),
      stop: AbortSignal.any([lost, ...(options.stop ? [options.stop] : [])]),
      signal: AbortSignal.any([lost, ...(options.signal ? [options.signal] : [])]),
      started: (task) => emit({ event: 'task started', runId, task: task.id, node: task.node.id, week: task.week?.id ?? null, at: now() }),
      run: (task, signal) => runner.run(task, signal),
      checkFailed: (value) => value.kind === 'kpi' && blockingFailure(value.checks),
      withheld: (value) => (value.kind === 'kpi' ? value.withheld : undefined),
      // A publish of a week with a withheld KPI writes the others: that KPI's cell keeps what it had.
      runsWithoutWithheld: (task) => task.node.kind === 'publish',
      settle: async (result) => {
        await ledger.settle(result);
        tell(result);
      },
    });
    lost.throwIfAborted();
    await ledger.recordUnsettled(results.values());
    for (const result of results.values()) if (!told.has(result.task.id)) tell(result);
    const status = [...results.values()].every((result) => result.status === 'succeeded') ? 'succeeded' : 'failed';
    const interrupted = options.stop?.aborted === true || options.signal?.aborted === true;
    await step('recording the end of the run', () => finishRun(warehouse.db, runId, interrupted ? 'interrupted' : status));
    emit({
      event: 'run finished',
      runId,
      status: interrupted ? 'interrupted' : status,
      ...tally(results.values()),
      restatements: restatements.map((restatement) => restatedLine(project, restatement)),
      durationMs: Math.round(performance.now() - started),
      ...(options.logFile ? { logFile: options.logFile } : {}),
      at: now(),
    });
    return { runId, status, tasks, results: [...results.values()], restatements, project, ...(retried ? { retried } : {}) };
  } finally {
    await runner.close();
    await session.close();
  }
}

interface RecorderContext {
  readonly warehouse: Warehouse;
  readonly project: Project;
  readonly runId: string;
  readonly printDate: string;
  /** Told of each value the run stores, once committed. */
  readonly values: StoredValues;
  /** Told of each restatement the run records, once committed. */
  readonly restatements: LatestRestatements;
  /** The last published value of each KPI-week the run may compute: a change to one is a restatement. */
  readonly published: ReadonlyMap<string, PublishedValue>;
  onRestated(restatement: Restatement): void;
  readonly step: WarehouseStep;
  attemptsOf(taskId: string): number;
}

/**
 * Writes each finished task to the ledger, a computed KPI value together with its ledger
 * entry in one transaction, so that both land or neither does.
 */
function runRecorder(context: RecorderContext) {
  const { project, runId, printDate, step } = context;
  const { db } = context.warehouse;
  const settled = new Set<string>();
  const baseOf = (result: TaskResult<TaskValue>): NodeRunRecord => ({
    runId,
    taskId: result.task.id,
    nodeId: result.task.node.id,
    status: 'succeeded',
    attempt: context.attemptsOf(result.task.id),
    ...(result.task.week ? { week: result.task.week.id } : {}),
    ...(result.startedAt ? { startedAt: result.startedAt } : {}),
    ...(result.finishedAt ? { finishedAt: result.finishedAt } : {}),
    ...(result.durationMs !== undefined ? { durationMs: result.durationMs } : {}),
  });
  const blocked = (result: TaskResult<TaskValue>): NodeRunRecord => ({ ...baseOf(result), status: 'blocked', error: `blocked by ${result.blockedBy}` });
  // Each write is whole and idempotent, so a retry after a lost connection never duplicates.
  const record = (result: TaskResult<TaskValue>, work: () => Promise<void>) => step(`recording ${result.task.id}`, work);
  const recordNodeRunOf = (result: TaskResult<TaskValue>, run: NodeRunRecord) => record(result, () => writeAtOnce(db, [nodeRunWrite(db, run)]));
  // Fresh tasks write nothing but their node-run: gathered and sent together, a statement per
  // FRESH_BATCH instead of one each. A run that dies first leaves them `pending`, as a task not yet run.
  const fresh: NodeRunRecord[] = [];
  const recordFresh = async () => {
    const batch = fresh.splice(0);
    if (batch.length > 0) await step(`recording ${counted(batch.length, 'fresh task')}`, () => nodeRunsWrite(db, batch).execute());
  };

  return {
    async settle(result: TaskResult<TaskValue>): Promise<void> {
      const { task, value } = result;
      settled.add(task.id);
      const base = baseOf(result);
      if (result.status === 'blocked') return recordNodeRunOf(result, blocked(result));
      if (result.status === 'failed') {
        return recordNodeRunOf(result, { ...base, status: 'failed', error: result.error?.message ?? 'failed' });
      }
      if (value === undefined || value.kind === 'source') return recordNodeRunOf(result, base);
      const checks = value.kind === 'kpi' ? value.checks : undefined;
      const ran: NodeRunRecord = {
        ...base,
        status: result.status === 'check failed' ? 'check failed' : value.fresh ? 'fresh' : 'succeeded',
        fingerprint: value.fingerprint,
        reason: value.fresh ? 'fresh' : value.reasons.join('; '),
        ...(checks ? { checks } : {}),
        ...(result.status === 'check failed' ? { error: checkFailure(checks) } : {}),
      };
      if (ran.status === 'fresh') {
        fresh.push(value.kind === 'kpi' ? { ...ran, value: value.value } : ran);
        return fresh.length >= FRESH_BATCH ? recordFresh() : undefined;
      }
      if (value.kind === 'publish') {
        return record(result, () => writeAtOnce(db, [nodeRunWrite(db, ran), ...publishedWrites(db, runId, value.published ?? [])]));
      }
      if (value.kind === 'model') return recordNodeRunOf(result, ran);
      if (task.node.kind !== 'kpi' || !task.week) return recordNodeRunOf(result, { ...ran, value: value.value });
      const { declaration } = task.node;
      const week = task.week;
      // A value that failed an `error` check is never published: it changes no published value (yet).
      const published = result.status === 'check failed' ? undefined : context.published.get(`${task.node.id}@${week.id}`);
      const restatement: Restatement | undefined =
        published && !sameValue(published.value, value.value)
          ? { nodeId: task.node.id, week: week.id, previous: published.value, value: value.value, publishedAt: published.publishedAt, runId, restatedAt: Temporal.Now.instant().toString() }
          : undefined;
      await record(result, () =>
        writeAtOnce(db, [
          scorecardValueWrite(db, {
            domain: declaration.domain,
            scorecardName: publishOf(project.graph, declaration.domain)?.scorecard ?? defaultScorecardName(declaration.domain),
            kpiNumber: declaration.number,
            name: declaration.name,
            details: declaration.details ?? '',
            week,
            value: value.value,
            printDate,
            runId,
          }),
          valueStatusWrite(db, { domain: declaration.domain, kpiNumber: declaration.number, week, value: value.value, target: declaration.target, runId }),
          nodeRunWrite(db, { ...ran, value: value.value }),
          ...(restatement ? [restatementWrite(db, restatement)] : []),
        ]),
      );
      context.values.remember(declaration.domain, declaration.number, week, value.value);
      if (restatement) {
        context.restatements.remember(restatement);
        context.onRestated(restatement);
      }
    },

    /** Descendants of a failed or interrupted task never reach `settle`: record them too, and the fresh tasks not yet sent. */
    async recordUnsettled(results: Iterable<TaskResult<TaskValue>>): Promise<void> {
      await recordFresh();
      for (const result of results) {
        if (result.status === 'blocked' && !settled.has(result.task.id)) await recordNodeRunOf(result, blocked(result));
      }
    },
  };
}

/** Fresh node-runs sent in one statement (15 parameters each, far below PostgreSQL's 65,535). */
const FRESH_BATCH = 1000;

/** The weeks a plan covers, sorted. */
function weeksOf(tasks: TaskGraph): string[] {
  return [...new Set(tasks.mapNodes((_id, task) => task.week?.id).filter((week) => week !== undefined))].sort();
}

/** `restated success.kpi06 2026-W08: 15 → 17`, values as the scorecard shows them. */
export function restatedLine(project: Project, restatement: Pick<Restatement, 'nodeId' | 'week' | 'previous' | 'value'>): string {
  const node = project.graph.hasNode(restatement.nodeId) ? project.graph.getNodeAttributes(restatement.nodeId) : undefined;
  const unit = node?.kind === 'kpi' ? node.declaration.unit : 'decimal';
  return `restated ${restatement.nodeId} ${restatement.week}: ${formatValue(restatement.previous, unit)} → ${formatValue(restatement.value, unit)}`;
}

/**
 * The failed, blocked and abandoned node-weeks of a run (default: the latest before this one),
 * to run again with the current code. Nodes that no longer exist are left out.
 */
async function retryTasks(warehouse: Warehouse, project: Project, runId?: string): Promise<{ run: RetriedRun; only: NonNullable<Selection['only']> }> {
  const run = await findRun(warehouse.db, runId);
  if (!run) throw new SelectorError(runId === undefined ? 'there is no run to retry yet' : `there is no run ${runId}`);
  const unfinished = await unfinishedNodeRuns(warehouse.db, run.run_id);
  const only = unfinished.flatMap((row) =>
    row.iso_week !== null && project.graph.hasNode(row.node_id)
      ? [{ nodeId: row.node_id, week: IsoWeek.parse(row.iso_week), ...(row.destination === null ? {} : { destination: row.destination }) }]
      : [],
  );
  return { run: { run_id: run.run_id, status: run.status }, only };
}
