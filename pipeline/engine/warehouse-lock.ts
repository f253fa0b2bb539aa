import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Config } from '../config.ts';
import { localTime } from '../reports/run-reports.ts';
import { connectionFailure, connectionSettings, unreachable, WarehouseLostError } from '../connectors/warehouse/postgres.ts';
import type { Logger } from '../log.ts';
import { isTransient, withWarehouseRetry } from './retry.ts';
import { processStat } from './processes.ts';

/**
 * One writer per warehouse. A run holds an exclusive lock from before it opens the warehouse
 * until after it closes it: a PostgreSQL session-level advisory lock on a DATABASE_URL
 * warehouse (released by the server when the process dies), a lock file beside the embedded
 * store otherwise (PGlite allows one process per store, so brief readers take it too).
 */

/** Who holds the lock, as the lock file records it. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** The run id, or `read` for a reader such as `status`. */
  readonly runId: string;
  readonly command: string;
  /** ISO instant. */
  readonly since: string;
  /** Readers hold the embedded store for a moment only: a run waits for them. */
  readonly purpose: 'run' | 'read';
  /** Start time of the holder's process (Linux), so a reused pid is not taken for the holder. */
  readonly processStart?: string;
  /** Distinguishes this holder from a later one with the same pid. */
  readonly token: string;
}

/** The warehouse is held by another process. Exit code 3. */
export class LockHeldError extends Error {
  readonly code = 'locked';

  constructor(
    readonly holder: Pick<LockHolder, 'runId' | 'command' | 'since' | 'pid' | 'host'>,
    readonly location: string,
    timeZone: string,
    purpose: LockRequest['purpose'] = 'run',
  ) {
    // Readers take no --wait: an embedded warehouse serves one process at a time, and a run holds it for its length.
    const hint = purpose === 'read' ? 'run this again once it has finished (an embedded warehouse serves one process at a time)' : 'wait for it to finish or add --wait';
    super(`${location} is in use by ${describeHolder(holder, timeZone)}; ${hint}`);
    this.name = 'LockHeldError';
  }
}

/** `run 2026…-3f9a1c (\`run …\`, pid 4242 on host) since 2026-11-23T08:15:02+01:00`: the time local, as every output gives it. */
export function describeHolder(holder: Pick<LockHolder, 'runId' | 'command' | 'since' | 'pid' | 'host'>, timeZone: string): string {
  const what = holder.runId === 'read' ? 'a reader' : `run ${holder.runId}`;
  const where = holder.pid > 0 ? `, pid ${holder.pid} on ${holder.host}` : '';
  return `${what} (\`${holder.command || '?'}\`${where}) since ${localTime(holder.since, timeZone)}`;
}

export interface HeldLock {
  release(): Promise<void>;
  /** Aborted, with the reason, when the lock was lost and could not be taken back: the run must end. */
  readonly lost: AbortSignal;
}

/** The lock file and a reader's non-lock cannot be lost. */
const KEPT = new AbortController().signal;

export interface LockRequest {
  readonly runId: string;
  readonly command: string;
  readonly purpose: 'run' | 'read';
  /** Seconds to wait for the holder to finish; `true` waits as long as it takes; default: no wait. */
  readonly wait?: number | true;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** For the times in messages (the configuration's). */
  readonly timeZone: string;
}

/** How long a run waits for a reader (`status`, `history`) that holds the embedded store. */
const READER_GRACE_MS = 30_000;
const POLL_MS = 250;

/** Takes the warehouse lock of the configured warehouse, or throws LockHeldError naming the holder. */
export function acquireWarehouseLock(config: Config, lockRequest: Omit<LockRequest, 'timeZone'>): Promise<HeldLock> {
  const request = { ...lockRequest, timeZone: config.timeZone };
  return config.databaseUrl ? advisoryLock(config.databaseUrl, request) : fileLock(lockFileOf(config), request);
}

export const lockFileOf = (config: Config) => join(config.paths.state, 'warehouse.lock');

/** Polls `attempt` until it takes the lock, the wait runs out (rethrowing the last LockHeldError) or the signal aborts. */
async function waitFor<T>(request: LockRequest, attempt: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let told = false;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error;
      const waited = performance.now() - started;
      const readerGrace = error.holder.runId === 'read' && waited < READER_GRACE_MS;
      const patience = request.wait === true ? Infinity : (request.wait ?? 0) * 1000;
      if (!readerGrace && waited >= patience) throw error;
      if (!told && !readerGrace) {
        request.log.info({ holder: error.holder }, `waiting for ${describeHolder(error.holder, request.timeZone)} to finish`);
        told = true;
      }
      await sleep(POLL_MS, undefined, request.signal ? { signal: request.signal } : undefined);
    }
  }
}

// ------------------------------------------------------------------ embedded: a lock file

function isAlive(holder: LockHolder): boolean {
  if (holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStat(holder.pid)?.start;
  return holder.processStart === undefined || start === undefined || start === holder.processStart;
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockHolder;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unreadable: a lock file is written whole and linked into place, so this one is damaged.
    const { mtime } = await stat(file).catch(() => ({ mtime: new Date(0) }));
    return { pid: 0, host: hostname(), runId: 'unknown', command: 'unknown', since: mtime.toISOString(), purpose: 'run', token: 'damaged' };
  }
}

