import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraph, nodesOf, topologicalLevels } from '../../graph/build.ts';
import type { BuildOptions, LoadedDeclaration, PipelineGraph } from '../../graph/build.ts';
import { defineKpi, definePublish, kpi, sheet, table } from '../../graph/declare.ts';
import type { Unit } from '../../graph/declare.ts';
import { DefinitionError } from '../../graph/errors.ts';
import type { Problem } from '../../graph/errors.ts';
import { kpiFile, publishFile } from './declarations.ts';

const valid: LoadedDeclaration[] = [
  kpiFile('success', 6, { submissions: table('stg_forms.offboarding_submissions') }, { folder: 'success' }),
  kpiFile('success', 5, { forms: kpi('success.kpi06', { weeks: 4 }) }, { folder: 'success' }),
  kpiFile('success', 16, { report: sheet('cs_weekly_report') }, { folder: 'success' }),
  kpiFile('success', 32, { agreements: table('stg_hubspot.agreements') }, { folder: 'success' }),
  publishFile('success', { folder: 'success' }),
  kpiFile('ops', 1, { agreements: table('stg_hubspot.agreements'), forms: kpi('success.kpi05') }, { folder: 'ops' }),
  publishFile('ops', { folder: 'ops' }),
];

const edgeList = (graph: PipelineGraph) =>
  graph.mapEdges((_edge, attributes, source, target) => `${source} -> ${target} [${attributes.input}, ${attributes.weeks}]`).sort();

