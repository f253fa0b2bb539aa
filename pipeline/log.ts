import { mkdirSync } from 'node:fs';
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
  if (options.file) {
    const file = options.file;
    let destination: ReturnType<typeof pino.destination>;
    try {
      mkdirSync(dirname(file), { recursive: true });
      destination = pino.destination({ dest: file, sync: true });
    } catch (error) {
      throw writeFailure(file, error);
    }
    let told = false;
    destination.on('error', (error: Error) => {
      if (told) return;
      told = true;
      options.onFileError?.(writeFailure(file, error));
    });
    streams.push({ level: 'info', stream: scrubbing(destination) });
  }
  if (streams.length === 0) return pino({ level: 'silent' });
  const lowest = options.file && level !== 'debug' ? 'info' : level;
  return pino({ level: lowest, base: undefined, redact: { paths: REDACT_PATHS, censor: '***' } }, pino.multistream(streams));
}
