import { CronExpressionParser } from 'cron-parser';
import { Temporal } from 'temporal-polyfill';
import { compareCodePoints } from '../../graph/text.ts';
import type { Logger } from '../log.ts';

/** One scheduled run: when (a cron expression in the configured time zone) and what. */
export interface ScheduleEntry {
  readonly name: string;
  readonly cron: string;
  readonly select: readonly string[];
  readonly exclude: readonly string[];
}

/** The next `count` times `cron` fires strictly after `after`, in `timeZone`. */
export function nextFireTimes(cron: string, after: Temporal.Instant, timeZone: string, count: number): Temporal.Instant[] {
  const expression = CronExpressionParser.parse(cron, { currentDate: after.epochMilliseconds, tz: timeZone });
  return Array.from({ length: count }, () => Temporal.Instant.fromEpochMilliseconds(expression.next().getTime()));
}

/** Throws with the schedule's name when its cron expression is invalid. */
export function checkCron(name: string, cron: string): void {
  try {
    CronExpressionParser.parse(cron, { strict: false });
  } catch (error) {
    throw new Error(`schedule "${name}": "${cron}" is not a cron expression (${(error as Error).message})`);
  }
}

const MAX_SLEEP_MS = 6 * 60 * 60 * 1000;

export interface SchedulerOptions {
  readonly entries: readonly ScheduleEntry[];
  readonly timeZone: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
  now(): Temporal.Instant;
  /** Waits `ms`; rejects or resolves early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  run(entry: ScheduleEntry, firedAt: Temporal.Instant): Promise<void>;
}

/**
 * Runs each entry when its cron expression fires, one run at a time, until `signal` aborts.
 * A fire time that passes while another run is going is skipped and logged, never queued:
 * the next run catches up anyway, since fresh KPIs are not recomputed.
 */
export async function runScheduler(options: SchedulerOptions): Promise<void> {
  const { entries, timeZone, log, signal } = options;
  if (entries.length === 0) throw new Error('no schedules configured (schedules in kpi.config.json)');
  let from = options.now();
  while (!signal.aborted) {
    const upcoming = entries
      .map((entry) => ({ entry, at: nextFireTimes(entry.cron, from, timeZone, 1)[0]! }))
      .sort((a, b) => Temporal.Instant.compare(a.at, b.at) || compareCodePoints(a.entry.name, b.entry.name));
    const { entry, at } = upcoming[0]!;
    log.info({ schedule: entry.name, at: at.toZonedDateTimeISO(timeZone).toString({ timeZoneName: 'never' }) }, `next run: ${entry.name}`);
    const wait = at.epochMilliseconds - options.now().epochMilliseconds;
    // Sleep in bounded steps: timers overflow past 24.8 days, and the clock may jump.
    if (wait > 0) await options.sleep(Math.min(wait, MAX_SLEEP_MS), signal).catch(() => undefined);
    if (signal.aborted) break;
    if (Temporal.Instant.compare(options.now(), at) < 0) continue;
    try {
      await options.run(entry, at);
    } catch (error) {
      log.error({ schedule: entry.name }, `scheduled run ${entry.name} failed: ${(error as Error).message}`);
    }
    const now = options.now();
    for (const other of upcoming.slice(1)) {
      if (Temporal.Instant.compare(other.at, now) < 0) log.warn({ schedule: other.entry.name, at: other.at.toString() }, `skipped ${other.entry.name}: another run was going`);
    }
    from = Temporal.Instant.compare(now, at) > 0 ? now : at;
  }
}
