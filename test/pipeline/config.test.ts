import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../pipeline/config.ts';
import { LOG_LEVELS } from '../../pipeline/log.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kpi-config-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const write = async (config: unknown, name = 'kpi.config.json') => {
  const file = join(dir, name);
  await writeFile(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
};
/** A file the user named with --config. */
const load = async (config: unknown, env: NodeJS.ProcessEnv = {}, name?: string) => loadConfig({ file: await write(config, name), explicit: true }, env);

/** The ConfigError `promise` rejects with; returns its message. */
async function configErrorOf(promise: Promise<unknown>): Promise<string> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  return caught.message;
}

test('no default file: the embedded defaults, paths relative to where the file would be', async () => {
  const config = await loadConfig({ file: join(dir, 'absent.json'), explicit: false }, {});
  assert.equal(config.timeZone, 'Europe/Madrid');
  assert.equal(config.concurrency, 4);
  assert.equal(config.paths.state, join(dir, '.kpi'));
  assert.equal(config.paths.scorecards, join(dir, 'out', 'scorecards'));
  assert.equal(config.databaseUrl, undefined);
  assert.deepEqual(config.tasks, { timeoutSeconds: 600, retry: { attempts: 3, baseDelayMs: 250, maxDelayMs: 5000 } });
  assert.equal(config.google.concurrency, 1);
});

test('the environment overrides folders and picks the PostgreSQL warehouse', async () => {
  const config = await load({}, { KPI_STATE_DIR: '/var/kpi', KPI_SCORECARD_DIR: 'cards', DATABASE_URL: 'postgres://x@h/db', KPI_TIME_ZONE: 'UTC' });
  assert.equal(config.paths.state, '/var/kpi');
  assert.equal(config.paths.scorecards, join(dir, 'cards'));
  assert.equal(config.databaseUrl, 'postgres://x@h/db');
  assert.equal(config.timeZone, 'UTC');
});

const invalid: [string, unknown, RegExp][] = [
  ['not JSON', '{ "timeZone": ', /not-JSON\.json: Unexpected end of JSON input/],
  ['an unknown time zone', { timeZone: 'Europe/Atlantis' }, /timeZone "Europe\/Atlantis" is not a known IANA time zone/],
  ['a concurrency of 0', { concurrency: 0 }, /concurrency: /],
  ['a sheet source with neither file nor google range', { sheets: { report: { columns: {} } } }, /sheets\.report: a sheet source needs a file, a google range, or both/],
  ['a bad column name', { sheets: { report: { file: 'x.csv', columns: { Date: { name: 'Entry Date', type: 'date' } } } } }, /sheets\.report\.columns\.Date\.name: column names are lower case/],
  ['a bad spreadsheet id', { scorecards: { success: { spreadsheetId: 'x y' } } }, /scorecards\.success\.spreadsheetId: a spreadsheet id is the long code in its URL/],
  ['a first week that does not exist', { firstWeek: '2025-W53' }, /firstWeek: 2025 has weeks W01 to W52/],
  ['a bad cut-off time', { weekCutoff: { day: 'monday', time: '25:00' } }, /weekCutoff\.time: time is HH:MM/],
];
for (const [name, content, message] of invalid) {
  test(`rejects ${name}, naming the file and the key`, async () => {
    const file = await write(content, `${name.replace(/\W+/g, '-')}.json`);
    await assert.rejects(loadConfig({ file, explicit: true }, {}), (error: Error) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.ok(error.message.startsWith(file), error.message);
      assert.match(error.message, message);
      return true;
    });
  });
}

test('a file named with --config must exist; a folder or an unreadable file is an error naming it', async () => {
  const absent = join(dir, 'absent.json');
  assert.equal(await configErrorOf(loadConfig({ file: absent, explicit: true }, {})), `configuration file ${absent} does not exist`);
  const folder = join(dir, 'a-folder.json');
  await mkdir(folder, { recursive: true });
  for (const explicit of [true, false]) {
    assert.match(await configErrorOf(loadConfig({ file: folder, explicit }, {})), new RegExp(`^${folder.replace(/[.\/]/g, '\\$&')}: EISDIR`));
  }
});