async function fileLock(file: string, request: LockRequest): Promise<HeldLock> {
  await mkdir(join(file, '..'), { recursive: true });
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    runId: request.runId,
    command: request.command,
    since: new Date().toISOString(),
    purpose: request.purpose,
    token: randomBytes(8).toString('hex'),
    ...(processStat(process.pid) ? { processStart: processStat(process.pid)!.start } : {}),
  };
  // Written whole beside the lock, then hard-linked into place: link fails if the lock exists,
  // and a reader never sees a half-written holder.
  const draft = `${file}.${holder.token}`;
  await writeFile(draft, `${JSON.stringify(holder)}\n`);
  try {
    const lock = await waitFor(request, () => tryFileLock(file, draft, holder, request));
    return lock;
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

async function tryFileLock(file: string, draft: string, holder: LockHolder, { log, timeZone, purpose }: LockRequest): Promise<HeldLock> {
  for (;;) {
    try {
      await link(draft, file);
      return { release: () => releaseFile(file, holder.token), lost: KEPT };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readHolder(file);
    if (current === undefined) continue;
    if (current.host !== holder.host || isAlive(current)) throw new LockHeldError(current, `the embedded warehouse in ${dirname(file)}`, timeZone, purpose);
    // The holder died on this host: move its lock aside, and put it back if it turns out to
    // be another process's fresh lock (two processes taking over the same stale lock).
    const aside = `${file}.stale-${holder.token}`;
    try {
      await rename(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = await readHolder(aside);
    if (moved && moved.token !== current.token) {
      await rename(aside, file).catch(() => undefined);
      continue;
    }
    await unlink(aside).catch(() => undefined);
    log.warn({ stale: current }, `took over the warehouse lock left by ${describeHolder(current, timeZone)}, whose process is gone`);
  }
}

async function releaseFile(file: string, token: string): Promise<void> {
  const current = await readHolder(file);
  if (current?.token === token) await unlink(file).catch(() => undefined);
}

// ------------------------------------------------------------------ PostgreSQL: an advisory lock

/** The advisory lock's key: 'KPIF' and 1, one per database. */
const LOCK_KEY = [0x4b504946, 1] as const;
const APPLICATION = 'kpi-factory';

async function advisoryLock(url: string, request: LockRequest): Promise<HeldLock> {
  if (request.purpose === 'read') return { release: async () => undefined, lost: KEPT }; // MVCC: readers never wait
  const settings = { ...connectionSettings(url), application_name: `${APPLICATION} ${request.runId}`.slice(0, 63) };
  const { log } = request;
  const lost = new AbortController();
  const released = new AbortController();
  let holding: pg.Client | undefined;

  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client(settings);
    // The server releases the lock with its connection: take it back on a new one.
    client.once('error', (error) => {
      if (client !== holding || released.signal.aborted) return;
      log.warn({ err: error.message }, 'the warehouse lock connection was lost: taking the lock again');
      holding = undefined;
      void takeBack();
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const tryLock = async (client: pg.Client): Promise<void> => {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [...LOCK_KEY]);
    if (!rows[0]?.locked) throw new LockHeldError(await advisoryHolder(client), 'the warehouse', request.timeZone);
    holding = client;
  };
  const takeBack = async () => {
    try {
      await withWarehouseRetry(
        async () => {
          const client = await connect();
          await tryLock(client).catch(async (error: unknown) => {
            await client.end().catch(() => undefined);
            throw error;
          });
        },
        { log, what: 'taking the warehouse lock again', signal: released.signal },
      );
      if (released.signal.aborted) await holding?.end().catch(() => undefined);
    } catch (error) {
      if (released.signal.aborted) return;
      lost.abort(
        error instanceof LockHeldError
          ? new WarehouseLostError(`the warehouse lock went with its connection, and ${describeHolder(error.holder, request.timeZone)} took it meanwhile`, { cause: error })
          : isTransient(error)
            ? unreachable(url, error)
            : connectionFailure(url, error),
      );
    }
  };

  const client = await connect().catch((error: unknown) => {
    throw connectionFailure(url, error);
  });
  try {
    await waitFor(request, () => tryLock(client));
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    async release() {
      released.abort();
      await holding?.end().catch(() => undefined);
    },
    lost: lost.signal,
  };
}

/** The holder of the advisory lock: its run id from the session's application name, its command from the ledger. */
async function advisoryHolder(client: pg.Client): Promise<LockHolder> {
  const { rows } = await client.query<{ application_name: string; client_addr: string | null; since: Date }>(
    `select a.application_name, host(a.client_addr) as client_addr, a.backend_start as since
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.classid = $1 and l.objid = $2 and l.granted and l.database = (select oid from pg_database where datname = current_database())`,
    [...LOCK_KEY],
  );
  const row = rows[0];
  const runId = row?.application_name.startsWith(`${APPLICATION} `) ? row.application_name.slice(APPLICATION.length + 1) : 'unknown';
  const run = await client
    .query<{ command: string; started_at: Date }>('select command, started_at from kpi_ledger.runs where run_id = $1', [runId])
    .catch(() => ({ rows: [] as { command: string; started_at: Date }[] }));
  return {
    // The server's backend pid says nothing to the user: the run id and command do.
    pid: 0,
    host: row?.client_addr ?? 'the server',
    runId,
    command: run.rows[0]?.command ?? '',
    since: (run.rows[0]?.started_at ?? row?.since ?? new Date()).toISOString(),
    purpose: 'run',
    token: runId,
  };
}
