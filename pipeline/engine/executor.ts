import { performance } from 'node:perf_hooks';
import type { Task, TaskGraph } from '../../graph/plan.ts';
import { compareCodePoints } from '../../graph/text.ts';
import { coerceError } from '../errors.ts';

/** `check failed`: the task produced its value, but it failed a blocking check, so its descendants are blocked as after a failure. */
export type TaskStatus = 'succeeded' | 'check failed' | 'failed' | 'blocked';

/** `blockedBy` of the tasks an interrupt kept from starting. */
export const INTERRUPTED = 'interrupted';

export interface TaskResult<V> {
  readonly task: Task;
  readonly status: TaskStatus;
  readonly value?: V;
  readonly error?: Error;
  /** For a blocked task: the failed (or check failed) task upstream of it. */
  readonly blockedBy?: string;
  /** Epoch milliseconds: a Temporal instant per task cost more than running a no-op task. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly durationMs?: number;
}

/** A named limit inside the global one, e.g. one writer per workbook or one Google Sheets call at a time. */
export interface Pool {
  readonly name: string;
  readonly concurrency: number;
}

export interface ExecuteOptions<V> {
  readonly concurrency: number;
  /** Pools a task must also get a slot in, besides the global limit. */
  poolsOf?(task: Task): readonly Pool[];
  /** Told just before a task runs (not for tasks blocked or skipped by an interrupt). */
  started?(task: Task): void;
  /** Runs one task; what it resolves to is the task's value, what it throws fails it. */
  run(task: Task, signal: AbortSignal): Promise<V>;
  /** Whether a value failed a blocking check: the task is `check failed`, its value settled, its descendants blocked. */
  checkFailed?(value: V): boolean;
  /**
   * Why a task's value is withheld (computed from a source not fresh enough), if it is: the
   * task is `blocked` with that reason, and so are its descendants, except those that run
   * without it (see runsWithoutWithheld).
   */
  withheld?(value: V): string | undefined;
  /** Whether a task runs although a value it reads is withheld (a publish: the cell keeps what it had). */
  runsWithoutWithheld?(task: Task): boolean;
  /**
   * Persists a finished task (its value and ledger entry) before its dependents start; if it
   * throws, the task counts as failed.
   */
  settle?(result: TaskResult<V>): Promise<void>;
  /**
   * Tasks that take no global slot and start only once no other task waits for one: in-process
   * work that gains from going together (workbook publishes: their sink writes what arrives at
   * once in one go).
   */
  runsLast?(task: Task): boolean;
  /** Once aborted, no task starts; running ones go on (a graceful stop). */
  readonly stop?: AbortSignal;
  /** Handed to running tasks: aborted to cancel them too. */
  readonly signal?: AbortSignal;
}

/**
 * Runs a task graph: a task starts as soon as every task it depends on has succeeded, up to
 * `concurrency` at a time (and its pool's limit). A failure (or a failed check) blocks its descendants only;
 * every other branch runs to the end. Resolves to one result per task, never rejects for a
 * task's failure.
 */
export async function execute<V>(tasks: TaskGraph, options: ExecuteOptions<V>): Promise<Map<string, TaskResult<V>>> {
  const queue = new Slots(options.concurrency);
  const pools = new Map<string, Slots>();
  const results = new Map<string, TaskResult<V>>();
  const waitingOn = new Map<string, number>();
  const signal = options.signal ?? new AbortController().signal;
  const stopped = () => signal.aborted || options.stop?.aborted === true;
  let outstanding = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  // A pooled task takes its pool slots first (in name order, so two tasks never wait on each
  // other's), then a global one: waiting for a narrow pool never holds a global slot.
  const enqueue = (task: Task, job: () => Promise<void>, globalSlot: boolean): Promise<void> => {
    const needed = [...(options.poolsOf?.(task) ?? [])].sort((a, b) => compareCodePoints(a.name, b.name));
    const acquire = (index: number): Promise<void> => {
      const pool = needed[index];
      if (!pool) return globalSlot ? queue.run(job) : job();
      let slots = pools.get(pool.name);
      if (!slots) {
        slots = new Slots(pool.concurrency);
        pools.set(pool.name, slots);
      }
      return slots.run(() => acquire(index + 1));
    };
    return acquire(0);
  };

  const settle = async (result: TaskResult<V>): Promise<TaskResult<V>> => {
    if (!options.settle) return result;
    try {
      await options.settle(result);
      return result;
    } catch (error) {
      if (result.status === 'failed') return result;
      const { value: _discarded, ...rest } = result;
      const failed: TaskResult<V> = { ...rest, status: 'failed', error: coerceError(error) };
      await options.settle(failed).catch(() => undefined);
      return failed;
    }
  };

  // Walks the descendants with its own stack: a chain of thousands of tasks would overflow the call stack.
  // A withheld value blocks them too, but one that runs without it only stops waiting for it.
  const block = (id: string, failed: string, withheld = false) => {
    const reached = [id];
    for (let current = reached.pop(); current !== undefined; current = reached.pop()) {
      for (const next of tasks.outNeighbors(current)) {
        if (results.has(next)) continue;
        const task = tasks.getNodeAttributes(next);
        if (withheld && options.runsWithoutWithheld?.(task)) {
          stopWaiting(next);
          continue;
        }
        results.set(next, { task, status: 'blocked', blockedBy: failed });
        reached.push(next);
      }
    }
  };
  const stopWaiting = (next: string) => {
    const remaining = waitingOn.get(next)! - 1;
    waitingOn.set(next, remaining);
    if (remaining === 0) schedule(next);
  };

  const runTask = async (task: Task): Promise<TaskResult<V>> => {
    // A turn of the event loop before each task: an embedded warehouse answers in microtasks, and
    // a run chaining its tasks on them alone would starve signals and timers (a stop, a time
    // limit) until the whole run ended.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // After an interrupt nothing new starts: the task is blocked, and `retry` picks it up.
    if (stopped()) return settle({ task, status: 'blocked', blockedBy: INTERRUPTED });
    const startedAt = Date.now();
    const start = performance.now();
    const timing = () => ({ startedAt, finishedAt: Date.now(), durationMs: performance.now() - start });
    try {
      signal.throwIfAborted();
      options.started?.(task);
      const value = await options.run(task, signal);
      const withheld = options.withheld?.(value);
      if (withheld !== undefined) return settle({ task, status: 'blocked', blockedBy: withheld, value, ...timing() });
      return settle({ task, status: options.checkFailed?.(value) ? 'check failed' : 'succeeded', value, ...timing() });
    } catch (error) {
      // Cancelled by a second stop request: interrupted like the tasks that never started, for `retry`.
      if (signal.aborted) return settle({ task, status: 'blocked', blockedBy: INTERRUPTED, ...timing() });
      return settle({ task, status: 'failed', error: coerceError(error), ...timing() });
    }
  };

  // Ready tasks that run last (see ExecuteOptions.runsLast), started together once no task waits for a slot.
  const last: string[] = [];
  const schedule = (id: string) => {
    outstanding++;
    if (options.runsLast?.(tasks.getNodeAttributes(id))) last.push(id);
    else void enqueue(tasks.getNodeAttributes(id), () => runScheduled(id), true);
  };
  const startLast = () => {
    if (queue.waiting > 0) return;
    for (const id of last.splice(0)) void enqueue(tasks.getNodeAttributes(id), () => runScheduled(id), false);
  };
  const runScheduled = async (id: string) => {
    const result = await runTask(tasks.getNodeAttributes(id));
    results.set(id, result);
    if (result.status === 'failed' || result.status === 'check failed') block(id, id);
    // A withheld task keeps its value; one an interrupt kept from starting has none.
    else if (result.status === 'blocked') block(id, result.blockedBy ?? id, result.value !== undefined);
    // No array per finished task: on a graph of no-op tasks that allocation is the scheduler's cost.
    else tasks.forEachOutNeighbor(id, stopWaiting);
    startLast();
    if (--outstanding === 0) finish();
  };

  const ready: string[] = [];
  tasks.forEachNode((id) => {
    const count = tasks.inDegree(id);
    waitingOn.set(id, count);
    if (count === 0) ready.push(id);
  });
  // Only the tasks that can start are put in order: sorting every task cost more than running no-op ones.
  for (const id of ready.sort(compareCodePoints)) schedule(id);
  startLast();
  if (outstanding === 0) finish();
  await finished;
  return results;
}

/**
 * At most `limit` jobs at once; the others wait their turn in order. Kept this small on
 * purpose: a general queue's events, timeouts and intervals cost more than the scheduling
 * itself on a graph of small tasks (`pnpm bench`, scheduler overhead).
 */
class Slots {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** How many jobs wait for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    // A finished job hands its slot to the first waiting one, so a newcomer never takes it first.
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await job();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
