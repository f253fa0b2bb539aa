import { Kysely, PostgresDialect } from 'kysely';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { ConfigError } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { WAREHOUSE_PATIENCE_MS, isTransient, withWarehouseRetry } from '../../engine/retry.ts';
import { cancellation } from './cancellation.ts';
import type { Connection } from './warehouse.ts';

/** A connection attempt that gets no answer fails after this long (then it is retried, see withWarehouseRetry). */
const CONNECT_TIMEOUT_MS = 10_000;
const POOL_SIZE = 8;

/** The warehouse could not be reached, refused us, or went away for good: one line saying which and where. */
export class WarehouseConnectionError extends Error {
  readonly code = 'warehouse';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WarehouseConnectionError';
  }
}

/** The warehouse stayed away longer than WAREHOUSE_PATIENCE_MS: the run ends, and nothing retries it. */
export class WarehouseLostError extends WarehouseConnectionError {
  readonly transient = false;
}

/** pg's settings for `url`. A malformed URL is a configuration error (exit 2), said without the URL's password. */
export function connectionSettings(url: string): pg.ClientConfig {
  const expected = 'expected a URL like postgres://user@host:5432/database';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`DATABASE_URL is not a valid URL: ${expected}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL starts with "${parsed.protocol}", not "postgres:": ${expected}`);
  }
  return { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true };
}

/** Where `url` points, for messages: `host:port` and the database. */
export function serverOf(url: string): { readonly address: string; readonly database: string } {
  const parsed = new URL(url);
  return {
    address: `${parsed.hostname || 'localhost'}:${parsed.port || 5432}`,
    // pg's default database is the user's name.
    database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres',
  };
}

/** Why connecting to `url` failed, in one line: unreachable, login refused, no such database, or the server's own reason. */
export function connectionFailure(url: string, error: unknown): WarehouseConnectionError {
  const reason = (error as Error).message;
  const code = (error as { code?: unknown }).code;
  const { address, database } = serverOf(url);
  const user = decodeURIComponent(new URL(url).username) || 'the default user';
  const message =
    code === '28P01' || code === '28000'
      ? `the warehouse at ${address}/${database} refused the login of ${user}: ${reason}`
      : code === '3D000'
        ? `the warehouse at ${address} has no database ${database}: ${reason}`
        : // No SQLSTATE: the server never answered (a system error such as ECONNREFUSED, or a timeout).
          typeof code !== 'string' || /^E[A-Z]+$/.test(code)
          ? `cannot reach the warehouse at ${address}/${database}: ${reason}`
          : `the warehouse at ${address}/${database} refused the connection: ${reason}`;
  return new WarehouseConnectionError(message, { cause: error });
}

/** The warehouse stayed away through the retries (a transient `error` each time). */
export function unreachable(url: string, error: unknown): WarehouseLostError {
  const { address, database } = serverOf(url);
  return new WarehouseLostError(`the warehouse at ${address}/${database} has been unreachable for ${WAREHOUSE_PATIENCE_MS / 1000} s: ${(error as Error).message}`, { cause: error });
}

/**
 * A PostgreSQL warehouse at `url` (a `postgres://` connection string). A connection that
 * breaks (a terminated backend, a restart, a failover) never crashes the process: the query
 * on it fails as transient and is retried on a new connection, and new connections wait for
 * the server for up to WAREHOUSE_PATIENCE_MS. Longer, and the warehouse is `lost`. Queries
 * started under `cancelledBy` are cancelled on the server when its signal aborts.
 */
export function openPostgres(url: string, log: Logger): Connection {
  const settings = connectionSettings(url);
  const pool = new pg.Pool({ ...settings, max: POOL_SIZE });
  // A connection that breaks while idle is dropped by the pool, which then emits the error:
  // without a listener that would crash the process.
  pool.on('error', (error) => log.debug({ err: error.message }, 'an idle warehouse connection was lost'));
  // One that breaks in use fails its query, which says so; pg emits the error on the client too.
  pool.on('connect', (client) => client.on('error', () => undefined));

  const lost = new AbortController();
  let reached = false;
  const connect = async (): Promise<pg.PoolClient> => {
    lost.signal.throwIfAborted();
    // Never reached: a wrong host, port, password or database fails at once, in one line.
    if (!reached) {
      const client = await pool.connect().catch((error: unknown) => {
        throw connectionFailure(url, error);
      });
      reached = true;
      return client;
    }
    const cancelled = cancellation();
    try {
      return await withWarehouseRetry(() => pool.connect(), { log, what: 'connecting', signal: AbortSignal.any([lost.signal, ...(cancelled ? [cancelled] : [])]) });
    } catch (error) {
      if (lost.signal.aborted) throw lost.signal.reason;
      if (cancelled?.aborted || !isTransient(error)) throw error;
      lost.abort(unreachable(url, error));
      throw lost.signal.reason;
    }
  };

  const cancellable = (client: pg.PoolClient): PostgresPoolClient => {
    // A client whose query was cancelled is closed, not reused: the cancel may land after the query ended.
    let cancelSent = false;
    function query<R>(text: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query(text: string | PostgresCursor<unknown>, parameters?: readonly unknown[]): unknown {
      const signal = cancellation();
      if (typeof text !== 'string') return client.query(text as unknown as pg.Submittable);
      if (!signal) return client.query(text, parameters as unknown[]);
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      const cancel = () => {
        cancelSent = true;
        void cancelBackend(settings, (client as pg.PoolClient & { processID?: number }).processID, log);
      };
      signal.addEventListener('abort', cancel, { once: true });
      return client.query(text, parameters as unknown[]).finally(() => signal.removeEventListener('abort', cancel));
    }
    return { query, release: (destroy) => client.release(destroy === true || cancelSent) };
  };

  const dialectPool: PostgresPool = {
    connect: async () => cancellable(await connect()),
    end: () => pool.end(),
    options: pool.options,
  };
  const db = new Kysely({ dialect: new PostgresDialect({ pool: dialectPool }) });
  return { engine: 'postgres', db, location: redact(url), lost: lost.signal, close: () => db.destroy() };
}

/** Cancels what backend `pid` is running, from a connection of its own: the pool's may all be busy. */
async function cancelBackend(settings: pg.ClientConfig, pid: number | undefined, log: Logger): Promise<void> {
  if (pid === undefined) return;
  const control = new pg.Client(settings);
  control.on('error', () => undefined);
  try {
    await control.connect();
    await control.query('select pg_cancel_backend($1)', [pid]);
  } catch (error) {
    log.warn({ pid }, `could not cancel a query on the warehouse: ${(error as Error).message}`);
  } finally {
    await control.end().catch(() => undefined);
  }
}

/** The URL without its password, for logs and messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres (unparseable DATABASE_URL)';
  }
}
