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
}

/**
 * Runs `work` until it succeeds, a failure is not retryable, or the attempts run out.
 * Delays grow exponentially with full jitter, so clients that failed together do not retry
 * together.
 */
export async function withRetry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.isRetryable(error)) throw error;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.random() * ceiling);
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
