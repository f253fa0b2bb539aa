import { processCommandLine, processStat } from './processes.ts';

/**
 * Stop requests from a person or a supervisor: Ctrl-C (SIGINT), SIGTERM (systemd, Docker, a
 * CI runner), SIGHUP (the terminal went away), and the death of the package manager that
 * started us. pnpm exits at once on SIGTERM without passing it on, leaving its child behind;
 * so when started by a package manager (it sets `npm_lifecycle_event`), its going away is
 * taken as a SIGTERM.
 */
export type StopReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'package manager gone' | 'stdout closed';

/** The exit code a stop leaves: 128 + the signal's number, as shells report it (a closed stdout is SIGPIPE's). */
export const STOP_EXIT_CODES: Record<StopReason, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, 'package manager gone': 143, 'stdout closed': 141 };

/** Told once when whoever reads our stdout goes away (`run --json | head -c 10`). */
const stdoutClosedListeners = new Set<() => void>();
let stdoutClosed = false;

/**
 * A closed stdout makes every later write fail with EPIPE, as an `error` event nobody would
 * handle: a stack trace instead of an ending. Installed once: the first EPIPE is a stop request,
 * the later ones are expected and ignored.
 */
export function watchStdout(): void {
  if (process.stdout.listeners('error').includes(onStdoutError)) return;
  process.stdout.on('error', onStdoutError);
}

function onStdoutError(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
  if (stdoutClosed) return;
  stdoutClosed = true;
  for (const listener of stdoutClosedListeners) listener();
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const WATCH_MS = 1000;

/** After a stop request, running tasks get this long to finish before they are cancelled. */
export const STOP_GRACE_MS = 30_000;

/** A stop in two steps, as every command that runs tasks takes it. */
export interface GracefulStop {
  /** Aborted at the first request: start nothing more, let the running tasks finish and record. */
  readonly stop: AbortSignal;
  /** Aborted STOP_GRACE_MS later, or at a second request: cancel the running tasks too. */
  readonly cancel: AbortSignal;
  /** What asked first, once something did. */
  reason(): StopReason | undefined;
  dispose(): void;
}

/** Stop requests (see onStopRequest) as a GracefulStop; `onFirst` is told of the first one. */
export function gracefulStop(onFirst: (reason: StopReason) => void, env: NodeJS.ProcessEnv = process.env): GracefulStop {
  const stop = new AbortController();
  const cancel = new AbortController();
  let first: StopReason | undefined;
  const dispose = onStopRequest((reason) => {
    if (first !== undefined) return cancel.abort(new Error(reason));
    first = reason;
    onFirst(reason);
    stop.abort();
    setTimeout(() => cancel.abort(new Error(`${reason}: cancelled after ${STOP_GRACE_MS / 1000} s`)), STOP_GRACE_MS).unref();
  }, env);
  return { stop: stop.signal, cancel: cancel.signal, reason: () => first, dispose };
}

/** Calls `handler` on every stop request until the returned function is called. */
export function onStopRequest(handler: (reason: StopReason) => void, env: NodeJS.ProcessEnv = process.env): () => void {
  const listeners = SIGNALS.map((signal) => {
    const listener = () => handler(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  watchStdout();
  const onClosed = () => handler('stdout closed');
  stdoutClosedListeners.add(onClosed);
  const watched = env.npm_lifecycle_event ? packageManagerAncestors() : [];
  let told = false;
  const timer =
    watched.length > 0
      ? setInterval(() => {
          if (!told && watched.some((ancestor) => !isRunning(ancestor))) {
            told = true;
            handler('package manager gone');
          }
        }, WATCH_MS)
      : undefined;
  timer?.unref();
  return () => {
    stdoutClosedListeners.delete(onClosed);
    for (const [signal, listener] of listeners) process.off(signal, listener);
    if (timer) clearInterval(timer);
  };
}

interface Ancestor {
  readonly pid: number;
  readonly start: string;
}

/** Our ancestors up to and including the package manager (pnpm, npm) that started us, read from /proc. */
function packageManagerAncestors(): Ancestor[] {
  const ancestors: Ancestor[] = [];
  let pid = process.ppid;
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    const stat = processStat(pid);
    if (!stat) break;
    ancestors.push({ pid, start: stat.start });
    if (/\b(pnpm|npm|npx|yarn)\b/.test(processCommandLine(pid))) return ancestors;
    pid = stat.ppid;
  }
  return []; // no package manager found above us: nothing to watch
}

function isRunning(ancestor: Ancestor): boolean {
  return processStat(ancestor.pid)?.start === ancestor.start;
}
