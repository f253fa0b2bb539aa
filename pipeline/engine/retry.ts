import { setTimeout as sleep } from 'node:timers/promises';
import { cancelledBy } from '../connectors/warehouse/cancellation.ts';
import type { Logger } from '../log.ts';

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface RetryOptions extends RetryPolicy {
  /** Whether a failure is transient (HTTP 429/5xx, a reset connection). */
  isRetryable(error: unknown): boolean;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  readonly signal?: AbortSignal;
  /** How to wait; tests pass one that only records the delay. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** No retry starts later than this after the first attempt: a deadline, whatever the attempts left. */
  readonly withinMs?: number;
}

/**
 * The wait after failed attempt `attempt` (1-based): truncated exponential back-off with
 * jitter, as Google advises, `min(max, base · 2^(attempt-1) + random · base)`. The jitter is
 * added, not taken off, so a policy's total wait has a floor: clients that failed together
 * do not retry together, and a quota window is waited out for sure.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: number = Math.random()): number {
  return Math.round(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1) + random * policy.baseDelayMs));
}

/**
 * Runs `work` until it succeeds, a failure is not retryable, or the attempts run out, waiting
 * between attempts as backoffDelay says, or as long as the server's Retry-After asks (up to
 * `maxDelayMs`).
 */
export async function withRetry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const wait = options.sleep ?? ((ms, signal) => sleep(ms, undefined, signal ? { signal } : {}));
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.isRetryable(error) || options.signal?.aborted) throw error;
      const delayMs = Math.min(options.maxDelayMs, Math.max(backoffDelay(options, attempt), retryAfterMs(error) ?? 0));
      if (options.withinMs !== undefined && performance.now() - started + delayMs > options.withinMs) throw error;
      options.onRetry?.(error, attempt, delayMs);
      await wait(delayMs, options.signal);
    }
  }
}

/** How long an HTTP answer asks to wait before trying again (`Retry-After`: seconds or a date), if it says. */
export function retryAfterMs(error: unknown, now: number = Date.now()): number | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const value = (cause as { response?: { headers?: { get?(name: string): string | null } } }).response?.headers?.get?.('retry-after');
    if (!value) continue;
    const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
    return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
  }
  return undefined;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  // PostgreSQL: serialization failure, deadlock, server shutting down or restarting.
  '40001',
  '40P01',
  '57P01',
  '57P02',
  '57P03',
]);
/** PostgreSQL's connection exceptions (SQLSTATE class 08). */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;
/** pg's own errors for a connection that broke or could not be made in time: they carry no code. */
const LOST_CONNECTION = /^(Connection terminated unexpectedly|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/;

/** 429 and 5xx answers, connections that broke on the way, and database errors worth a second try. */
export function isTransient(error: unknown): boolean {
  // A connector that already retried says so, so that retries do not stack.
  if ((error as { transient?: unknown } | undefined)?.transient === false) return false;
  const status = httpStatusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && (TRANSIENT_CODES.has(code) || CONNECTION_EXCEPTION.test(code))) return true;
    if (cause.name === 'TimeoutError' || cause.message === 'fetch failed' || LOST_CONNECTION.test(cause.message)) return true;
  }
  return false;
}

/** The HTTP status of a failed request, from ky's HTTPError or an error that carries one. */
export function httpStatusOf(error: unknown): number | undefined {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const response = (cause as { response?: { status?: unknown } }).response;
    if (typeof response?.status === 'number') return response.status;
    const status = (cause as { status?: unknown }).status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

/** How long a warehouse that went away (a restart, a failover, terminated connections) is waited for. */
export const WAREHOUSE_PATIENCE_MS = 30_000;

/**
 * Runs `work`, retrying it on a new connection while the warehouse is away, for up to
 * WAREHOUSE_PATIENCE_MS: delays from half a second to five, so a restart or a failover is
 * ridden out. Only transient failures are retried (see isTransient).
 */
export function withWarehouseRetry<T>(work: () => Promise<T>, options: { readonly log: Logger; readonly what: string; readonly signal?: AbortSignal }): Promise<T> {
  return withRetry(work, {
    attempts: Number.POSITIVE_INFINITY,
    baseDelayMs: 500,
    maxDelayMs: 5000,
    withinMs: WAREHOUSE_PATIENCE_MS,
    isRetryable: isTransient,
    ...(options.signal ? { signal: options.signal } : {}),
    onRetry: (error, attempt, delayMs) => options.log.warn({ attempt, delayMs }, `${options.what}: the warehouse connection failed (${(error as Error).message}); retrying in ${(delayMs / 1000).toFixed(1)} s`),
  });
}

/** A task ran past its time limit. */
export class TimeoutError extends Error {
  readonly code = 'timeout';
}

/**
 * Runs `work` with a signal that aborts at `ms` or with `parent`, and rejects at that moment
 * even if `work` ignores the signal: a hung query or API call cannot hold the run. The
 * warehouse queries `work` started are cancelled on the server at that moment too.
 */
export function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, parent?: AbortSignal, what?: string): Promise<T> {
  const started = performance.now();
  const timedOut = () => new TimeoutError(`${what ? `${what} ` : ''}timed out after ${ms / 1000} s (tasks.timeoutSeconds)`);
  if (parent?.aborted) return Promise.reject(parent.reason as Error);
  // One controller and one timer, linked to the parent by hand: AbortSignal.timeout and
  // AbortSignal.any cost more than a fresh task's whole assessment (1,000 tasks: 90 ms).
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const abort = (reason: Error) => {
      controller.abort(reason);
      reject(reason);
    };
    const timer = setTimeout(() => abort(timedOut()), ms);
    timer.unref();
    const onParentAbort = () => abort(parent!.reason as Error);
    parent?.addEventListener('abort', onParentAbort, { once: true });
    cancelledBy(controller.signal, () => work(controller.signal))
      // PGlite's queries hold this thread, timers too: one that ran past the limit fails all the same.
      .then((value) => (performance.now() - started > ms ? reject(timedOut()) : resolve(value)), reject)
      .finally(() => {
        clearTimeout(timer);
        parent?.removeEventListener('abort', onParentAbort);
      });
  });
}
