import { checkFailure, failedChecks } from './checks.ts';
import type { CheckOutcome } from './checks.ts';
import type { TaskResult } from './executor.ts';
import { describeValue, statusOf } from '../reports/summary.ts';
import type { TaskValue } from './task-runner.ts';

/**
 * What a run tells its watchers as it goes: the live view, the `--json` stream, the log and
 * the alert are all built from these events. Field names are part of the `--json` contract
 * (see the README): add fields, never rename them.
 */

export type TaskOutcome = 'succeeded' | 'fresh' | 'check failed' | 'failed' | 'blocked';
export type RunOutcomeStatus = 'succeeded' | 'failed' | 'interrupted';

export interface RunStartedEvent {
  readonly event: 'run started';
  readonly runId: string;
  readonly command: string;
  readonly tasks: number;
  readonly weeks: readonly string[];
  readonly logFile?: string;
  readonly at: string;
}

export interface TaskStartedEvent {
  readonly event: 'task started';
  readonly runId: string;
  readonly task: string;
  readonly node: string;
  readonly week: string | null;
  readonly at: string;
}

export interface TaskFinishedEvent {
  readonly event: 'task finished';
  readonly runId: string;
  readonly task: string;
  readonly node: string;
  readonly week: string | null;
  readonly status: TaskOutcome;
  /** A KPI's value (null when it has none); absent for sources and publishes. */
  readonly value?: number | null;
  /** The value as the scorecard shows it (`20.41%`), or what a source or publish did. */
  readonly display: string;
  readonly durationMs: number | null;
  /** Why it ran (`never run; code changed`), `fresh`, or for a failure, a failed check or a block the first line of the error. */
  readonly reason: string;
  /** A KPI's failed checks (`error` and `warn`), when any failed. */
  readonly failedChecks?: readonly CheckOutcome[];
  readonly at: string;
}

export type TaskCounts = Record<TaskOutcome, number>;

export interface RunFinishedEvent {
  readonly event: 'run finished';
  readonly runId: string;
  readonly status: RunOutcomeStatus;
  readonly counts: TaskCounts;
  readonly failed: readonly { readonly task: string; readonly error: string }[];
  readonly published: readonly string[];
  /** `restated success.kpi06 2026-W08: 15 → 17` for each published value the run changed. */
  readonly restatements: readonly string[];
  readonly durationMs: number;
  readonly logFile?: string;
  readonly at: string;
}

/** A value that was already published changed. */
export interface ValueRestatedEvent {
  readonly event: 'value restated';
  readonly runId: string;
  readonly nodeId: string;
  readonly week: string;
  readonly previous: number | null;
  readonly value: number | null;
  /** When the previous value was published. */
  readonly publishedAt: string;
  /** `restated success.kpi06 2026-W08: 15 → 17` */
  readonly display: string;
  readonly at: string;
}

export type RunEvent = RunStartedEvent | TaskStartedEvent | TaskFinishedEvent | ValueRestatedEvent | RunFinishedEvent;

/** Receives every event of a run, in order. */
export type RunEventListener = (event: RunEvent) => void;

export const emptyCounts = (): TaskCounts => ({ succeeded: 0, fresh: 0, 'check failed': 0, failed: 0, blocked: 0 });

/** Why a task failed: its error, or its failed `error` checks. */
function failureOf(result: TaskResult<TaskValue>): string {
  if (result.status === 'check failed' && result.value?.kind === 'kpi') return checkFailure(result.value.checks);
  return result.error?.message ?? 'failed';
}

export const now = () => new Date().toISOString();

/** The `task finished` event of a settled task. */
export function taskFinished(runId: string, result: TaskResult<TaskValue>): TaskFinishedEvent {
  const { task, value } = result;
  const status = statusOf(result) as TaskOutcome;
  const firstLine = (text: string) => text.split('\n')[0]!;
  const failed = value?.kind === 'kpi' ? failedChecks(value.checks) : [];
  const reason =
    result.status === 'failed' || result.status === 'check failed'
      ? firstLine(failureOf(result))
      : result.status === 'blocked'
        ? `blocked by ${result.blockedBy}`
        : value && value.kind !== 'source'
          ? value.fresh
            ? 'fresh'
            : value.reasons.join('; ')
          : '';
  return {
    event: 'task finished',
    runId,
    task: task.id,
    node: task.node.id,
    week: task.week?.id ?? null,
    status,
    ...(value?.kind === 'kpi' ? { value: value.value } : {}),
    display: describeValue(result),
    durationMs: result.durationMs === undefined ? null : Math.round(result.durationMs),
    reason,
    ...(failed.length > 0 ? { failedChecks: failed } : {}),
    at: now(),
  };
}

/** The counts, failures and publish destinations of a run's results. */
export function tally(results: Iterable<TaskResult<TaskValue>>): Pick<RunFinishedEvent, 'counts' | 'failed' | 'published'> {
  const counts = emptyCounts();
  const failed: { task: string; error: string }[] = [];
  const published: string[] = [];
  for (const result of results) {
    counts[statusOf(result) as TaskOutcome]++;
    if (result.status === 'failed' || result.status === 'check failed') failed.push({ task: result.task.id, error: failureOf(result).split('\n')[0]! });
    // Withheld (a source not fresh enough): blocked with its reason, which an alert must say.
    else if (result.status === 'blocked' && result.value !== undefined) failed.push({ task: result.task.id, error: `blocked by ${result.blockedBy}` });
    if (result.value?.kind === 'publish' && result.value.report) published.push(`${result.value.report.location} [${result.value.report.tab}]`);
  }
  return { counts, failed, published };
}
