import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { ConfigError, loadConfig } from '../../pipeline/config.ts';
import { createLogger } from '../../pipeline/log.ts';
import { nextFireTimes, runScheduler } from '../../pipeline/engine/schedule.ts';
import type { ScheduleEntry } from '../../pipeline/engine/schedule.ts';
import { capturingLogger } from '../helpers/log.ts';

const MADRID = 'Europe/Madrid';
const local = (text: string) => Temporal.ZonedDateTime.from(`${text}[${MADRID}]`).toInstant();

describe('next fire times', () => {
  test('Monday 07:00 local across the spring clock change', () => {
    const times = nextFireTimes('0 7 * * 1', Temporal.Instant.from('2026-03-20T00:00:00Z'), MADRID, 2);
    assert.deepEqual(times.map(String), [local('2026-03-23T07:00').toString(), local('2026-03-30T07:00').toString()]);
    assert.deepEqual(times.map(String), ['2026-03-23T06:00:00Z', '2026-03-30T05:00:00Z']);
  });

  test('strictly after the given instant', () => {
    const [next] = nextFireTimes('0 7 * * 1', local('2026-11-23T07:00'), MADRID, 1);
    assert.equal(next!.toString(), local('2026-11-30T07:00').toString());
  });
});

describe('the scheduler loop', () => {
  const entries: ScheduleEntry[] = [
    { name: 'sales', cron: '30 6 * * 1', select: ['+sales.publish'], exclude: [] },
    { name: 'success', cron: '0 7 * * 1', select: ['+success.publish'], exclude: [] },
  ];

  test('runs each schedule at its time, in order, one at a time, until stopped', async () => {
    let clock = local('2026-11-20T12:00');
    const controller = new AbortController();
    const runs: string[] = [];
    await runScheduler({
      entries,
      timeZone: MADRID,
      log: createLogger({ level: 'silent' }),
      signal: controller.signal,
      now: () => clock,
      sleep: async (ms) => {
        clock = clock.add({ milliseconds: ms });
      },
      run: async (entry, firedAt) => {
        assert.equal(Temporal.Instant.compare(clock, firedAt), 0, 'runs at its fire time, not before');
        runs.push(`${entry.name} ${firedAt.toZonedDateTimeISO(MADRID).toPlainDateTime().toString()}`);
        if (runs.length === 3) controller.abort();
      },
    });
    assert.deepEqual(runs, ['sales 2026-11-23T06:30:00', 'success 2026-11-23T07:00:00', 'sales 2026-11-30T06:30:00']);
  });

  test('a fire time that passes during a long run is skipped, not queued; a failed run does not stop it', async () => {
    let clock = local('2026-11-23T06:00');
    const controller = new AbortController();
    const runs: string[] = [];
    const { log, lines } = capturingLogger('info');
    await runScheduler({
      entries,
      timeZone: MADRID,
      log,
      signal: controller.signal,
      now: () => clock,
      sleep: async (ms) => {
        clock = clock.add({ milliseconds: ms });
      },
      run: async (entry) => {
        runs.push(entry.name);
        clock = clock.add({ hours: 1 }); // sales runs past success's 07:00
        if (runs.length === 1) throw new Error('warehouse down');
        if (runs.length === 2) controller.abort();
      },
    });
    assert.deepEqual(runs, ['sales', 'sales']);
    assert.ok(lines.some((line) => line.msg === 'skipped success: another run was going'));
    assert.ok(lines.some((line) => line.msg === 'scheduled run sales failed: warehouse down'));
  });
});

test('a bad cron expression is a configuration error naming the schedule', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kpi-schedule-'));
  try {
    await writeFile(join(dir, 'kpi.config.json'), JSON.stringify({ schedules: [{ name: 'weekly', cron: '0 7 * * funday' }] }));
    await assert.rejects(loadConfig({ file: join(dir, 'kpi.config.json'), explicit: true }, {}), (error: Error) => error instanceof ConfigError && /schedule "weekly": "0 7 \* \* funday" is not a cron expression/.test(error.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
