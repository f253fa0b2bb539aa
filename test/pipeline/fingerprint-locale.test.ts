/**
 * Fingerprints are the same bytes on every machine: hashed in child processes under different
 * locales (under da_DK "aa" sorts after "z"), time zones and working directories.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { compareCodePoints } from '../../graph/text.ts';
import { REPO } from '../helpers/environment.ts';

const module = (path: string) => JSON.stringify(pathToFileURL(join(REPO, path)).href);

/** Hashes a declaration and a fingerprint whose keys sort differently under da_DK, and a KPI file with its helpers; prints them. */
const SCRIPT = `
const { CodeHasher, declarationHash, fingerprintHash } = await import(${module('pipeline/engine/fingerprint.ts')});
const { defineKpi, kpi, table } = await import(${module('graph/declare.ts')});
const declaration = defineKpi({
  domain: 'locale', number: 1, name: 'Keys in every order', unit: 'integer',
  inputs: { z: kpi('locale.kpi02'), aa: kpi('locale.kpi03'), ab: table('stg.aa_rows'), Zebra: kpi('locale.kpi04') },
  compute: () => 1,
});
const fingerprint = { code: 'c', declaration: 'd', week: '2026-W10', inputs: { 'locale.z': '1', 'locale.aa': '2', 'table:stg.ab': '3', 'locale.Å': '4' } };
const code = await new CodeHasher(${JSON.stringify(REPO)}).hash('fixtures/test-nodes/imports/lib/kpi01.ts');
process.stdout.write(JSON.stringify({ declaration: declarationHash(declaration), fingerprint: fingerprintHash(fingerprint), code }));
`;

function hashIn(environment: { locale: string; timeZone: string; cwd: string }): Promise<string> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', SCRIPT], {
    cwd: environment.cwd,
    env: { ...process.env, LANG: environment.locale, LC_ALL: environment.locale, TZ: environment.timeZone },
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}

test('declaration, fingerprint and code hashes do not depend on locale, time zone or working directory', async () => {
  const [plain, danish, other] = await Promise.all([
    hashIn({ locale: 'C', timeZone: 'UTC', cwd: REPO }),
    hashIn({ locale: 'da_DK.UTF-8', timeZone: 'Europe/Copenhagen', cwd: REPO }),
    hashIn({ locale: 'en_US.UTF-8', timeZone: 'America/Los_Angeles', cwd: tmpdir() }),
  ]);
  assert.match(plain, /^\{"declaration":"[0-9a-f]{16}","fingerprint":"[0-9a-f]{16}","code":"[0-9a-f]{16}"\}$/);
  assert.equal(danish, plain);
  assert.equal(other, plain);
});

test('the locales really order these keys differently, so the test above can fail', () => {
  const keys = ['z', 'aa', 'ab'];
  assert.deepEqual([...keys].sort(new Intl.Collator('da-DK').compare), ['ab', 'z', 'aa']);
  assert.deepEqual([...keys].sort(new Intl.Collator('en-US').compare), ['aa', 'ab', 'z']);
});

test('compareCodePoints orders by code point, astral characters included', () => {
  assert.deepEqual(['z', 'aa', 'Z', 'å', 'ab', 'a'].sort(compareCodePoints), ['Z', 'a', 'aa', 'ab', 'z', 'å']);
  // U+FF5E sorts before U+1F600 by code point, after it by UTF-16 code unit (0xD83D).
  assert.deepEqual(['\u{1F600}', '\uFF5E'].sort(compareCodePoints), ['\uFF5E', '\u{1F600}']);
  assert.deepEqual(['\u{1F600}', '\uFF5E'].sort(), ['\u{1F600}', '\uFF5E']);
  assert.equal(compareCodePoints('same', 'same'), 0);
  assert.ok(compareCodePoints('ab', 'abc') < 0);
  assert.ok(compareCodePoints('abc', 'ab') > 0);
});
