import { setTimeout as sleep } from 'node:timers/promises';
import { cancelledBy } from './connectors/warehouse/cancellation.ts';
import type { Logger } from './log.ts';

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
  /** No retry starts later than this after the first attempt: a deadline, whatever the attempts left. */
  readonly withinMs?: number;
}

/**
 * Runs `work` until it succeeds, a failure is not retryable, or the attempts run out.
 * Delays grow exponentially with full jitter, so clients that failed together do not retry
 * together.
 */
export async function withRetry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.isRetryable(error) || options.signal?.aborted) throw error;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.random() * ceiling);
      if (options.withinMs !== undefined && performance.now() - started + delayMs > options.withinMs) throw error;
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : {});
    }
  }
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
  const timeout = AbortSignal.timeout(ms);
  const signal = parent ? AbortSignal.any([parent, timeout]) : timeout;
  const timedOut = () => new TimeoutError(`${what ? `${what} ` : ''}timed out after ${ms / 1000} s (tasks.timeoutSeconds)`);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timeout.aborted ? timedOut() : (signal.reason as Error));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    cancelledBy(signal, () => work(signal))
      // PGlite's queries hold this thread, timers too: one that ran past the limit fails all the same.
      .then((value) => (performance.now() - started > ms ? reject(timedOut()) : resolve(value)), reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}
