/** Node files are compiled once and kept: a command whose files have not changed imports the kept build. */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DefinitionError } from '../../graph/errors.ts';
import { CodeHasher } from '../../pipeline/engine/fingerprint.ts';
import { loadDeclarations } from '../../pipeline/project/loader.ts';
import { cacheDirOf } from '../../pipeline/project/node-build.ts';
import { REPO } from '../helpers/environment.ts';

// A project of its own in the system's temporary folder, with no node_modules: `kpi-factory` comes from the engine.
let root: string;
const nodes = () => join(root, 'nodes');
interface FolderBuild {
  files: string[];
  module: string;
  code: Record<string, string>;
}
const stamp = async () => JSON.parse(await readFile(join(cacheDirOf(root), 'build.json'), 'utf8')) as { folders: Record<string, FolderBuild> };
const load = async () => {
  const hasher = new CodeHasher(root);
  const loaded = await loadDeclarations(nodes(), root, hasher);
  const hashes = Object.fromEntries(await Promise.all(loaded.map(async (node) => [node.file, await hasher.hash(node.file)] as const)));
  return { loaded, hashes };
};

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kpi-node-build-'));
  await cp(join(REPO, 'fixtures', 'test-nodes', 'imports'), nodes(), { recursive: true });
});
after(() => rm(root, { recursive: true, force: true }));

test('the first load compiles, the next imports the kept build; an edited helper compiles again and changes only its importers', async () => {
  const first = await load();
  assert.deepEqual(
    first.loaded.map((node) => node.file),
    ['nodes/lib/kpi01.ts', 'nodes/lib/kpi02.ts'],
  );
  const kept = await stamp();
  const builds = await readdir(cacheDirOf(root));

  const second = await load();
  assert.deepEqual(second.hashes, first.hashes);
  assert.deepEqual(await stamp(), kept, 'nothing was compiled again');
  assert.deepEqual(await readdir(cacheDirOf(root)), builds);

  const helper = join(nodes(), 'lib', '_numbers.ts');
  const source = await readFile(helper, 'utf8');
  assert.match(source, /3/);
  await writeFile(helper, source.replace(/3/g, '4'));
  const third = await load();
  assert.notEqual(third.hashes['nodes/lib/kpi01.ts'], first.hashes['nodes/lib/kpi01.ts'], 'kpi01 imports the helper');
  assert.equal(third.hashes['nodes/lib/kpi02.ts'], first.hashes['nodes/lib/kpi02.ts'], 'kpi02 does not');
  assert.notEqual((await stamp()).folders.lib!.module, kept.folders.lib!.module, 'a new build, imported anew');
});

test('each folder is one module; a changed file compiles its folder again and leaves the other folders as they were', async () => {
  const other = join(nodes(), 'other');
  await cp(join(nodes(), 'lib'), other, { recursive: true });
  for (const file of ['kpi01.ts', 'kpi02.ts']) {
    const path = join(other, file);
    await writeFile(path, (await readFile(path, 'utf8')).replaceAll("'lib'", "'other'"));
  }
  try {
    const first = await load();
    assert.equal(first.loaded.length, 4);
    const kept = (await stamp()).folders;
    assert.deepEqual(Object.keys(kept).sort(), ['lib', 'other']);
    assert.equal(kept.lib!.files.length, 2, 'both files of lib in one module');
    const edited = join(other, 'kpi02.ts');
    await writeFile(edited, `${await readFile(edited, 'utf8')}\n// edited\n`);
    const second = await load();
    const rebuilt = (await stamp()).folders;
    assert.equal(rebuilt.lib!.module, kept.lib!.module, 'lib was not compiled again');
    assert.notEqual(rebuilt.other!.module, kept.other!.module, 'other was');
    assert.deepEqual(second.hashes, first.hashes, 'a comment changes no code hash');
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});

test('the hashes of a kept build are those a fresh hasher computes', async () => {
  const { hashes } = await load();
  for (const [file, hash] of Object.entries(hashes)) assert.equal(await new CodeHasher(root).hash(file), hash, file);
});

test('a kept build whose modules were deleted is compiled again, not imported', async () => {
  await load();
  const { folders: kept } = await stamp();
  for (const build of Object.values(kept)) await rm(build.module, { force: true });
  const { loaded } = await load();
  assert.equal(loaded.length, 2);
  for (const [folder, build] of Object.entries((await stamp()).folders)) assert.notEqual(build.module, kept[folder]!.module);
});

test('a file that does not compile is named with esbuild\'s reason; its neighbours still compile and load', async () => {
  const broken = join(nodes(), 'lib', 'kpi03.ts');
  await writeFile(broken, "import { defineKpi } from 'kpi-factory';\nexport default defineKpi({ domain: 'lib', number: 3,, });\n");
  try {
    await assert.rejects(load(), (error: Error) => {
      assert.ok(error instanceof DefinitionError, String(error));
      assert.deepEqual(
        error.problems.map((problem) => problem.file),
        ['nodes/lib/kpi03.ts'],
        'kpi01 and kpi02 compiled and loaded without a problem',
      );
      assert.match(error.problems[0]!.message, /^cannot be compiled: nodes\/lib\/kpi03\.ts:2: /);
      return true;
    });
  } finally {
    await rm(broken);
  }
});
