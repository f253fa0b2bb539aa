/**
 * A node's code hash follows the files it really imports, as esbuild resolves them, and
 * ignores comments: unit tests on a scratch folder, then plan and run on a nodes folder whose
 * KPI imports a helper the NodeNext way (`./_lib.js` naming `_lib.ts`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DefinitionError } from '../../graph/errors.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import { CodeHasher } from '../../pipeline/engine/fingerprint.ts';
import { createLogger } from '../../pipeline/log.ts';
import { loadProject } from '../../pipeline/project/project.ts';
import { explainPlan, runPipeline } from '../../pipeline/engine/run.ts';
import { statusOf } from '../../pipeline/reports/summary.ts';
import { copyNodes, runCli } from '../helpers/cli.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

const log = createLogger({ level: 'silent' });

describe('CodeHasher', () => {
  let root: string;
  const write = async (file: string, source: string) => {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), source);
  };
  /** A fresh hasher each time: its cache lasts one run. */
  const hash = (file: string) => new CodeHasher(root).hash(file);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'kpi-code-'));
    await write('d/_numbers.ts', 'export const three = 3;\n');
    await write('d/_lib.ts', "export { three } from './_numbers.js';\nexport const two = (): number => 2;\n");
    await write('d/kpi01.ts', "import { defineKpi } from 'kpi-factory';\nimport { readFileSync } from 'node:fs';\nimport { three, two } from './_lib.js';\nexport default { defineKpi, readFileSync, value: two() + three };\n");
    await write('d/kpi02.ts', 'export default 7;\n');
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('follows ./x.js to x.ts and re-exports; packages and built-ins are not followed', async () => {
    const before = await hash('d/kpi01.ts');
    assert.match(before, /^[0-9a-f]{16}$/);
    await write('d/_numbers.ts', 'export const three = 3.0001;\n');
    const edited = await hash('d/kpi01.ts');
    assert.notEqual(edited, before, 'a change two imports away is seen');
    await write('d/_numbers.ts', 'export const three = 3;\n');
    assert.equal(await hash('d/kpi01.ts'), before, 'and undone, the hash is back');
  });

  test('a helper edit changes only the files that import it', async () => {
    const [kpi01, kpi02] = [await hash('d/kpi01.ts'), await hash('d/kpi02.ts')];
    await write('d/_lib.ts', "export { three } from './_numbers.js';\nexport const two = (): number => 1 + 1;\n");
    assert.notEqual(await hash('d/kpi01.ts'), kpi01);
    assert.equal(await hash('d/kpi02.ts'), kpi02);
  });

  test('comments, commented-out imports and layout change nothing', async () => {
    const before = await hash('d/kpi01.ts');
    const source = await readFile(join(root, 'd/kpi01.ts'), 'utf8');
    await write('d/kpi01.ts', `// import { gone } from './_gone.js';\n/** Reworded. */\n/*! a licence */\n${source.replace('two() + three', 'two()  +  three /* sum */')}`);
    assert.equal(await hash('d/kpi01.ts'), before);
    await write('d/kpi01.ts', source);
  });

  test('an import that cannot be resolved is a DefinitionError naming the node file and the import', async () => {
    await write('d/kpi03.ts', "export default async () => (await import('./_gone.js')).value;\n");
    await write('d/kpi04.ts', "import { two } from './_lib.js';\nimport { four } from './_lib2.js';\nexport default two() + four;\n");
    for (const [file, missing] of [
      ['d/kpi03.ts', './_gone.js'],
      ['d/kpi04.ts', './_lib2.js'],
    ] as const) {
      await assert.rejects(hash(file), (error: Error) => {
        assert.ok(error instanceof DefinitionError, String(error));
        assert.deepEqual(error.problems.map((problem) => problem.file), [file]);
        assert.match(error.message, new RegExp(`^${file}: its code cannot be followed: ${file}:\\d+: Could not resolve "${missing.replace(/\./g, '\\.')}"`));
        return true;
      });
    }
  });
});

