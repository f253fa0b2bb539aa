import { mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger as PinoLogger, StreamEntry } from 'pino';
import type pinoPretty from 'pino-pretty';
import { writeFailure } from './errors.ts';
import { scrubSecrets } from './secrets.ts';

export type Logger = PinoLogger;

/** Required only for a terminal: off one (scripts, cron, CI) log lines are JSON and pino-pretty is never loaded. */
const loadPretty = () => createRequire(import.meta.url)('pino-pretty') as typeof pinoPretty;

/** The values KPI_LOG_LEVEL may take (checked with the configuration). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** Something that takes finished log lines: stderr, a file, the live view. */
export interface LineSink {
  write(line: string): void;
}

export interface LoggerOptions {
  /** Lowest level shown on the console; default KPI_LOG_LEVEL or `info`. */
  readonly level?: string;
  /** Readable single lines instead of JSON; default when stderr is a terminal. */
  readonly pretty?: boolean;
  /** Where console lines go instead of stderr (the live view prints them above itself). */
  readonly console?: LineSink;
  /** Also write every line at `info` and above, as JSON, to this file (the run's log). */
  readonly file?: string;
  /** Told once when `file` cannot be written (a full disk): logging goes on to the console. */
  readonly onFileError?: (error: Error) => void;
}

/** Keys whose values never reach a log line, at any depth pino can address. */
const REDACTED_KEYS = ['password', 'token', 'access_token', 'refresh_token', 'private_key', 'privateKey', 'authorization', 'Authorization', 'secret', 'key', 'credentials'];
const REDACT_PATHS = [...REDACTED_KEYS, ...REDACTED_KEYS.map((key) => `*.${key}`), ...REDACTED_KEYS.map((key) => `*.headers.${key}`), 'headers.authorization', 'headers.Authorization'];

/** A stream that scrubs every line before passing it on. */
function scrubbing(sink: LineSink): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      sink.write(scrubSecrets(chunk.toString()));
      done();
    },
  });
}

/**
 * Logs go to stderr so stdout carries only what a command prints (plans, summaries, JSON):
 * readable lines on a terminal, JSON lines otherwise; a run also keeps every line in its
 * log file. Secrets are redacted by key and scrubbed from text on every stream.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  // A blank KPI_LOG_LEVEL is unset, as the configuration reads it.
  const level = options.level ?? (process.env.KPI_LOG_LEVEL?.trim() || 'info');
  const readable = options.pretty ?? process.stderr.isTTY === true;
  const console: LineSink = options.console ?? { write: (line) => process.stderr.write(line) };
  const consoleStream = readable
    ? loadPretty()({
        destination: scrubbing(console),
        sync: true,
        singleLine: true,
        colorize: options.console === undefined ? undefined : true,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname,node,week',
        messageFormat: (line, messageKey) => {
          const where = typeof line.node === 'string' ? `${line.node}${typeof line.week === 'string' ? `@${line.week}` : ''}: ` : '';
          return `${where}${String(line[messageKey])}`;
        },
      })
    : scrubbing(console);
  const streams: StreamEntry[] = level === 'silent' ? [] : [{ level: level as pino.Level, stream: consoleStream }];
  let flushFile: (() => Promise<void>) | undefined;
  if (options.file) {
    const path = options.file;
    let file: ReturnType<typeof pino.destination>;
    try {
      mkdirSync(dirname(path), { recursive: true });
      // Opened here, so that a file that cannot be opened fails the command at once; written in
      // batches (a thousand fresh tasks are a thousand lines): flushed at the end of a run and on exit.
      file = pino.destination({ fd: openSync(path, 'a'), sync: false, minLength: FILE_BATCH_BYTES });
    } catch (error) {
      throw writeFailure(path, error);
    }
    let told = false;
    const destination = file;
    // Written asynchronously: an error reaches the handler below (never flushSync, see there).
    flushFile = () => new Promise<void>((resolve) => (told ? resolve() : destination.flush(() => resolve())));
    file.on('error', (error: Error) => {
      if (told) return;
      told = true;
      options.onFileError?.(writeFailure(path, error));
      // sonic-boom's flushSync, which pino calls on exit, retries a full disk forever: a file
      // that failed once is given up, and logging goes on to the console.
      destination.destroy();
    });
    // Every line, debug included: the run's log keeps a line per task, fresh ones too, which the console shows only at debug.
    streams.push({ level: 'debug', stream: scrubbing(file) });
  }
  if (streams.length === 0) return pino({ level: 'silent' });
  const lowest = options.file ? 'debug' : level;
  const logger = pino({ level: lowest, base: undefined, redact: { paths: REDACT_PATHS, censor: '***' } }, pino.multistream(streams));
  if (flushFile) logFiles.set(logger, flushFile);
  return logger;
}

/**
 * A child that does not redact by key: for lines made only of the engine's own fields (a line
 * per task: node, week, status, value), where redaction costs more than the rest of the line
 * (a thousand fresh tasks: 60 ms). Their text is still scrubbed on every stream.
 */
export function unredacted(log: Logger): Logger {
  return log.child({}, { redact: { paths: [], censor: '***' } });
}

/** How much of the run's log is gathered before it is written. */
const FILE_BATCH_BYTES = 8 * 1024;

/** The log file's flush of each logger that writes one. */
const logFiles = new WeakMap<Logger, () => Promise<void>>();

/** Writes what a logger holds for its log file (a run's end: its log is complete once the run is); a failure is told to onFileError. */
export async function flushLogFile(log: Logger): Promise<void> {
  await logFiles.get(log)?.();
}