describe('unknown keys', () => {
  const report = (extra: Record<string, unknown> = {}, column: Record<string, unknown> = {}) => ({
    file: 'report.csv',
    columns: { Date: { name: 'entry_date', type: 'date', ...column } },
    ...extra,
  });
  const unknown: [string, unknown, string][] = [
    ['at the root', { concurency: 2 }, 'concurency: unknown key, did you mean "concurrency"?'],
    ['in tasks.retry', { tasks: { retry: { attemps: 5 } } }, 'tasks.retry.attemps: unknown key, did you mean "attempts"?'],
    ['in google', { google: { concurrancy: 1 } }, 'google.concurrancy: unknown key, did you mean "concurrency"?'],
    ['in weekCutoff', { weekCutoff: { day: 'monday', time: '06:00', tme: '07:00' } }, 'weekCutoff.tme: unknown key, did you mean "time"?'],
    ['in a sheet source', { sheets: { report: report({ colums: {} }) } }, 'sheets.report.colums: unknown key, did you mean "columns"?'],
    ['in a column', { sheets: { report: report({}, { requried: true }) } }, 'sheets.report.columns.Date.requried: unknown key, did you mean "required"?'],
    [
      'in a google range',
      { sheets: { report: report({ google: { spreadsheetID: 'abcdefghijkl', tab: 'Report' } }) } },
      'sheets.report.google.spreadsheetID: unknown key, did you mean "spreadsheetId"?',
    ],
    ['in a scorecard', { scorecards: { success: { spreadsheet_id: 'abcdefghijkl' } } }, 'scorecards.success.spreadsheet_id: unknown key, did you mean "spreadsheetId"?'],
    ['in a schedule', { schedules: [{ name: 'weekly', cron: '0 7 * * 1', tagret: ['success.publish'] }] }, 'schedules.0.tagret: unknown key, did you mean "target"?'],
  ];
  for (const [where, content, expected] of unknown) {
    test(`${where}: an error naming the key path and the key meant`, async () => {
      const file = await write(content, 'unknown.json');
      const message = await configErrorOf(loadConfig({ file, explicit: true }, {}));
      assert.ok(message.startsWith(`${file}: ${expected}`), message);
    });
  }

  test('with no key close to it, the error lists the keys there are; every unknown key is named', async () => {
    const message = await configErrorOf(load({ tasks: { colour: 'red', timeout: 5 } }));
    assert.match(message, /tasks\.colour: unknown key, expected one of timeoutSeconds, retry/);
    assert.match(message, /tasks\.timeout: unknown key, expected one of timeoutSeconds, retry/);
  });

  test('the same keys spelt right load', async () => {
    const config = await load({
      concurrency: 2,
      tasks: { retry: { attempts: 5 } },
      weekCutoff: { day: 'monday', time: '06:00' },
      sheets: { report: report({ google: { spreadsheetId: 'abcdefghijkl', tab: 'Report' } }, { required: true }) },
      scorecards: { success: { spreadsheetId: 'abcdefghijkl' } },
      schedules: [{ name: 'weekly', cron: '0 7 * * 1', target: ['success.publish'] }],
    });
    assert.equal(config.concurrency, 2);
    assert.equal(config.tasks.retry.attempts, 5);
    assert.equal(config.sheets.report?.columns.Date?.required, true);
    assert.deepEqual(config.schedules[0]?.target, ['success.publish']);
  });

  test("a schedule's selectors are parsed when the file is read; state: and result: are refused there", async () => {
    const schedule = (select: string[]) => load({ schedules: [{ name: 'weekly', cron: '0 7 * * 1', select }] });
    assert.deepEqual((await schedule(['tag:weekly,success.*']).then((config) => config.schedules[0]?.select)), ['tag:weekly,success.*']);
    assert.match(await configErrorOf(schedule(['state:modified+'])), /schedule weekly: state: and result: selectors are for run, plan and ls, not schedules$/);
    assert.match(await configErrorOf(schedule(['tags:board'])), /unknown method "tags:"; did you mean tag:board\?/);
  });
});

