import { kpiNumberLabel } from '../graph/ids.ts';
import { IsoWeek } from '../graph/iso-week.ts';
import { planTasks } from '../graph/plan.ts';
import type { Task, TaskGraph } from '../graph/plan.ts';
import { selectNodes } from '../graph/select.ts';
import { SelectorError } from '../graph/errors.ts';
import type { Config } from './config.ts';
import { createConnectors } from './connectors/factory.ts';
import type { Connectors } from './connectors/factory.ts';
import { ensureScorecardTable, storedWeeks, upsertScorecardValue } from './connectors/warehouse/scorecards.ts';
import { openWarehouse } from './connectors/warehouse/warehouse.ts';
import type { Warehouse } from './connectors/warehouse/warehouse.ts';
import { currentInstant, firstWeekOf, localTimestamp } from './dates.ts';
import { execute } from './executor.ts';
import type { TaskResult } from './executor.ts';
import { Freshness, predictFreshness } from './freshness.ts';
import type { Prediction } from './freshness.ts';
import { findRun, finishRun, loadHistory, newRunId, recordNodeRun, startRun, unfinishedNodeRuns } from './ledger.ts';
import type { NodeRunRecord } from './ledger.ts';
import type { Logger } from './log.ts';
import { defaultScorecardName, loadProject, publishOf } from './project.ts';
import type { Project } from './project.ts';
import { Sources } from './sources.ts';
import { TaskRunner } from './task-runner.ts';
import type { TaskValue } from './task-runner.ts';
import { codeVersion } from './version.ts';

export interface Selection {
  /** Selectors whose union is run; empty means every node. */
  readonly select: readonly string[];
  readonly exclude: readonly string[];
  readonly weeks: readonly IsoWeek[];
  /** Exactly these node-weeks (a retry) instead of the selection for every week. */
  readonly only?: readonly { readonly nodeId: string; readonly week: IsoWeek }[];
  /** Rerun even what is fresh: every selected node (`true`) or those a selector picks. */
  readonly force?: boolean | readonly string[];
  /** The reason recorded for forced tasks; default `forced`. */
  readonly forceReason?: string;
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
}

export interface RunOutcome {
  readonly runId: string;
  readonly status: 'succeeded' | 'failed';
  readonly tasks: TaskGraph;
  readonly results: readonly TaskResult<TaskValue>[];
}

/** `--target X` means `+X`: the node and everything it needs. */
export function withTargets(select: readonly string[], targets: readonly string[]): string[] {
  return [...select, ...targets.map((target) => (target.startsWith('+') ? target : `+${target}`))];
}

/** The selected node ids; every node when nothing is selected. Throws SelectorError before anything opens. */
export function selectFrom(project: Project, selection: Pick<Selection, 'select' | 'exclude'>): Set<string> {
  if (selection.select.length === 0 && selection.exclude.length === 0) return new Set(project.graph.nodes());
  return selectNodes(project.graph, selection.select.length === 0 ? ['*'] : selection.select, selection.exclude);
}

/** A validated project, an open warehouse and the plan of tasks, with what decides freshness. */
export interface Session {
  readonly project: Project;
  readonly warehouse: Warehouse;
  readonly tasks: TaskGraph;
  readonly sources: Sources;
  readonly freshness: Freshness;
  readonly connectors: Connectors;
  close(): Promise<void>;
}

/**
 * Validates the declarations and the selection (throwing before anything is opened), then
 * opens the warehouse and plans the selection against what it holds.
 */