describe('a KPI importing a helper, planned and run', () => {
  const WEEK = IsoWeek.parse('2026-W10');
  let environment: TestEnvironment;
  let nodes: string;
  const selection = () => ({ config: environment.config, log, select: [], exclude: [], weeks: [WEEK], nodesDir: nodes });
  const plan = async () => {
    const { predictions } = await explainPlan(selection());
    return (node: string) => predictions.get(`${node}@${WEEK.id}`)!;
  };
  const edit = async (file: string, change: (source: string) => string) => {
    const path = join(nodes, 'lib', file);
    const source = await readFile(path, 'utf8');
    assert.notEqual(change(source), source, 'the edit applies');
    await writeFile(path, change(source));
  };

  before(async () => {
    environment = await createEnvironment();
    nodes = await copyNodes(join(REPO, 'fixtures', 'test-nodes', 'imports'));
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('plans and runs: the helper is found through its .js specifier', async () => {
    const predicted = await plan();
    assert.deepEqual(predicted('lib.kpi01'), { stale: true, reasons: ['never run'] });
    const outcome = await runPipeline({ ...selection(), concurrency: 2, command: 'test' });
    assert.equal(outcome.status, 'succeeded', outcome.results.find((result) => result.error)?.error?.message);
    const kpi01 = outcome.results.find((result) => result.task.id === `lib.kpi01@${WEEK.id}`);
    assert.equal(kpi01?.value?.kind === 'kpi' ? kpi01.value.value : undefined, 5);
    const after = await plan();
    assert.deepEqual([after('lib.kpi01').stale, after('lib.kpi02').stale], [false, false]);
  });

  test('a commented-out import and a reworded comment change nothing', async () => {
    await edit('kpi01.ts', (source) => source.replace("import { three, two } from './_lib.js';", "import { three, two } from './_lib.js';\n// import { four } from './_four.js';"));
    await edit('_lib.ts', (source) => `/** Small numbers for the lib KPIs. */\n${source}`);
    const predicted = await plan();
    assert.deepEqual([predicted('lib.kpi01'), predicted('lib.kpi02')], [
      { stale: false, reasons: [] },
      { stale: false, reasons: [] },
    ]);
  });

  test('editing the re-exported helper makes the KPI that imports it stale, and not the other', async () => {
    await edit('_numbers.ts', (source) => source.replace('three = 3', 'three = 4'));
    const predicted = await plan();
    assert.deepEqual(predicted('lib.kpi01'), { stale: true, reasons: ['code changed'] });
    assert.deepEqual(predicted('lib.kpi02'), { stale: false, reasons: [] });
    const outcome = await runPipeline({ ...selection(), concurrency: 2, command: 'test' });
    const ran = outcome.results.filter((result) => statusOf(result) === 'succeeded').map((result) => result.task.id);
    assert.deepEqual(ran, [`lib.kpi01@${WEEK.id}`]);
  });

  test('an import that cannot be resolved stops loading, naming the file', async () => {
    await edit('kpi02.ts', (source) => source.replace('compute: () => 7,', "compute: async () => (await import('./_seven.js')).default,"));
    await assert.rejects(loadProject(environment.config, nodes), (error: Error) => {
      assert.ok(error instanceof DefinitionError, String(error));
      assert.match(error.message, /lib\/kpi02\.ts: its code cannot be followed: .*lib\/kpi02\.ts:\d+: Could not resolve "\.\/_seven\.js"/);
      return true;
    });
  });
});

test('the CLI exits 2 on an unresolvable import, before anything runs', async () => {
  const environment = await createEnvironment('pglite', { newStore: true });
  try {
    const result = await runCli(['run', '--nodes', join(REPO, 'fixtures', 'broken-nodes', 'unresolved-import'), '--week', '2026-W10'], environment.env);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^error: fixtures\/broken-nodes\/unresolved-import\/broken\/kpi01\.ts: its code cannot be followed: .*kpi01\.ts:\d+: Could not resolve "\.\/_missing\.js"/m);
    assert.equal(result.stdout, '');
    assert.equal(existsSync(join(environment.dir, 'state')), false, 'no warehouse was opened');
  } finally {
    await environment.cleanup();
  }
});
