import { createLogUpdate } from 'log-update';
import { emptyCounts } from '../engine/run-events.ts';
import type { RunEvent } from '../engine/run-events.ts';
import type { ProgressView } from './progress.ts';

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

