/**
 * `cron`: the configured schedules as crontab lines. A cron parser reads them, in the printed
 * CRON_TZ, as firing when `schedule --list` says; a printed line runs as cron would run it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CronExpressionParser } from 'cron-parser';
import { Temporal } from 'temporal-polyfill';
import { runCli } from '../helpers/cli.ts';
import type { CliResult } from '../helpers/cli.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const SCHEDULES = [
  { name: 'success-weekly', cron: '0 7 * * 1', target: ['success.publish'] },
  { name: 'forms-weekdays', cron: '0 30 6 * * MON-FRI', select: ['success.kpi06'] },
  { name: 'success-sunday', cron: '@weekly', select: ['success.*'], exclude: ['success.publish'] },
];

/** The repository's configuration with its paths made absolute, so that it works from another folder, and these schedules. */
async function writeConfig(dir: string, changes: Record<string, unknown>): Promise<string> {
  const config = JSON.parse(await readFile(join(REPO, 'kpi.config.json'), 'utf8')) as Record<string, any>;
  for (const key of ['nodesDir', 'fixturesDir']) config[key] = join(REPO, config[key]);
  config.sheets.cs_weekly_report.file = join(REPO, config.sheets.cs_weekly_report.file);
  const file = join(dir, 'kpi.config.json');
  await writeFile(file, JSON.stringify({ ...config, ...changes }, null, 2));
  return file;
}

/** A crontab's job lines: the CRON_TZ in force, the five time fields and the command. */
function jobs(crontab: string): { tz: string | undefined; fields: string; command: string }[] {
  let tz: string | undefined;
  return crontab.split('\n').flatMap((line) => {
    if (line.startsWith('#') || line.trim() === '') return [];
    if (line.startsWith('CRON_TZ=')) {
      tz = line.slice('CRON_TZ='.length);
      return [];
    }
    const words = line.split(' ');
    return [{ tz, fields: words.slice(0, 5).join(' '), command: words.slice(5).join(' ') }];
  });
}

const localMinute = (epochMs: number, tz: string) =>
  Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(tz).toPlainDateTime().toString({ smallestUnit: 'minute' }).replace('T', ' ');

describe('cron', () => {
  let environment: TestEnvironment;
  let configFile: string;
  let printed: CliResult;

  before(async () => {
    environment = await createEnvironment();
    configFile = await writeConfig(environment.dir, { timeZone: 'America/New_York', schedules: SCHEDULES });
    printed = await runCli(['cron', '--config', configFile], environment.env);
  });
  after(() => environment.cleanup());

  test('one line per schedule, under CRON_TZ: cd, the kpi bin with the selection, the log', () => {
    assert.equal(printed.code, 0, printed.stderr);
    const state = join(environment.dir, 'state');
    const lines = jobs(printed.stdout);
    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((line) => [line.tz, line.fields]),
      [
        ['America/New_York', '0 7 * * 1'],
        ['America/New_York', '30 6 * * 1-5'],
        ['America/New_York', '0 0 * * 0'],
      ],
    );
    const tail = `--config ${configFile} >> ${state}/logs/cron.log 2>&1`;
    const start = `cd ${REPO} && mkdir -p ${state}/logs && KPI_STATE_DIR=${state} KPI_SCORECARD_DIR=${join(environment.dir, 'scorecards')} node_modules/.bin/kpi run`;
    assert.equal(lines[0]!.command, `${start} --target success.publish ${tail}`);
    assert.equal(lines[1]!.command, `${start} --select success.kpi06 ${tail}`);
    assert.equal(lines[2]!.command, `${start} --select 'success.*' --exclude success.publish ${tail}`, 'a glob is quoted for the shell');
  });

  test('a cron parser reads each line as firing when `schedule --list` says, in local time', async () => {
    const listed = await runCli(['schedule', '--list', '3', '--config', configFile], environment.env);
    assert.equal(listed.code, 0, listed.stderr);
    const now = Date.now();
    jobs(printed.stdout).forEach((job, index) => {
      const expression = CronExpressionParser.parse(job.fields, { tz: job.tz!, currentDate: now });
      const times = Array.from({ length: 3 }, () => localMinute(expression.next().getTime(), job.tz!));
      const name = SCHEDULES[index]!.name;
      const line = listed.stdout.split('\n').find((candidate) => candidate.startsWith(`${name} (`));
      assert.equal(line?.split('): ')[1], times.join(', '), name);
    });
  });

  test('a printed line runs as cron runs it: the selection for the last completed week, its output in the log', async () => {
    const { command } = jobs(printed.stdout)[1]!;
    await promisify(execFile)('/bin/sh', ['-c', command], { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/', KPI_LOG_LEVEL: 'info' } });
    const log = await readFile(join(environment.dir, 'state', 'logs', 'cron.log'), 'utf8');
    assert.match(log, /^success\.kpi06\s+\d{4}-W\d\d\s+succeeded\s+\d+/m);
    assert.match(log, /^\d+ succeeded, 0 fresh, 0 failed, 0 blocked$/m);
    assert.doesNotMatch(log, /success\.kpi05|success\.publish/, 'only the selection');
  });

  test('what system cron cannot express is refused', async () => {
    const seconds = await writeConfig(environment.dir, { schedules: [{ name: 'every-half-minute', cron: '*/30 * * * * *', select: ['success.kpi06'] }] });
    const refused = await runCli(['cron', '--config', seconds], environment.env);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /schedule "every-half-minute": "\*\/30 \* \* \* \* \*" cannot be written for system cron .* use `pipeline schedule`/);
  });
});
