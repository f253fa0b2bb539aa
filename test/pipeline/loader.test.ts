/**
 * The loader and the graph builder on real folders of node files: the broken ones under
 * fixtures/broken-nodes/ and the project's own nodes/. Every error names the file, relative
 * to the root passed in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { join, resolve } from 'node:path';
import { buildGraph } from '../../graph/build.ts';
import { DefinitionError } from '../../graph/errors.ts';
import type { Problem } from '../../graph/errors.ts';
import { loadDeclarations } from '../../pipeline/project/loader.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const BROKEN = join(REPO, 'fixtures', 'broken-nodes');

/** Runs `work`, which must throw a DefinitionError, and returns its problems. */
async function problemsOf(work: () => Promise<unknown>): Promise<readonly Problem[]> {
  let caught: unknown;
  try {
    await work();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof DefinitionError, `expected a DefinitionError, got ${String(caught)}`);
  assert.ok(caught.problems.length > 0);
  return caught.problems;
}

/** Loads `fixtures/broken-nodes/<folder>` (files relative to the repository) and builds the graph. */
const loadAndBuild = (folder: string, root = REPO) => async () => buildGraph(await loadDeclarations(join(BROKEN, folder), root));

describe('loadDeclarations + buildGraph on broken node folders', () => {
  test('cycle/: the cycle path and both files', async () => {
    const problems = await problemsOf(loadAndBuild('cycle'));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /dependency cycle: loop\.kpi01 -> loop\.kpi02 -> loop\.kpi01/);
    assert.ok(problems[0]!.message.includes('fixtures/broken-nodes/cycle/loop/kpi01.ts'), problems[0]!.message);
    assert.ok(problems[0]!.message.includes('fixtures/broken-nodes/cycle/loop/kpi02.ts'), problems[0]!.message);
  });

  test('cycle/: the files are relative to the root passed in', async () => {
    const problems = await problemsOf(loadAndBuild('cycle', join(BROKEN, 'cycle')));
    assert.match(problems[0]!.message, /\(in loop\/kpi01\.ts, loop\/kpi02\.ts\)/);
  });

  test('unknown-input/: the file and the input', async () => {
    const problems = await problemsOf(loadAndBuild('unknown-input'));
    assert.deepEqual(problems, [{ file: 'fixtures/broken-nodes/unknown-input/orders/kpi01.ts', message: 'input "missing": unknown KPI "orders.kpi09"' }]);
  });

  test('duplicate-number/: both files', async () => {
    const problems = await problemsOf(loadAndBuild('duplicate-number'));
    assert.equal(problems.length, 1);
    // Files load in name order, so kpi03.ts is the first declaration and revenue.ts the duplicate.
    assert.equal(problems[0]!.file, 'fixtures/broken-nodes/duplicate-number/sales/revenue.ts');
    assert.match(
      problems[0]!.message,
      /duplicate KPI number 3 in domain "sales": sales\.kpi03 is already declared in fixtures\/broken-nodes\/duplicate-number\/sales\/kpi03\.ts/,
    );
  });

  test('no-export/: a named export only and a default that is not a declaration, both reported', async () => {
    const problems = await problemsOf(() => loadDeclarations(join(BROKEN, 'no-export'), REPO));
    assert.deepEqual(
      problems.map((problem) => problem.file),
      ['fixtures/broken-nodes/no-export/misc/kpi01.ts', 'fixtures/broken-nodes/no-export/misc/kpi02.ts'],
    );
    for (const problem of problems) assert.match(problem.message, /exports no declaration; add `export default defineKpi/);
  });

  test('syntax-error/: a file that throws on import is reported with its error; its neighbour loads', async () => {
    const problems = await problemsOf(() => loadDeclarations(join(BROKEN, 'syntax-error'), REPO));
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.file, 'fixtures/broken-nodes/syntax-error/boom/kpi01.ts');
    assert.match(problems[0]!.message, /cannot be loaded: boom while importing kpi01/);
  });

  test('wrong-folder/: the declared domain and the folder', async () => {
    const problems = await problemsOf(loadAndBuild('wrong-folder'));
    assert.deepEqual(problems, [
      { file: 'fixtures/broken-nodes/wrong-folder/ops/kpi01.ts', message: 'declares domain "success" but sits in the folder of domain "ops"' },
    ]);
  });

  test('all the broken folders at once: every problem of the loader in one error', async () => {
    // Loading the parent folder sees <case> as the domain folder of every file.
    const problems = await problemsOf(() => loadDeclarations(BROKEN, REPO));
    assert.deepEqual(problems.map((problem) => problem.file), [
      'fixtures/broken-nodes/no-export/misc/kpi01.ts',
      'fixtures/broken-nodes/no-export/misc/kpi02.ts',
      'fixtures/broken-nodes/syntax-error/boom/kpi01.ts',
      // Compiling follows its import inside compute, so a missing file is found on loading.
      'fixtures/broken-nodes/unresolved-import/broken/kpi01.ts',
    ]);
  });

  test('a file directly in the nodes folder, outside a domain folder', async () => {
    const problems = await problemsOf(() => loadDeclarations(join(BROKEN, 'cycle', 'loop'), REPO));
    assert.equal(problems.length, 2);
    assert.equal(problems[0]!.file, 'fixtures/broken-nodes/cycle/loop/kpi01.ts');
    assert.match(problems[0]!.message, /node files belong in a domain folder/);
  });

  test('a folder that does not exist', async () => {
    const problems = await problemsOf(() => loadDeclarations(join(BROKEN, 'no-such-folder'), REPO));
    assert.match(problems[0]!.message, /cannot read the nodes folder .*no-such-folder/);
  });
});

describe('loadDeclarations on the project nodes', () => {
  test('loads every node with its file and folder, and the graph builds', async () => {
    const loaded = await loadDeclarations(join(REPO, 'nodes'), REPO);
    const files = loaded.map((entry) => entry.file);
    assert.ok(files.includes('nodes/success/kpi05.ts'), files.join(', '));
    assert.ok(files.includes('nodes/success/publish.ts'), files.join(', '));
    assert.deepEqual(files, [...files].sort());
    for (const entry of loaded) assert.equal(entry.folder, entry.file.split('/')[1]);
    const graph = buildGraph(loaded);
    assert.ok(graph.hasEdge('success.kpi06', 'success.kpi05'));
    assert.equal(graph.getEdgeAttributes('success.kpi06', 'success.kpi05').weeks, 4);
    assert.ok(graph.hasEdge('success.kpi05', 'success.publish'));
  });
});
