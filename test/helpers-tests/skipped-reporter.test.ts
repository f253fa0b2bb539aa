import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO } from '../helpers/environment.ts';

test('the test run ends with every skipped suite, grouped by why', async () => {
  // Not as a child of this test run (NODE_TEST_CONTEXT), which would take its output over.
  const { NODE_TEST_CONTEXT: _child, ...env } = process.env;
  const reporter = join(REPO, 'test', 'helpers', 'skipped-reporter.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', reporter, join(REPO, 'test', 'helpers-tests', 'fixtures', 'skips.fixture.ts')], { cwd: REPO, env });
  assert.equal(stdout, '# skipped, and why:\n#   2 skipped: KPI_TEST_POSTGRES_URL is not set (needs a server; needs it too)\n');
});
