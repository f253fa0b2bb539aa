import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` so that the warehouse queries it starts, however deep (a KPI's compute, a
 * table's fingerprint, a ledger write), are cancelled on the server when `signal` aborts: a
 * time limit or a stop leaves nothing of the run running or waiting there. Only PostgreSQL
 * queries can be cancelled: PGlite runs one query at a time on this thread.
 */
export function cancelledBy<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return scope.run(signal, work);
}

/** The signal that cancels the queries started here, if any. */
export function cancellation(): AbortSignal | undefined {
  return scope.getStore();
}
