import { setTimeout as sleep } from 'node:timers/promises';
import { currentInstant, lastCompletedWeek, restateWindow, weekPolicyOf } from '../dates.ts';
import { createLogger } from '../log.ts';
import { STOP_EXIT_CODES, gracefulStop } from '../engine/stop-requests.ts';
import { LockHeldError } from '../engine/warehouse-lock.ts';
import { withTargets } from '../project/selection.ts';
import { nextFireTimes, runScheduler } from '../engine/schedule.ts';
import { readConfig } from './context.ts';
import { superviseRun } from './report-run.ts';

/** `schedule`: run the configured schedules for the last completed week until stopped; `--list n` prints the next fire times. */
export async function scheduleCommand(flags: { config?: string; list?: number }): Promise<void> {
  const config = await readConfig(flags);
  const entries = config.schedules.map((schedule) => ({ name: schedule.name, cron: schedule.cron, select: withTargets(schedule.select, schedule.target), exclude: schedule.exclude }));
  if (flags.list !== undefined) {
    for (const entry of entries) {
      const times = nextFireTimes(entry.cron, currentInstant(), config.timeZone, flags.list);
      const local = times.map((time) => time.toZonedDateTimeISO(config.timeZone).toPlainDateTime().toString({ smallestUnit: 'minute' }).replace('T', ' '));
      process.stdout.write(`${entry.name} (${entry.cron}, ${config.timeZone}; ${entry.select.join(' ') || 'everything'}): ${local.join(', ')}\n`);
    }
    if (entries.length === 0) process.stdout.write('no schedules configured (schedules in kpi.config.json)\n');
    return;
  }
  const log = createLogger();
  const stopping = gracefulStop((reason) => log.warn(`${reason}: stopping the scheduler after the current run (again to cancel its running tasks)`));
  try {
    await runScheduler({
      entries,
      timeZone: config.timeZone,
      log,
      signal: stopping.stop,
      now: currentInstant,
      sleep: (ms, signal) => sleep(ms, undefined, { signal }),
      run: async (entry, firedAt) => {
        const week = lastCompletedWeek(firedAt, config.timeZone, config.weekCutoff);
        try {
          const outcome = await superviseRun(
            {
              config,
              select: entry.select,
              exclude: entry.exclude,
              weeks: [week],
              restateWeeks: restateWindow({}, weekPolicyOf(config, firedAt)),
              concurrency: config.concurrency,
              command: `schedule ${entry.name}`,
              stop: stopping.stop,
              signal: stopping.cancel,
            },
            { log: (file, onFileError) => createLogger({ file, onFileError }) },
          );
          log.info({ schedule: entry.name, run: outcome.runId, week: week.id, status: outcome.status }, `scheduled run ${entry.name} ${outcome.status}`);
          if (outcome.logFailure) log.error({ schedule: entry.name, run: outcome.runId }, `scheduled run ${entry.name}: ${outcome.logFailure.message}`);
        } catch (error) {
          // Another run holds the warehouse: this fire is skipped, never queued; freshness makes the next one catch up.
          if (!(error instanceof LockHeldError)) throw error;
          log.warn({ schedule: entry.name, holder: error.holder }, `skipped ${entry.name}: ${error.message}`);
        }
      },
    });
  } finally {
    stopping.dispose();
  }
  process.exitCode = STOP_EXIT_CODES[stopping.reason() ?? 'SIGINT'];
}
