import { scrubSecrets } from './secrets.ts';

/** Anything thrown, as an Error; a non-Error becomes the `cause` of one. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : `non-error thrown: ${JSON.stringify(thrown)}`, { cause: thrown });
}

/** A node failed while computing: names the node, the week and the file, and keeps the original error as `cause`. */
export class NodeError extends Error {
  readonly code = 'node';

  constructor(
    readonly taskId: string,
    readonly file: string | undefined,
    cause: Error,
  ) {
    // The message reaches the summary, the ledger and alerts: no credential a driver or a KPI put in it.
    super(`${taskId}${file ? ` (${file})` : ''}: ${scrubSecrets(cause.message)}`, { cause });
    this.name = 'NodeError';
  }
}

/** A source (warehouse table, spreadsheet range) could not be read or cleaned. */
export class SourceError extends Error {
  readonly code = 'source';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SourceError';
  }
}

/** The command was understood but would lose or mix data (seeding over other data): nothing was done. Exit code 2. */
export class RefusedError extends Error {
  readonly code = 'refused';

  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

/** A file that could not be written, said plainly: a full disk names the path and the lack of space. */
export function writeFailure(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOSPC' ? 'no space left on device' : code === 'EDQUOT' ? 'disk quota exceeded' : coerceError(error).message;
  return new Error(`${reason} writing ${path}`, { cause: error });
}
