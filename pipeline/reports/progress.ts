import type { RunEventListener, TaskFinishedEvent, TaskOutcome } from '../engine/run-events.ts';
import type { LineSink, Logger } from '../log.ts';
import { compareCodePoints } from '../../graph/text.ts';
import { counted } from '../words.ts';

/** How a run shows its progress: redrawn in place on a terminal, a line per change, JSON events, or nothing. */
export type ProgressMode = 'live' | 'lines' | 'json' | 'quiet';

export interface ProgressView {
  readonly onEvent: RunEventListener;
  /** Where log lines go while the view is on screen (above it), if the view takes them. */
  readonly console?: LineSink;
  /** Takes the view off the screen before the summary is printed. */
  close(): void;
}

/**
 * Off a terminal: one log line per finished task (the log carries the rest). Fresh tasks are
 * counted rather than told at `info`: a line per domain at the end of the run says how many
 * were fresh, and each one's own line is at `debug` (in the run's log, and on the console with
 * KPI_LOG_LEVEL=debug or --debug).
 */
export function linesView(log: Logger): ProgressView {
  const levels: Record<TaskOutcome, 'info' | 'warn' | 'error' | 'debug'> = { succeeded: 'info', fresh: 'debug', 'check failed': 'error', failed: 'error', blocked: 'warn' };
  const fresh = new Map<string, number>();
  return {
    onEvent(event) {
      if (event.event === 'value restated') return void log.warn({ node: event.nodeId, week: event.week, previous: event.previous, value: event.value }, event.display);
      if (event.event === 'run finished') {
        for (const [domain, count] of [...fresh].sort(([a], [b]) => compareCodePoints(a, b))) log.info({ domain, fresh: count }, `${domain}: ${counted(count, 'task')} fresh, skipped`);
        return;
      }
      if (event.event !== 'task finished') return;
      if (event.status === 'fresh') {
        const domain = domainOf(event.node);
        fresh.set(domain, (fresh.get(domain) ?? 0) + 1);
      }
      const { task: _task, event: _event, runId: _run, at: _at, ...fields } = event;
      log[levels[event.status]](fields, taskLine(event));
    },
    close() {},
  };
}

/** `success` for `success.kpi06`; `sources` for a table or sheet. */
const domainOf = (node: string) => (node.includes(':') ? 'sources' : node.slice(0, node.indexOf('.')));

/** `succeeded 13 (never run)`, `fresh 20.41%`, `failed: …`, `blocked by success.kpi06@2026-W47`. */
function taskLine(event: TaskFinishedEvent): string {
  switch (event.status) {
    case 'succeeded':
      return `succeeded ${event.display}${event.reason ? ` (${event.reason})` : ''}`;
    case 'fresh':
      return `fresh ${event.display}`;
    case 'check failed':
      return `check failed ${event.display}: ${event.reason}`;
    case 'failed':
      return `failed: ${event.reason}`;
    case 'blocked':
      return event.display;
  }
}

/** `--json`: every event as one JSON object per line on stdout, for scripts. */
export function jsonView(out: NodeJS.WritableStream = process.stdout): ProgressView {
  return {
    onEvent: (event) => void out.write(`${JSON.stringify(event)}\n`),
    close() {},
  };
}

export const quietView = (): ProgressView => ({ onEvent() {}, close() {} });