/** Builds and returns the problems of the DefinitionError it must throw. */
function problemsOf(loaded: readonly LoadedDeclaration[], options?: BuildOptions): readonly Problem[] {
  let caught: unknown;
  try {
    buildGraph(loaded, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof DefinitionError, `expected a DefinitionError, got ${String(caught)}`);
  assert.equal(caught.code, 'definition');
  assert.ok(caught.problems.length > 0);
  // The message lists every problem, with its file in front when it has one.
  for (const problem of caught.problems) {
    assert.ok(caught.message.includes(problem.file ? `${problem.file}: ${problem.message}` : problem.message));
  }
  return caught.problems;
}

/** Exactly one problem, in `file`, whose message matches `pattern`. */
function assertOneProblem(loaded: readonly LoadedDeclaration[], file: string, pattern: RegExp, options?: BuildOptions) {
  const problems = problemsOf(loaded, options);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(problems[0]!.file, file);
  assert.match(problems[0]!.message, pattern);
}

describe('buildGraph: a valid graph', () => {
  const graph = buildGraph(valid, { sheetSources: new Set(['cs_weekly_report']) });

  test('has a node per declaration and per distinct source', () => {
    assert.deepEqual(
      graph.nodes().sort(),
      [
        'ops.kpi01',
        'ops.publish',
        'sheet:cs_weekly_report',
        'success.kpi05',
        'success.kpi06',
        'success.kpi16',
        'success.kpi32',
        'success.publish',
        'table:stg_forms.offboarding_submissions',
        'table:stg_hubspot.agreements',
      ],
    );
  });

  test('node attributes carry the kind, the file and the declaration', () => {
    const kpi05 = graph.getNodeAttributes('success.kpi05');
    assert.equal(kpi05.kind, 'kpi');
    assert.ok(kpi05.kind === 'kpi');
    assert.equal(kpi05.file, 'nodes/success/kpi05.ts');
    assert.equal(kpi05.declaration.number, 5);
    assert.deepEqual(graph.getNodeAttributes('table:stg_hubspot.agreements'), { kind: 'table', id: 'table:stg_hubspot.agreements', table: 'stg_hubspot.agreements' });
    assert.deepEqual(graph.getNodeAttributes('sheet:cs_weekly_report'), { kind: 'sheet', id: 'sheet:cs_weekly_report', source: 'cs_weekly_report' });
    const publish = graph.getNodeAttributes('success.publish');
    assert.ok(publish.kind === 'publish');
    assert.equal(publish.declaration.scorecard, 'Success');
    assert.equal(nodesOf(graph).length, graph.order);
  });

  test('edges run from input to reader, with the input name and the lookback weeks', () => {
    assert.deepEqual(edgeList(graph), [
      'ops.kpi01 -> ops.publish [kpi, 1]',
      'sheet:cs_weekly_report -> success.kpi16 [report, 1]',
      'success.kpi05 -> ops.kpi01 [forms, 1]',
      'success.kpi05 -> success.publish [kpi, 1]',
      'success.kpi06 -> success.kpi05 [forms, 4]',
      'success.kpi06 -> success.publish [kpi, 1]',
      'success.kpi16 -> success.publish [kpi, 1]',
      'success.kpi32 -> success.publish [kpi, 1]',
      'table:stg_forms.offboarding_submissions -> success.kpi06 [submissions, 1]',
      'table:stg_hubspot.agreements -> ops.kpi01 [agreements, 1]',
      'table:stg_hubspot.agreements -> success.kpi32 [agreements, 1]',
    ]);
  });

  test('a publish node depends on every KPI of its domain and nothing else', () => {
    assert.deepEqual(graph.inNeighbors('success.publish').sort(), ['success.kpi05', 'success.kpi06', 'success.kpi16', 'success.kpi32']);
    assert.deepEqual(graph.inNeighbors('ops.publish'), ['ops.kpi01']);
    assert.deepEqual(graph.outNeighbors('success.publish'), []);
  });

  test('the declaration order does not matter', () => {
    const reversed = buildGraph([...valid].reverse());
    assert.deepEqual(edgeList(reversed), edgeList(graph));
    assert.deepEqual(topologicalLevels(reversed), topologicalLevels(graph));
  });

  test('topologicalLevels: sources first, each node after all its inputs', () => {
    assert.deepEqual(topologicalLevels(graph), [
      ['sheet:cs_weekly_report', 'table:stg_forms.offboarding_submissions', 'table:stg_hubspot.agreements'],
      ['success.kpi06', 'success.kpi16', 'success.kpi32'],
      ['success.kpi05'],
      ['ops.kpi01', 'success.publish'],
      ['ops.publish'],
    ]);
    const level = new Map(topologicalLevels(graph).flatMap((ids, index) => ids.map((id) => [id, index] as const)));
    assert.equal(level.size, graph.order);
    graph.forEachEdge((_edge, _attributes, source, target) => assert.ok(level.get(source)! < level.get(target)!, `${source} before ${target}`));
  });

  test('a KPI with no inputs and a domain without publish are fine', () => {
    const lone = buildGraph([kpiFile('solo', 1)]);
    assert.deepEqual(lone.nodes(), ['solo.kpi01']);
    assert.equal(lone.size, 0);
    assert.deepEqual(topologicalLevels(lone), [['solo.kpi01']]);
  });

  test('without sheetSources any sheet name is accepted', () => {
    assert.ok(buildGraph([kpiFile('a', 1, { report: sheet('anything_goes') })]).hasNode('sheet:anything_goes'));
  });

  test('one upstream KPI read twice with different windows keeps the widest window', () => {
    // "this week against the 4-week average": the plan must compute the 3 earlier weeks too.
    // Both inputs land on the same graph edge; the second must not overwrite the first's window.
    for (const inputs of [
      { history: kpi('a.kpi01', { weeks: 4 }), current: kpi('a.kpi01') },
      { current: kpi('a.kpi01'), history: kpi('a.kpi01', { weeks: 4 }) },
    ]) {
      const graph = buildGraph([kpiFile('a', 1), kpiFile('a', 2, inputs)]);
      assert.equal(graph.getEdgeAttributes('a.kpi01', 'a.kpi02').weeks, 4, `inputs in the order ${Object.keys(inputs).join(', ')}`);
    }
  });
});

describe('buildGraph: invalid declarations', () => {
  test('an unknown KPI input', () => {
    assertOneProblem(
      [kpiFile('success', 5, { forms: kpi('success.kpi6') })],
      'nodes/success/kpi05.ts',
      /input "forms": unknown KPI "success\.kpi6"/,
    );
  });

  test('a kpi() input naming a source or publish node is not a KPI', () => {
    assertOneProblem(
      [kpiFile('a', 1), publishFile('a'), kpiFile('a', 2, { published: kpi('a.publish') })],
      'nodes/a/kpi02.ts',
      /unknown KPI "a\.publish"/,
    );
  });

  test('an unknown sheet source, when the configured sources are given', () => {
    assertOneProblem(
      [kpiFile('success', 16, { report: sheet('cs_weekly') })],
      'nodes/success/kpi16.ts',
      /input "report": unknown sheet source "cs_weekly" \(configured: cs_weekly_report, other\)/,
      { sheetSources: new Set(['other', 'cs_weekly_report']) },
    );
    assertOneProblem([kpiFile('a', 1, { report: sheet('x') })], 'nodes/a/kpi01.ts', /configured: none/, { sheetSources: new Set() });
  });

  for (const name of ["Robert'); drop table x;--", 'agreements', 'Stg.Agreements', 'stg.agreements;', 'a.b.c', '"stg"."agreements"', 'stg. agreements']) {
    test(`a bad table name: ${name}`, () => {
      assertOneProblem([kpiFile('a', 1, { t: table(name) })], 'nodes/a/kpi01.ts', /input "t": table ".*" must be written schema\.table/);
    });
  }

  test('lookback weeks outside 1..104', () => {
    for (const weeks of [0, -1, 105, 2.5]) {
      assertOneProblem([kpiFile('a', 1), kpiFile('a', 2, { w: kpi('a.kpi01', { weeks }) })], 'nodes/a/kpi02.ts', /weeks must be a whole number from 1 to 104/);
    }
  });

  test('tags are lower-case words, on KPIs and publishes', () => {
    assert.doesNotThrow(() => buildGraph([kpiFile('a', 1, {}, { tags: ['weekly', 'north-star', 'q4_2026'] }), publishFile('a', { tags: ['board'] })]));
    assertOneProblem([kpiFile('a', 1, {}, { tags: ['Board', 'weekly', 'two words'] })], 'nodes/a/kpi01.ts', /tags "Board", "two words" must be lower-case words/);
    assertOneProblem([publishFile('a', { tags: 'board' as unknown as string[] })], 'nodes/a/publish.ts', /tags must be a list of lower-case words/);
  });

  test('an input that is not an input declaration', () => {
    const bogus = { kind: 'view', name: 'x' } as unknown as ReturnType<typeof table>;
    assertOneProblem([kpiFile('a', 1, { v: bogus })], 'nodes/a/kpi01.ts', /input "v": not an input declaration/);
  });

  test('a duplicate KPI number in a domain names both files', () => {
    const problems = problemsOf([
      kpiFile('success', 5, {}, { file: 'nodes/success/kpi05.ts' }),
      kpiFile('success', 5, {}, { file: 'nodes/success/average.ts' }),
    ]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.file, 'nodes/success/average.ts');
    assert.match(problems[0]!.message, /duplicate KPI number 5 in domain "success": success\.kpi05 is already declared in nodes\/success\/kpi05\.ts/);
  });

  test('the same number in two domains is not a duplicate', () => {
    assert.equal(buildGraph([kpiFile('a', 1), kpiFile('b', 1)]).order, 2);
  });

  test('a duplicate publish declaration names both files', () => {
    const problems = problemsOf([publishFile('a', { file: 'nodes/a/publish.ts' }), publishFile('a', { file: 'nodes/a/publish-again.ts' })]);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.file, 'nodes/a/publish-again.ts');
    assert.match(problems[0]!.message, /duplicate publish declaration for domain "a": a\.publish is already declared in nodes\/a\/publish\.ts/);
  });

  test('a declaration in the folder of another domain', () => {
    assertOneProblem([kpiFile('success', 1, {}, { file: 'nodes/ops/kpi01.ts', folder: 'ops' })], 'nodes/ops/kpi01.ts', /declares domain "success" but sits in the folder of domain "ops"/);
    assertOneProblem([publishFile('success', { file: 'nodes/ops/publish.ts', folder: 'ops' })], 'nodes/ops/publish.ts', /folder of domain "ops"/);
  });

  test('a cycle: the path and the files', () => {
    const problems = problemsOf([
      kpiFile('a', 1, { next: kpi('a.kpi02') }),
      kpiFile('a', 2, { previous: kpi('a.kpi01') }),
      kpiFile('a', 3, { x: kpi('a.kpi01') }),
    ]);
    assert.equal(problems.length, 1);
    const message = problems[0]!.message;
    assert.match(message, /dependency cycle: a\.kpi01 -> a\.kpi02 -> a\.kpi01/);
    assert.ok(message.includes('nodes/a/kpi01.ts'), message);
    assert.ok(message.includes('nodes/a/kpi02.ts'), message);
    assert.ok(!message.includes('nodes/a/kpi03.ts'), 'a file outside the cycle is not blamed');
  });

  test('a longer cycle through three KPIs', () => {
    const problems = problemsOf([
      kpiFile('a', 1, { x: kpi('a.kpi03') }),
      kpiFile('a', 2, { x: kpi('a.kpi01') }),
      kpiFile('a', 3, { x: kpi('a.kpi02') }),
      publishFile('a'),
    ]);
    assert.match(problems[0]!.message, /dependency cycle: a\.kpi01 -> a\.kpi02 -> a\.kpi03 -> a\.kpi01 \(in nodes\/a\/kpi01\.ts, nodes\/a\/kpi02\.ts, nodes\/a\/kpi03\.ts\)/);
  });

  test('a KPI reading itself', () => {
    assertOneProblem([kpiFile('a', 1, { me: kpi('a.kpi01', { weeks: 2 }) })], 'nodes/a/kpi01.ts', /input "me": a KPI cannot read its own values/);
  });

  test('a bad unit', () => {
    assertOneProblem([kpiFile('a', 1, {}, { unit: 'euros' as Unit })], 'nodes/a/kpi01.ts', /unit "euros" must be one of integer, decimal, percent, currency/);
  });

  for (const number of [5.5, 0, 100, -1, Number.NaN]) {
    test(`a KPI number that is not a whole number from 1 to 99: ${number}`, () => {
      assertOneProblem([kpiFile('a', number, {}, { file: 'nodes/a/odd.ts' })], 'nodes/a/odd.ts', /must be a whole number from 1 to 99/);
    });
  }

  test('a bad domain, a missing name and a missing scorecard', () => {
    const base = { number: 1, name: 'x', unit: 'integer' as const, inputs: {}, compute: () => 1 };
    assertOneProblem([{ file: 'f.ts', declaration: defineKpi({ ...base, domain: 'Success' }) }], 'f.ts', /domain "Success" must be lower case/);
    assertOneProblem([{ file: 'f.ts', declaration: defineKpi({ ...base, domain: 'a', name: '  ' }) }], 'f.ts', /name is missing/);
    assertOneProblem([{ file: 'p.ts', declaration: definePublish({ domain: 'a', scorecard: '' }) }], 'p.ts', /scorecard name is missing/);
  });

  test('several problems are reported at once, each naming its file', () => {
    const problems = problemsOf(
      [
        kpiFile('a', 1, { missing: kpi('a.kpi09') }),
        kpiFile('a', 2, { t: table("Robert'); drop table x;--") }),
        kpiFile('a', 3, {}, { unit: 'euros' as Unit }),
        kpiFile('a', 4, { s: sheet('nope') }),
        kpiFile('b', 1, {}, { file: 'nodes/a/b-kpi01.ts', folder: 'a' }),
        kpiFile('a', 1, {}, { file: 'nodes/a/again.ts' }),
      ],
      { sheetSources: new Set(['cs_weekly_report']) },
    );
    assert.deepEqual(problems.map((problem) => problem.file).sort(), [
      'nodes/a/again.ts',
      'nodes/a/b-kpi01.ts',
      'nodes/a/kpi01.ts',
      'nodes/a/kpi02.ts',
      'nodes/a/kpi03.ts',
      'nodes/a/kpi04.ts',
    ]);
  });

  test('a cycle is reported only once the rest is valid', () => {
    // The other problem is enough to stop; the cycle check needs a complete graph.
    const problems = problemsOf([kpiFile('a', 1, { x: kpi('a.kpi02') }), kpiFile('a', 2, { x: kpi('a.kpi01') }), kpiFile('a', 3, {}, { unit: 'euros' as Unit })]);
    assert.deepEqual(problems.map((problem) => problem.file), ['nodes/a/kpi03.ts']);
  });
});
