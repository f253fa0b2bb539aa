import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../../pipeline/config.ts';

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

test('no file: the embedded defaults, paths relative to where the file would be', async () => {
  const config = await loadConfig(join(dir, 'absent.json'), {});
  assert.equal(config.timeZone, 'Europe/Madrid');
  assert.equal(config.concurrency, 4);
  assert.equal(config.paths.state, join(dir, '.kpi'));
  assert.equal(config.paths.scorecards, join(dir, 'out', 'scorecards'));
  assert.equal(config.databaseUrl, undefined);
  assert.deepEqual(config.tasks, { timeoutSeconds: 600, retry: { attempts: 3, baseDelayMs: 250, maxDelayMs: 5000 } });
  assert.equal(config.google.concurrency, 1);
});

test('the environment overrides folders and picks the PostgreSQL warehouse', async () => {
  const config = await loadConfig(await write({}), { KPI_STATE_DIR: '/var/kpi', KPI_SCORECARD_DIR: 'cards', DATABASE_URL: 'postgres://x@h/db', KPI_TIME_ZONE: 'UTC' });
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
    await assert.rejects(loadConfig(file, {}), (error: Error) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.ok(error.message.startsWith(file), error.message);
      assert.match(error.message, message);
      return true;
    });
  });
}
