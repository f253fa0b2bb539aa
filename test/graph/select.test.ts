import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraph } from '../../graph/build.ts';
import { kpi, sheet, table } from '../../graph/declare.ts';
import { SelectorError } from '../../graph/errors.ts';
import { parseSelector, selectNodes } from '../../graph/select.ts';
import { kpiFile, publishFile } from './declarations.ts';

/**
 * table:stg_forms.offboarding_submissions → success.kpi06 → success.kpi05 → success.kpi07
 * sheet:cs_weekly_report → success.kpi16
 * table:stg_hubspot.agreements → success.kpi32, ops.kpi01
 * every success KPI → success.publish
 * ops.kpi01, success.kpi06 → ops.kpi02
 * table:stg_ops.tickets → ops.kpi03 (unrelated to the rest)
 */
const graph = buildGraph([
  kpiFile('success', 6, { submissions: table('stg_forms.offboarding_submissions') }),
  kpiFile('success', 5, { forms: kpi('success.kpi06', { weeks: 4 }) }),
  kpiFile('success', 7, { average: kpi('success.kpi05') }),
  kpiFile('success', 16, { report: sheet('cs_weekly_report') }),
  kpiFile('success', 32, { agreements: table('stg_hubspot.agreements') }),
  publishFile('success'),
  kpiFile('ops', 1, { agreements: table('stg_hubspot.agreements') }),
  kpiFile('ops', 2, { own: kpi('ops.kpi01'), forms: kpi('success.kpi06') }),
  kpiFile('ops', 3, { tickets: table('stg_ops.tickets') }),
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

  test('several selectors are a union, without duplicates', () => {
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
