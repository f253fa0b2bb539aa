import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraph } from '../../graph/build.ts';
import { kpi, sheet, table } from '../../graph/declare.ts';
import { SelectorError } from '../../graph/errors.ts';
import { methodsNeedingState, parseSelection, parseSelector, selectNodes } from '../../graph/select.ts';
import type { RunResult, SelectionState } from '../../graph/select.ts';
import { kpiFile, publishFile } from './declarations.ts';

/**
 * table:stg_forms.offboarding_submissions → success.kpi06 → success.kpi05 → success.kpi07
 * sheet:cs_weekly_report → success.kpi16
 * table:stg_hubspot.agreements → success.kpi32, ops.kpi01
 * every success KPI → success.publish
 * ops.kpi01, success.kpi06 → ops.kpi02
 * table:stg_ops.tickets → ops.kpi03 (unrelated to the rest)
 * tags: weekly on success.kpi05, 06 and 16 and ops.kpi03; board on success.kpi32, ops.kpi01 and success.publish
 */
const graph = buildGraph([
  kpiFile('success', 6, { submissions: table('stg_forms.offboarding_submissions') }, { tags: ['weekly'] }),
  kpiFile('success', 5, { forms: kpi('success.kpi06', { weeks: 4 }) }, { tags: ['weekly'] }),
  kpiFile('success', 7, { average: kpi('success.kpi05') }),
  kpiFile('success', 16, { report: sheet('cs_weekly_report') }, { tags: ['weekly'] }),
  kpiFile('success', 32, { agreements: table('stg_hubspot.agreements') }, { tags: ['board'] }),
  publishFile('success', { tags: ['board'] }),
  kpiFile('ops', 1, { agreements: table('stg_hubspot.agreements') }, { tags: ['board'] }),
  kpiFile('ops', 2, { own: kpi('ops.kpi01'), forms: kpi('success.kpi06') }),
  kpiFile('ops', 3, { tickets: table('stg_ops.tickets') }, { tags: ['weekly'] }),
]);

const select = (include: string[], exclude: string[] = []) => [...selectNodes(graph, include, exclude)].sort();
const sorted = (ids: string[]) => [...ids].sort();

function assertSelectorError(run: () => unknown, pattern: RegExp) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof SelectorError, `expected a SelectorError, got ${String(error)}`);
    assert.equal(error.code, 'selector');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('parseSelector', () => {
  test('a bare node id', () => {
    assert.deepEqual(parseSelector('success.kpi06'), { text: 'success.kpi06', pattern: 'success.kpi06', at: false, up: undefined, down: undefined });
  });

  test('graph operators set the depths', () => {
    assert.equal(parseSelector('+success.kpi06').up, Infinity);
    assert.equal(parseSelector('+success.kpi06').down, undefined);
    assert.equal(parseSelector('success.kpi06+').down, Infinity);
    assert.equal(parseSelector('success.kpi06+').up, undefined);
    assert.equal(parseSelector('2+success.kpi05').up, 2);
    assert.equal(parseSelector('success.kpi05+1').down, 1);
    const both = parseSelector('1+success.kpi05+3');
    assert.deepEqual([both.pattern, both.up, both.down], ['success.kpi05', 1, 3]);
    const at = parseSelector('@success.kpi06');
    assert.deepEqual([at.pattern, at.at, at.up, at.down], ['success.kpi06', true, undefined, undefined]);
  });

  test('surrounding spaces are ignored', () => {
    const parsed = parseSelector('  +success.publish ');
    assert.equal(parsed.text, '+success.publish');
    assert.equal(parsed.pattern, 'success.publish');
  });

  test('globs and source ids are patterns', () => {
    assert.equal(parseSelector('success.*').pattern, 'success.*');
    assert.equal(parseSelector('table:*+').pattern, 'table:*');
    assert.equal(parseSelector('sheet:cs_weekly_report').pattern, 'sheet:cs_weekly_report');
  });

  for (const bad of ['', '   ', '+', '++', '@', '@x+', '@+x', '@2+x', 'a b', 'x++', '+@x']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assertSelectorError(() => parseSelector(bad), /bad selector/);
    });
  }

  test('the parse error shows examples of valid selectors', () => {
    assertSelectorError(() => parseSelector('+'), /e\.g\. success\.kpi06/);
    assertSelectorError(() => parseSelector('a,b'), /bad selector/);
  });

  test('@ combined with + says so', () => {
    assertSelectorError(() => parseSelector('@success.kpi06+'), /@ cannot be combined with \+/);
  });
});

