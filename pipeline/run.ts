import { kpiNumberLabel } from '../graph/ids.ts';
import { IsoWeek } from '../graph/iso-week.ts';
import { planTasks } from '../graph/plan.ts';
import type { TaskGraph } from '../graph/plan.ts';
import { selectNodes } from '../graph/select.ts';
import type { Config } from './config.ts';
import type { ScorecardSink } from './connectors/scorecards/scorecard-sink.ts';
import { xlsxSink } from './connectors/scorecards/xlsx-sink.ts';
import { localSheetReader } from './connectors/sheets/sheet-source.ts';
import type { SheetReader } from './connectors/sheets/sheet-source.ts';
import { ensureScorecardTable, storedWeeks, upsertScorecardValue } from './connectors/warehouse/scorecards.ts';
import { openWarehouse } from './connectors/warehouse/warehouse.ts';
import type { Warehouse } from './connectors/warehouse/warehouse.ts';
import { localTimestamp, currentInstant } from './dates.ts';
import { execute } from './executor.ts';
import type { TaskResult } from './executor.ts';
import { finishRun, newRunId, recordNodeRun, startRun } from './ledger.ts';
import type { Logger } from './log.ts';
import { loadProject, publishOf } from './project.ts';
import type { Project } from './project.ts';
import { TaskRunner } from './task-runner.ts';
import type { TaskValue } from './task-runner.ts';

export interface Selection {
  /** Selectors whose union is run; empty means every node. */
  readonly select: readonly string[];
  readonly exclude: readonly string[];
  readonly weeks: readonly IsoWeek[];
}

export interface RunOptions extends Selection {
  readonly config: Config;
  readonly log: Logger;
  readonly concurrency: number;
  /** The command line as the user typed it, for the ledger. */
  readonly command: string;
  /** Nodes folder; defaults to the configured one. */
  readonly nodesDir?: string;
  /** Where a domain's scorecard goes; defaults to a local workbook. */
  readonly sinkFor?: (domain: string) => ScorecardSink;
  readonly sheets?: SheetReader;
  readonly signal?: AbortSignal;
}

export interface RunOutcome {
  readonly runId: string;
  readonly status: 'succeeded' | 'failed';
  readonly tasks: TaskGraph;
  readonly results: readonly TaskResult<TaskValue>[];
}

/** The selected node ids; every node when nothing is selected. Throws SelectorError before anything opens. */
export function selectFrom(project: Project, selection: Pick<Selection, 'select' | 'exclude'>): Set<string> {
  if (selection.select.length === 0 && selection.exclude.length === 0) return new Set(project.graph.nodes());
  return selectNodes(project.graph, selection.select.length === 0 ? ['*'] : selection.select, selection.exclude);
}

/** Plans the selected nodes for the weeks against what the warehouse already holds. */
export async function planRun(
  warehouse: Warehouse,
  project: Project,
  selected: ReadonlySet<string>,
  weeks: readonly IsoWeek[],
  firstWeek?: IsoWeek,
): Promise<TaskGraph> {
  const stored = new Set<string>();
  for (const domain of project.domains) {
    await ensureScorecardTable(warehouse.db, domain);
    for (const key of await storedWeeks(warehouse.db, domain)) stored.add(`${domain}:${key}`);
  }
  return planTasks({
    graph: project.graph,
    selected,
    weeks,
    ...(firstWeek ? { firstWeek } : {}),
    isStored: (nodeId, week) => {
      const node = project.graph.getNodeAttributes(nodeId);
      return node.kind === 'kpi' && stored.has(`${node.declaration.domain}:${kpiNumberLabel(node.declaration.number)}@${week.id}`);
    },
  });
}

/**
 * A whole run: validate, plan, execute, and record every node-run in the ledger. Declaration
 * and selector errors throw before anything is written; node failures are results.
 */
