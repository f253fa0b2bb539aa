import { pino } from 'pino';
import type { Logger } from '../../pipeline/log.ts';

/** A logger whose JSON lines the test can read back, parsed. */
export function capturingLogger(level = 'debug'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}