describe('selectNodes', () => {
  test('X: the node alone', () => {
    assert.deepEqual(select(['success.kpi05']), ['success.kpi05']);
  });

  test('+X: the node and all its ancestors, sources included', () => {
    assert.deepEqual(select(['+success.kpi07']), sorted(['success.kpi07', 'success.kpi05', 'success.kpi06', 'table:stg_forms.offboarding_submissions']));
  });

  test('+X of a publish node: its domain and everything upstream of it, nothing else', () => {
    assert.deepEqual(
      select(['+success.publish']),
      sorted([
        'success.publish',
        'success.kpi05',
        'success.kpi06',
        'success.kpi07',
        'success.kpi16',
        'success.kpi32',
        'table:stg_forms.offboarding_submissions',
        'table:stg_hubspot.agreements',
        'sheet:cs_weekly_report',
      ]),
    );
  });

  test('X+: the node and all its descendants, across domains', () => {
    assert.deepEqual(select(['success.kpi06+']), sorted(['success.kpi06', 'success.kpi05', 'success.kpi07', 'success.publish', 'ops.kpi02']));
  });

  test('N+X: ancestors up to N steps', () => {
    assert.deepEqual(select(['1+success.kpi07']), sorted(['success.kpi07', 'success.kpi05']));
    assert.deepEqual(select(['2+success.kpi07']), sorted(['success.kpi07', 'success.kpi05', 'success.kpi06']));
    assert.deepEqual(select(['3+success.kpi07']), select(['+success.kpi07']));
    assert.deepEqual(select(['0+success.kpi07']), ['success.kpi07']);
  });

  test('X+N: descendants up to N steps', () => {
    assert.deepEqual(select(['success.kpi06+1']), sorted(['success.kpi06', 'success.kpi05', 'success.publish', 'ops.kpi02']));
    assert.deepEqual(select(['success.kpi06+2']), select(['success.kpi06+']));
  });

  test('N+X+M: both directions, each bounded', () => {
    assert.deepEqual(select(['1+success.kpi05+1']), sorted(['success.kpi06', 'success.kpi05', 'success.kpi07', 'success.publish']));
  });

  test('@X: the node, its descendants and all their ancestors', () => {
    // ops.kpi02 is a descendant of ops.kpi01; success.kpi06 and its table are ancestors of
    // ops.kpi02 but not of ops.kpi01, so only @ brings them in.
    assert.deepEqual(
      select(['@ops.kpi01']),
      sorted(['ops.kpi01', 'ops.kpi02', 'table:stg_hubspot.agreements', 'success.kpi06', 'table:stg_forms.offboarding_submissions']),
    );
    assert.deepEqual(select(['ops.kpi01+']), sorted(['ops.kpi01', 'ops.kpi02']));
    assert.deepEqual(select(['+ops.kpi01']), sorted(['ops.kpi01', 'table:stg_hubspot.agreements']));
  });

  test('domain.*: every KPI and the publish node of the domain, no sources', () => {
    assert.deepEqual(
      select(['success.*']),
      sorted(['success.kpi05', 'success.kpi06', 'success.kpi07', 'success.kpi16', 'success.kpi32', 'success.publish']),
    );
    assert.deepEqual(select(['ops.*']), sorted(['ops.kpi01', 'ops.kpi02', 'ops.kpi03']));
  });

  test('table:* and sheet:*: the sources', () => {
    assert.deepEqual(select(['table:*']), sorted(['table:stg_forms.offboarding_submissions', 'table:stg_hubspot.agreements', 'table:stg_ops.tickets']));
    assert.deepEqual(select(['sheet:*']), ['sheet:cs_weekly_report']);
    assert.deepEqual(select(['table:stg_hubspot.*']), ['table:stg_hubspot.agreements']);
  });

  test('a glob with operators applies them to every match', () => {
    assert.deepEqual(select(['table:stg_ops.*+']), sorted(['table:stg_ops.tickets', 'ops.kpi03']));
    assert.deepEqual(select(['success.kpi0*']), sorted(['success.kpi05', 'success.kpi06', 'success.kpi07']));
  });

  test('the dot in a glob is literal, not "any character"', () => {
    const lookalike = buildGraph([kpiFile('success', 1), kpiFile('successes', 1)]);
    assert.deepEqual([...selectNodes(lookalike, ['success.*'])], ['success.kpi01']);
  });

  test('several selectors are a union, without duplicates: several values, or one with spaces', () => {
    assert.deepEqual(select(['success.kpi16 ops.*  ops.kpi01']), sorted(['success.kpi16', 'ops.kpi01', 'ops.kpi02', 'ops.kpi03']));
    assert.deepEqual(select(['success.kpi16', 'ops.*', 'ops.kpi01']), sorted(['success.kpi16', 'ops.kpi01', 'ops.kpi02', 'ops.kpi03']));
    assert.deepEqual(select(['success.kpi06+1', '+success.kpi06']), sorted(['success.kpi06', 'success.kpi05', 'success.publish', 'ops.kpi02', 'table:stg_forms.offboarding_submissions']));
  });

  test('exclude subtracts the union of its selectors', () => {
    assert.deepEqual(
      select(['+success.publish'], ['table:*', 'sheet:*']),
      sorted(['success.publish', 'success.kpi05', 'success.kpi06', 'success.kpi07', 'success.kpi16', 'success.kpi32']),
    );
    assert.deepEqual(select(['success.kpi06+'], ['success.kpi05+']), sorted(['success.kpi06', 'ops.kpi02']));
    assert.deepEqual(select(['success.*'], ['success.*']), []);
  });

  test('no include selects nothing', () => {
    assert.equal(selectNodes(graph, []).size, 0);
  });

  test('an unknown id suggests the close ones', () => {
    assertSelectorError(() => selectNodes(graph, ['success.kpi6']), /selector "success\.kpi6" matches no node; did you mean success\.kpi06/);
    assertSelectorError(() => selectNodes(graph, ['+sucess.publish']), /did you mean success\.publish/);
  });

  test('an unknown id far from every node makes no suggestion', () => {
    assert.throws(
      () => selectNodes(graph, ['warehouse.everything']),
      (error: unknown) => error instanceof SelectorError && /matches no node/.test(error.message) && !/did you mean/.test(error.message),
    );
  });

  test('a glob matching nothing is an error', () => {
    assertSelectorError(() => selectNodes(graph, ['finance.*']), /selector "finance\.\*" matches no node/);
  });

  test('a bare name suggests the ids it ends', () => {
    assertSelectorError(() => selectNodes(graph, ['kpi06']), /selector "kpi06" matches no node; did you mean success\.kpi06\?/);
    assertSelectorError(() => selectNodes(graph, ['stg_ops.tickets+']), /did you mean table:stg_ops\.tickets/);
  });

  test('an exclude selector matching nothing is an error too', () => {
    assertSelectorError(() => selectNodes(graph, ['success.*'], ['success.kpi99']), /success\.kpi99" matches no node/);
  });

  test('"3+" is rejected as a depth without a node', () => {
    assertSelectorError(() => parseSelector('3+'), /bad selector "3\+": a depth needs a node/);
  });

  for (const bad of ['', '+', '@x+', '@success.kpi06+']) {
    test(`rejects ${JSON.stringify(bad)} among valid ones`, () => {
      assertSelectorError(() => selectNodes(graph, ['success.kpi05', bad]), /bad selector|cannot be combined/);
    });
  }
});

describe("dbt's set operators", () => {
  test('a comma inside a selector is an intersection, each part with its own graph operators', () => {
    assert.deepEqual(select(['success.kpi06+,ops.*']), ['ops.kpi02']);
    assert.deepEqual(select(['+ops.kpi02,success.*']), ['success.kpi06']);
    assert.deepEqual(select(['success.* kind:kpi']), sorted([...select(['success.*']), 'ops.kpi01', 'ops.kpi02', 'ops.kpi03']), 'a space is a union');
    assert.deepEqual(select(['success.*,kind:kpi']), sorted(['success.kpi05', 'success.kpi06', 'success.kpi07', 'success.kpi16', 'success.kpi32']));
  });

  test('an intersection and a union in one value, and exclude with the same grammar', () => {
    assert.deepEqual(select(['tag:weekly,success.* ops.kpi01']), sorted(['success.kpi05', 'success.kpi06', 'success.kpi16', 'ops.kpi01']));
    assert.deepEqual(select(['success.*'], ['tag:weekly,kind:kpi kind:publish']), sorted(['success.kpi07', 'success.kpi32']));
  });

  test('plain ids whose intersection is empty: the comma is explained as dbt does it', () => {
    assertSelectorError(
      () => selectNodes(graph, ['success.kpi06,success.kpi16']),
      /^a comma intersects \(as in dbt\): `success\.kpi06,success\.kpi16` matches nothing; for the union of success\.kpi06 and success\.kpi16 write `--select success\.kpi06 success\.kpi16`$/,
    );
  });

  test('methods whose intersection is empty say so, without the union hint', () => {
    assertSelectorError(() => selectNodes(graph, ['tag:board,kind:table']), /"tag:board,kind:table" matches no node: each part matches some, but no node is in all of them/);
  });

  test('a part that matches nothing is named, as a lone selector is', () => {
    assertSelectorError(() => selectNodes(graph, ['success.*,success.kpi6']), /selector "success\.kpi6" matches no node; did you mean success\.kpi06/);
  });

  test('an empty part around a comma is refused', () => {
    for (const bad of ['a,', ',a', 'a,,b']) assertSelectorError(() => parseSelection(bad), /empty part around a comma/);
  });
});

describe('selection methods', () => {
  test('tag: the nodes that declare it, with graph operators and globs', () => {
    assert.deepEqual(select(['tag:board']), sorted(['success.kpi32', 'success.publish', 'ops.kpi01']));
    assert.deepEqual(select(['tag:board+']), sorted(['success.kpi32', 'success.publish', 'ops.kpi01', 'ops.kpi02']));
    assert.deepEqual(select(['1+tag:weekly,kind:table']), sorted(['table:stg_forms.offboarding_submissions', 'table:stg_ops.tickets']));
    assert.deepEqual(select(['tag:w*']), select(['tag:weekly']));
  });

  test('path: a file or a folder, with or without ./ and a trailing slash', () => {
    assert.deepEqual(select(['path:nodes/success/kpi06.ts']), ['success.kpi06']);
    assert.deepEqual(select(['path:./nodes/ops/']), sorted(['ops.kpi01', 'ops.kpi02', 'ops.kpi03']));
    assert.deepEqual(select(['path:nodes/ops']), select(['ops.*']));
    assert.deepEqual(select(['path:nodes/*/kpi03.ts']), ['ops.kpi03']);
  });

  test('path: matches the file as the caller sees it (relative to the working directory)', () => {
    const fromNodes = (include: string[]) => [...selectNodes(graph, include, [], { pathOf: (file) => file.replace(/^nodes\//, '') })].sort();
    assert.deepEqual(fromNodes(['path:ops']), sorted(['ops.kpi01', 'ops.kpi02', 'ops.kpi03']));
    assertSelectorError(() => fromNodes(['path:nodes/ops']), /matches no node/);
  });

  test('source: a table or sheet by name without its prefix, globs allowed, and what reads it', () => {
    assert.deepEqual(select(['source:stg_hubspot.agreements+']), sorted(['table:stg_hubspot.agreements', 'success.kpi32', 'success.publish', 'ops.kpi01', 'ops.kpi02']));
    assert.deepEqual(select(['source:cs_weekly_report']), ['sheet:cs_weekly_report']);
    assert.deepEqual(select(['source:stg_*']), select(['table:*']));
  });

  test('kind: and dbt\'s resource_type:, and fqn: as a plain id', () => {
    assert.deepEqual(select(['kind:publish']), ['success.publish']);
    assert.deepEqual(select(['kind:sheet']), ['sheet:cs_weekly_report']);
    assert.deepEqual(select(['resource_type:publish']), ['success.publish']);
    assert.deepEqual(select(['fqn:success.kpi06+1']), select(['success.kpi06+1']));
  });

  const state: SelectionState = {
    modified: new Set(['success.kpi06', 'gone.kpi01']),
    results: new Map<string, ReadonlySet<RunResult>>([
      ['success.kpi06', new Set<RunResult>(['error', 'success'])],
      ['success.kpi05', new Set<RunResult>(['blocked'])],
      ['success.kpi32', new Set<RunResult>(['fail'])],
    ]),
  };
  const withState = (include: string[]) => [...selectNodes(graph, include, [], { state })].sort();

  test('state:modified is what the caller read from the ledger, nodes no longer in the project left out', () => {
    assert.deepEqual(withState(['state:modified']), ['success.kpi06']);
    assert.deepEqual(withState(['state:modified+']), select(['success.kpi06+']));
  });

  test('result: by the outcomes of a node\'s tasks', () => {
    assert.deepEqual(withState(['result:error']), ['success.kpi06']);
    assert.deepEqual(withState(['result:error+']), select(['success.kpi06+']));
    assert.deepEqual(withState(['result:fail']), ['success.kpi32']);
    assert.deepEqual(withState(['result:blocked result:fail']), sorted(['success.kpi05', 'success.kpi32']));
    assert.deepEqual(withState(['result:success']), ['success.kpi06']);
  });

  test('state: and result: may match nothing, alone or in an intersection: nothing changed, nothing failed', () => {
    const none: SelectionState = { modified: new Set(), results: new Map() };
    assert.deepEqual([...selectNodes(graph, ['state:modified+', 'result:error'], [], { state: none })], []);
    assert.deepEqual(withState(['result:fail,ops.*']), []);
  });

  test('state: and result: without the ledger read are a programming error said plainly', () => {
    assertSelectorError(() => selectNodes(graph, ['state:modified']), /needs the run ledger/);
  });

  test('methodsNeedingState tells which of them a selection uses', () => {
    assert.deepEqual(methodsNeedingState(['success.*', 'tag:board']), { state: false, result: false });
    assert.deepEqual(methodsNeedingState(['success.*,state:modified+', '+result:fail']), { state: true, result: true });
  });

  test('a method that matches nothing suggests the closest values', () => {
    assertSelectorError(() => selectNodes(graph, ['tag:bord']), /selector "tag:bord" matches no node; did you mean tag:board\?/);
    assertSelectorError(() => selectNodes(graph, ['source:stg_hubspot.agreement']), /did you mean source:stg_hubspot\.agreements\?/);
    assertSelectorError(() => selectNodes(graph, ['path:nodes/sucess']), /did you mean path:nodes\/success\?/);
  });

  test('an unknown method suggests the closest one with the same value', () => {
    assertSelectorError(() => parseSelector('tags:board'), /unknown method "tags:"; did you mean tag:board\b/);
    assertSelectorError(() => parseSelector('+sorce:stg_ops.tickets'), /did you mean source:stg_ops\.tickets/);
  });

  test('a value outside a fixed list is refused when parsed, with the closest', () => {
    assertSelectorError(() => parseSelector('state:modifed'), /state:modifed is not one of state:modified; did you mean state:modified\?/);
    assertSelectorError(() => parseSelector('result:errors'), /did you mean result:error\?/);
    assertSelectorError(() => parseSelector('kind:kpis'), /kind:kpis is not one of kind:kpi, kind:model/);
    assertSelectorError(() => parseSelector('tag:'), /tag: needs a value/);
  });
});
