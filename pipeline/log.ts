import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type Logger = PinoLogger;

/** The values KPI_LOG_LEVEL may take (checked with the configuration). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/**
 * Logs go to stderr so stdout carries only what a command prints (plans, summaries, JSON):
 * readable lines on a terminal, JSON lines otherwise.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  // A blank KPI_LOG_LEVEL is unset, as the configuration reads it.
  const level = options.level ?? (process.env.KPI_LOG_LEVEL?.trim() || 'info');
  const readable = options.pretty ?? process.stderr.isTTY === true;
  if (readable) {
    return pino(
      { level },
      pretty({
        destination: 2,
        sync: true,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname,node,week',
        messageFormat: (line, messageKey) => {
          const where = typeof line.node === 'string' ? `${line.node}${typeof line.week === 'string' ? `@${line.week}` : ''}: ` : '';
          return `${where}${String(line[messageKey])}`;
        },
      }),
    );
  }
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}
