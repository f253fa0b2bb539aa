import { createLogUpdate } from 'log-update';
import { emptyCounts } from '../engine/run-events.ts';
import type { RunEvent, RunEventListener, TaskFinishedEvent, TaskOutcome } from '../engine/run-events.ts';
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

const REDRAW_MS = 200;
/** Running tasks listed by name; more are counted. */
const MAX_LISTED = 8;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * The live view on a terminal: the tasks running now with their elapsed time, the counts so
 * far and the run's elapsed time, redrawn in place by log-update; log lines print above it.
 */
export function liveView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const draw = createLogUpdate(stream);
  const running = new Map<string, number>();
  const counts = emptyCounts();
  let total = 0;
  let runId = '';
  let started = performance.now();
  let closed = false;
  const frame = () => {
    if (closed) return;
    const at = performance.now();
    const done = counts.succeeded + counts.fresh + counts['check failed'] + counts.failed + counts.blocked;
    const waiting = Math.max(0, total - done - running.size);
    if (!runId) return void draw(`starting: opening the warehouse and planning  ${seconds(at - started)}`);
    const lines = [
      `run ${runId}  ${seconds(at - started)}  ${done}/${total} done: ${counts.succeeded} succeeded, ${counts.fresh} fresh, ${counts.failed} failed, ${counts.blocked} blocked; ${running.size} running, ${waiting} waiting`,
      ...[...running].slice(0, MAX_LISTED).map(([task, since]) => `  ▸ ${task}  ${seconds(at - since)}`),
      ...(running.size > MAX_LISTED ? [`  … and ${running.size - MAX_LISTED} more`] : []),
    ];
    draw(lines.join('\n'));
  };
  const timer = setInterval(frame, REDRAW_MS);
  timer.unref();
  return {
    onEvent(event: RunEvent) {
      switch (event.event) {
        case 'run started':
          runId = event.runId;
          total = event.tasks;
          started = performance.now();
          break;
        case 'task started':
          running.set(event.task, performance.now());
          break;
        case 'task finished':
          running.delete(event.task);
          counts[event.status]++;
          break;
        case 'value restated':
        case 'run finished':
          break;
      }
      frame();
    },
    console: {
      write(line) {
        draw.clear();
        stream.write(line);
        frame();
      },
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      draw.clear();
      draw.done();
    },
  };
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