async function openSession(options: SessionOptions): Promise<Session> {
  const project = await loadProject(options.config, options.nodesDir);
  const selected = selectFrom(project, options);
  const forced = options.force === true ? selected : Array.isArray(options.force) ? selectNodes(project.graph, options.force) : new Set<string>();
  const connectors = await createConnectors(options.config, options.log, options.env);
  const warehouse = await openWarehouse(options.config, options.log);
  try {
    const stored = new Set<string>();
    for (const domain of project.domains) {
      await ensureScorecardTable(warehouse.db, domain);
      for (const key of await storedWeeks(warehouse.db, domain)) stored.add(`${domain}:${key}`);
    }
    const isStored = (nodeId: string, week: IsoWeek) => {
      const node = project.graph.getNodeAttributes(nodeId);
      return node.kind === 'kpi' && stored.has(`${node.declaration.domain}:${kpiNumberLabel(node.declaration.number)}@${week.id}`);
    };
    const firstWeek = firstWeekOf(options.config);
    const tasks = planTasks({
      graph: project.graph,
      selected,
      weeks: options.weeks,
      isStored,
      ...(firstWeek ? { firstWeek } : {}),
      ...(options.only ? { only: options.only } : {}),
    });
    const sources = new Sources(options.config, warehouse, connectors.sheets);
    const freshness = new Freshness({
      graph: project.graph,
      root: options.config.paths.root,
      db: warehouse.db,
      sources,
      history: await loadHistory(warehouse.db, tasks.nodes()),
      isStored,
      isForced: (task: Task) => (forced.has(task.node.id) ? (options.forceReason ?? 'forced') : undefined),
      destinationOf: (domain) => connectors.sinkFor(domain).destination(domain),
    });
    return { project, warehouse, tasks, sources, freshness, connectors, close: () => warehouse.close() };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

/** The plan with each task's predicted freshness, for `plan`. */
export async function explainPlan(options: SessionOptions): Promise<{ project: Project; tasks: TaskGraph; predictions: Map<string, Prediction> }> {
  const session = await openSession(options);
  try {
    return { project: session.project, tasks: session.tasks, predictions: await predictFreshness(session.tasks, session.freshness) };
  } finally {
    await session.close();
  }
}

/**
 * A whole run: validate, plan, execute, and record every node-run in the ledger. Declaration
 * and selector errors throw before anything is written; node failures are results.
 */
export async function runPipeline(options: RunOptions): Promise<RunOutcome> {
  const runId = newRunId();
  const log = options.log.child({ run: runId });
  const session = await openSession({ ...options, log });
  const { project, warehouse, tasks } = session;
  const runner = new TaskRunner({
    config: options.config,
    graph: project.graph,
    warehouse,
    sources: session.sources,
    freshness: session.freshness,
    sinkFor: (domain) => session.connectors.sinkFor(domain),
    log,
  });
  try {
    const printDate = localTimestamp(currentInstant(), options.config.timeZone);
    await startRun(warehouse.db, {
      runId,
      command: options.command,
      selection: [...options.select, ...options.exclude.map((selector) => `--exclude ${selector}`)].join(' ') || '*',
      weeks: [...new Set(tasks.mapNodes((_id, task) => task.week?.id).filter((week) => week !== undefined))].sort().join(','),
      concurrency: options.concurrency,
      codeVersion: await codeVersion(options.config.paths.root),
    });
    log.info({ tasks: tasks.order, warehouse: warehouse.location }, `run ${runId}: ${tasks.order} tasks`);

    const ledger = runRecorder({ warehouse, project, runId, printDate, log, attemptsOf: (taskId) => runner.attemptsOf(taskId) });
    const results = await execute<TaskValue>(tasks, {
      concurrency: options.concurrency,
      poolsOf: (task) => session.connectors.poolsOf(task),
      ...(options.stop ? { stop: options.stop } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      run: (task, signal) => runner.run(task, signal),
      settle: (result) => ledger.settle(result),
    });
    await ledger.recordUnsettled(results.values());
    const status = [...results.values()].every((result) => result.status === 'succeeded') ? 'succeeded' : 'failed';
    const interrupted = options.stop?.aborted === true || options.signal?.aborted === true;
    await finishRun(warehouse.db, runId, interrupted ? 'interrupted' : status);
    return { runId, status, tasks, results: [...results.values()] };
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
  readonly log: Logger;
  attemptsOf(taskId: string): number;
}

/**
 * Writes each finished task to the ledger, a computed KPI value together with its ledger
 * entry in one transaction, so that both land or neither does.
 */
function runRecorder(context: RecorderContext) {
  const { warehouse, project, runId, printDate, log } = context;
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

  return {
    async settle(result: TaskResult<TaskValue>): Promise<void> {
      const { task, value } = result;
      settled.add(task.id);
      const base = baseOf(result);
      if (result.status === 'blocked') return recordNodeRun(warehouse.db, blocked(result));
      if (result.status === 'failed') {
        log.error({ node: task.node.id, week: task.week?.id }, result.error?.message ?? 'failed');
        return recordNodeRun(warehouse.db, { ...base, status: 'failed', error: result.error?.message ?? 'failed' });
      }
      if (value === undefined || value.kind === 'source') return recordNodeRun(warehouse.db, base);
      const ran = {
        ...base,
        status: value.fresh ? 'fresh' : 'succeeded',
        fingerprint: value.fingerprint,
        reason: value.fresh ? 'fresh' : value.reasons.join('; '),
      } as const;
      if (value.kind === 'publish') return recordNodeRun(warehouse.db, ran);
      if (value.fresh || task.node.kind !== 'kpi' || !task.week) return recordNodeRun(warehouse.db, { ...ran, value: value.value });
      const { declaration } = task.node;
      const week = task.week;
      await warehouse.db.transaction().execute(async (trx) => {
        await upsertScorecardValue(trx, {
          domain: declaration.domain,
          scorecardName: publishOf(project.graph, declaration.domain)?.scorecard ?? defaultScorecardName(declaration.domain),
          kpiNumber: declaration.number,
          name: declaration.name,
          details: declaration.details ?? '',
          week,
          value: value.value,
          printDate,
          runId,
        });
        await recordNodeRun(trx, { ...ran, value: value.value });
      });
      log.info({ node: task.node.id, week: week.id, value: value.value, reasons: value.reasons, ms: Math.round(result.durationMs ?? 0) }, 'stored');
    },

    /** Descendants of a failed or interrupted task never reach `settle`: record them too. */
    async recordUnsettled(results: Iterable<TaskResult<TaskValue>>): Promise<void> {
      for (const result of results) {
        if (result.status === 'blocked' && !settled.has(result.task.id)) await recordNodeRun(warehouse.db, blocked(result));
      }
    },
  };
}

/**
 * The failed and blocked node-weeks of a run (default: the latest), to run again with the
 * current code. Nodes that no longer exist are left out.
 */
export async function retryTasks(
  config: Config,
  project: Project,
  log: Logger,
  runId?: string,
): Promise<{ run: { run_id: string; status: string }; only: { nodeId: string; week: IsoWeek }[] }> {
  const warehouse = await openWarehouse(config, log);
  try {
    const run = await findRun(warehouse.db, runId);
    if (!run) throw new SelectorError(runId === undefined ? 'there is no run to retry yet' : `there is no run ${runId}`);
    const unfinished = await unfinishedNodeRuns(warehouse.db, run.run_id);
    const only = unfinished.flatMap((row) =>
      row.iso_week !== null && project.graph.hasNode(row.node_id) ? [{ nodeId: row.node_id, week: IsoWeek.parse(row.iso_week) }] : [],
    );
    return { run, only };
  } finally {
    await warehouse.close();
  }
}
