import { setTimeout as sleep } from 'node:timers/promises';

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
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.isRetryable(error)) throw error;
      const delayMs = Math.min(options.maxDelayMs, Math.max(backoffDelay(options, attempt), retryAfterMs(error) ?? 0));
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

/** 429 and 5xx answers, connections that broke on the way, and database errors worth a second try. */
export function isTransient(error: unknown): boolean {
  // A connector that already retried says so, so that retries do not stack.
  if ((error as { transient?: unknown } | undefined)?.transient === false) return false;
  const status = httpStatusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && (TRANSIENT_CODES.has(code) || CONNECTION_EXCEPTION.test(code))) return true;
    if (cause.name === 'TimeoutError' || cause.message === 'fetch failed') return true;
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

/** A task ran past its time limit. */
export class TimeoutError extends Error {
  readonly code = 'timeout';
}

/**
 * Runs `work` with a signal that aborts at `ms` or with `parent`, and rejects at that moment
 * even if `work` ignores the signal: a hung query or API call cannot hold the run.
 */
export function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, parent: AbortSignal): Promise<T> {
  const timeout = AbortSignal.timeout(ms);
  const signal = AbortSignal.any([parent, timeout]);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(timeout.aborted ? new TimeoutError(`timed out after ${ms / 1000} s (tasks.timeoutSeconds)`) : (signal.reason as Error));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work(signal)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}