describe('environment variables', () => {
  test('a blank KPI_STATE_DIR, KPI_SCORECARD_DIR, KPI_TIME_ZONE or DATABASE_URL is unset, not the configuration folder', async () => {
    const config = await load({ timeZone: 'UTC' }, { KPI_STATE_DIR: '', KPI_SCORECARD_DIR: '  ', KPI_TIME_ZONE: '', DATABASE_URL: '', KPI_LOG_LEVEL: '' });
    assert.equal(config.paths.state, join(dir, '.kpi'));
    assert.equal(config.paths.scorecards, join(dir, 'out', 'scorecards'));
    assert.equal(config.timeZone, 'UTC');
    assert.equal(config.databaseUrl, undefined);
  });

  test('KPI_LOG_LEVEL must be a level, named in the error', async () => {
    for (const level of LOG_LEVELS) await load({}, { KPI_LOG_LEVEL: level });
    assert.equal(
      await configErrorOf(load({}, { KPI_LOG_LEVEL: 'verbose' })),
      'environment variable KPI_LOG_LEVEL: "verbose" is not a log level: use one of debug, info, warn, error, silent',
    );
  });

  test('KPI_TIME_ZONE must be a known time zone, named in the error', async () => {
    assert.equal(await configErrorOf(load({}, { KPI_TIME_ZONE: 'Mars/Olympus' })), 'KPI_TIME_ZONE (or --tz) "Mars/Olympus" is not a known IANA time zone');
  });
});

describe('the command line', () => {
  test('--config naming a missing file exits 2 naming it, writing nothing', async () => {
    const state = join(dir, 'cli-state');
    const result = await runCli(['run', '--config', join(dir, 'no-such.json'), '--week', '2026-W10'], { KPI_STATE_DIR: state });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr, `error: configuration file ${join(dir, 'no-such.json')} does not exist\n`);
    assert.equal(existsSync(state), false);
  });

  test('an unknown key exits 2 with the key meant; a bad KPI_LOG_LEVEL exits 2 naming it', async () => {
    const file = await write({ concurency: 2 }, 'typo.json');
    const typo = await runCli(['plan', '--config', file, '--week', '2026-W10'], {});
    assert.equal(typo.code, 2, typo.stderr);
    assert.equal(typo.stderr, `error: ${file}: concurency: unknown key, did you mean "concurrency"?\n`);
    const level = await runCli(['status', '--config', await write({}, 'empty.json')], { KPI_LOG_LEVEL: 'loud' });
    assert.equal(level.code, 2, level.stderr);
    assert.match(level.stderr, /^error: environment variable KPI_LOG_LEVEL: "loud" is not a log level/);
  });
});

describe('environments', () => {
  const google = { success: { spreadsheetId: 'prodSpreadsheet0001' } };
  test('prod by default: its workbooks and spreadsheets as configured', async () => {
    const config = await load({ scorecards: google });
    assert.equal(config.environment, 'prod');
    assert.deepEqual(config.scorecards, google);
    assert.equal(config.paths.scorecards, join(dir, 'out', 'scorecards'));
  });

  test("KPI_ENV: workbooks of its own under <scorecardDir>/<env>/, and no Google sheet but the environment's own", async () => {
    const bare = await load({ scorecards: google }, { KPI_ENV: 'pr-123' });
    assert.equal(bare.environment, 'pr-123');
    assert.deepEqual(bare.scorecards, {});
    assert.equal(bare.paths.scorecards, join(dir, 'out', 'scorecards', 'pr-123'));
    const own = { success: { spreadsheetId: 'reviewSpreadsheet01' } };
    const configured = await load({ scorecards: google, environments: { 'pr-123': { scorecards: own } } }, { KPI_ENV: 'pr-123' });
    assert.deepEqual(configured.scorecards, own);
  });

  test('a name other than letters, digits, - and _ (at most 40) is refused, from KPI_ENV or the file', async () => {
    assert.match(await configErrorOf(load({}, { KPI_ENV: 'a/b' })), /environment variable KPI_ENV: is not an environment name: use letters, digits, - and _, at most 40 characters/);
    assert.match(await configErrorOf(load({}, { KPI_ENV: 'x'.repeat(41) })), /KPI_ENV/);
    assert.match(await configErrorOf(load({ environments: { 'bad name': { scorecards: {} } } })), /environments\.bad name: environment names are letters, digits, - and _/);
  });
});