export async function runPipeline(options: RunOptions): Promise<RunOutcome> {
  const project = await loadProject(options.config, options.nodesDir);
  const selected = selectFrom(project, options);
  const runId = newRunId();
  const log = options.log.child({ run: runId });
  const warehouse = await openWarehouse(options.config, log);
  const runner = new TaskRunner({
    config: options.config,
    graph: project.graph,
    warehouse,
    sheets: options.sheets ?? localSheetReader(options.config.paths.root),
    sinkFor: options.sinkFor ?? (() => xlsxSink(options.config.paths.scorecards)),
    log,
  });
  try {
    const tasks = await planRun(warehouse, project, selected, options.weeks, firstWeekOf(options.config));
    const printDate = localTimestamp(currentInstant(), options.config.timeZone);
    await startRun(warehouse.db, {
      runId,
      command: options.command,
      selection: [...options.select, ...options.exclude.map((selector) => `--exclude ${selector}`)].join(' ') || '*',
      weeks: options.weeks.map((week) => week.id).join(','),
      concurrency: options.concurrency,
    });
    log.info({ tasks: tasks.order, warehouse: warehouse.location }, `run ${runId}: ${tasks.order} tasks`);

    const results = await execute<TaskValue>(tasks, {
      concurrency: options.concurrency,
      // One writer per scorecard: publishes of several weeks rewrite the same workbook.
      poolOf: (task) => (task.node.kind === 'publish' ? { name: `publish:${task.node.declaration.domain}`, concurrency: 1 } : undefined),
      ...(options.signal ? { signal: options.signal } : {}),
      run: (task, signal) => {
        log.debug({ node: task.node.id, week: task.week?.id }, 'start');
        return runner.run(task, signal);
      },
      settle: async (result) => {
        const { task } = result;
        const base = {
          runId,
          taskId: task.id,
          nodeId: task.node.id,
          ...(task.week ? { week: task.week.id } : {}),
          ...(result.startedAt ? { startedAt: result.startedAt } : {}),
          ...(result.finishedAt ? { finishedAt: result.finishedAt } : {}),
          ...(result.durationMs !== undefined ? { durationMs: result.durationMs } : {}),
        };
        if (result.status === 'failed') {
          log.error({ node: task.node.id, week: task.week?.id }, result.error?.message ?? 'failed');
          await recordNodeRun(warehouse.db, { ...base, status: 'failed', error: result.error?.message ?? 'failed' });
          return;
        }
        const value = result.value;
        if (value?.kind === 'kpi' && task.node.kind === 'kpi' && task.week) {
          const { declaration } = task.node;
          const week = task.week;
          await warehouse.db.transaction().execute(async (trx) => {
            await upsertScorecardValue(trx, {
              domain: declaration.domain,
              scorecardName: publishOf(project.graph, declaration.domain)?.scorecard ?? capitalise(declaration.domain),
              kpiNumber: declaration.number,
              name: declaration.name,
              details: declaration.details ?? '',
              week,
              value: value.value,
              printDate,
              runId,
            });
            await recordNodeRun(trx, { ...base, status: 'succeeded', value: value.value });
          });
          log.info({ node: task.node.id, week: week.id, value: value.value, ms: Math.round(result.durationMs ?? 0) }, 'stored');
          return;
        }
        await recordNodeRun(warehouse.db, { ...base, status: 'succeeded' });
      },
    });

    const blocked = [...results.values()].filter((result) => result.status === 'blocked');
    for (const result of blocked) {
      await recordNodeRun(warehouse.db, {
        runId,
        taskId: result.task.id,
        nodeId: result.task.node.id,
        ...(result.task.week ? { week: result.task.week.id } : {}),
        status: 'blocked',
        error: `blocked by ${result.blockedBy}`,
      });
    }
    const status = [...results.values()].every((result) => result.status === 'succeeded') ? 'succeeded' : 'failed';
    await finishRun(warehouse.db, runId, status);
    return { runId, status, tasks, results: orderResults(tasks, results) };
  } finally {
    await runner.close();
    await warehouse.close();
  }
}

function orderResults(tasks: TaskGraph, results: Map<string, TaskResult<TaskValue>>): TaskResult<TaskValue>[] {
  return tasks.nodes().flatMap((id) => {
    const result = results.get(id);
    return result ? [result] : [];
  });
}

export function firstWeekOf(config: Config): IsoWeek | undefined {
  return config.firstWeek === undefined ? undefined : IsoWeek.parse(config.firstWeek);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
