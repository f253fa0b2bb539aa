import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import { Temporal } from 'temporal-polyfill';
import type { Task, TaskGraph } from '../graph/plan.ts';
import { coerceError } from './errors.ts';

export type TaskStatus = 'succeeded' | 'failed' | 'blocked';

export interface TaskResult<V> {
  readonly task: Task;
  readonly status: TaskStatus;
  readonly value?: V;
  readonly error?: Error;
  /** For a blocked task: the failed task upstream of it. */
  readonly blockedBy?: string;
  readonly startedAt?: Temporal.Instant;
  readonly finishedAt?: Temporal.Instant;
  readonly durationMs?: number;
}

export interface ExecuteOptions<V> {
  readonly concurrency: number;
  /** Runs one task; what it resolves to is the task's value, what it throws fails it. */
  run(task: Task, signal: AbortSignal): Promise<V>;
  /**
   * Persists a finished task (its value and ledger entry) before its dependents start; if it
   * throws, the task counts as failed.
   */
  settle?(result: TaskResult<V>): Promise<void>;
  readonly signal?: AbortSignal;
}

/**
 * Runs a task graph: a task starts as soon as every task it depends on has succeeded, up to
 * `concurrency` at a time. A failure blocks its descendants only; every other branch runs
 * to the end. Resolves to one result per task, never rejects for a task's failure.
 */
export async function execute<V>(tasks: TaskGraph, options: ExecuteOptions<V>): Promise<Map<string, TaskResult<V>>> {
  const queue = new PQueue({ concurrency: options.concurrency });
  const results = new Map<string, TaskResult<V>>();
  const waitingOn = new Map<string, number>();
  const signal = options.signal ?? new AbortController().signal;

  const block = (id: string, failed: string) => {
    for (const next of tasks.outNeighbors(id)) {
      if (results.has(next)) continue;
      results.set(next, { task: tasks.getNodeAttributes(next), status: 'blocked', blockedBy: failed });
      block(next, failed);
    }
  };

  const settle = async (result: TaskResult<V>): Promise<TaskResult<V>> => {
    if (!options.settle) return result;
    try {
      await options.settle(result);
      return result;
    } catch (error) {
      if (result.status === 'failed') return result;
      const failed: TaskResult<V> = { ...result, status: 'failed', error: coerceError(error) };
      await options.settle(failed).catch(() => undefined);
      return failed;
    }
  };

  const schedule = (id: string) => {
    const task = tasks.getNodeAttributes(id);
    void queue.add(async () => {
      if (results.has(id)) return;
      const startedAt = Temporal.Now.instant();
      const start = performance.now();
      let result: TaskResult<V>;
      try {
        signal.throwIfAborted();
        const value = await options.run(task, signal);
        result = { task, status: 'succeeded', value, startedAt, finishedAt: Temporal.Now.instant(), durationMs: performance.now() - start };
      } catch (error) {
        result = { task, status: 'failed', error: coerceError(error), startedAt, finishedAt: Temporal.Now.instant(), durationMs: performance.now() - start };
      }
      result = await settle(result);
      results.set(id, result);
      if (result.status === 'failed') {
        block(id, id);
        return;
      }
      for (const next of tasks.outNeighbors(id)) {
        const remaining = waitingOn.get(next)! - 1;
        waitingOn.set(next, remaining);
        if (remaining === 0) schedule(next);
      }
    });
  };

  tasks.forEachNode((id) => waitingOn.set(id, tasks.inDegree(id)));
  for (const [id, count] of [...waitingOn].sort(([a], [b]) => a.localeCompare(b))) if (count === 0) schedule(id);
  await queue.onIdle();
  return results;
}
