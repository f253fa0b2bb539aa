import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraph } from '../../graph/build.ts';
import { defineKpi } from '../../graph/declare.ts';
import { DefinitionError } from '../../graph/errors.ts';
import { isImprovement, statusOf, targetProblems, thresholdsFor } from '../../graph/targets.ts';
import type { Target } from '../../graph/targets.ts';

const CHURN: Target = { direction: 'lower', green: 0.1, amber: 0.15, byYear: { 2027: { green: 0.08, amber: 0.12 } } };
const ACCEPTANCE: Target = { direction: 'higher', green: 0.8, amber: 0.6 };

describe('statusOf', () => {
  test('lower is better: each side of both thresholds, the thresholds themselves included', () => {
    const cases: [number, string][] = [
      [0, 'green'],
      [0.0999, 'green'],
      [0.1, 'green'],
      [0.1001, 'amber'],
      [0.15, 'amber'],
      [0.1501, 'red'],
      [0.9, 'red'],
    ];
    for (const [value, status] of cases) assert.equal(statusOf(value, CHURN, 2026), status, `${value}`);
  });

  test('higher is better: each side of both thresholds, the thresholds themselves included', () => {
    const cases: [number, string][] = [
      [1, 'green'],
      [0.8001, 'green'],
      [0.8, 'green'],
      [0.7999, 'amber'],
      [0.6, 'amber'],
      [0.5999, 'red'],
      [-1, 'red'],
    ];
    for (const [value, status] of cases) assert.equal(statusOf(value, ACCEPTANCE, 2026), status, `${value}`);
  });

  test('a year of its own uses its thresholds; other years the main ones', () => {
    assert.deepEqual(thresholdsFor(CHURN, 2027), { green: 0.08, amber: 0.12 });
    assert.equal(statusOf(0.09, CHURN, 2027), 'amber');
    assert.equal(statusOf(0.09, CHURN, 2026), 'green');
    assert.equal(statusOf(0.13, CHURN, 2027), 'red');
    assert.equal(statusOf(0.13, CHURN, 2028), 'amber');
  });

  test('no value or no target: none', () => {
    assert.equal(statusOf(null, CHURN, 2026), 'none');
    assert.equal(statusOf(0.05, undefined, 2026), 'none');
  });

  test('green and amber may be equal: nothing is amber', () => {
    const strict: Target = { direction: 'higher', green: 1, amber: 1 };
    assert.equal(statusOf(1, strict, 2026), 'green');
    assert.equal(statusOf(0.99, strict, 2026), 'red');
  });

  test('isImprovement follows the direction', () => {
    assert.equal(isImprovement('lower', 0.12, 0.11), true);
    assert.equal(isImprovement('lower', 0.11, 0.12), false);
    assert.equal(isImprovement('higher', 0.7, 0.75), true);
    assert.equal(isImprovement('higher', 0.7, 0.7), false);
  });
});

describe('targetProblems', () => {
  test('valid targets have none', () => {
    assert.deepEqual(targetProblems(CHURN), []);
    assert.deepEqual(targetProblems(ACCEPTANCE), []);
  });

  test('each mistake is named', () => {
    assert.match(targetProblems({ direction: 'up', green: 1, amber: 0 }).join(), /direction "up" must be "higher" or "lower"/);
    assert.match(targetProblems({ direction: 'higher', green: '1', amber: 0 }).join(), /green must be a finite number, got "1"/);
    assert.match(targetProblems({ direction: 'higher', green: 0.6, amber: 0.8 }).join(), /amber \(0\.8\) must be at most green \(0\.6\) when higher is better/);
    assert.match(targetProblems({ direction: 'lower', green: 0.15, amber: 0.1 }).join(), /amber \(0\.1\) must be at least green \(0\.15\) when lower is better/);
    assert.match(targetProblems({ ...CHURN, byYear: { 27: { green: 0.1, amber: 0.2 } } }).join(), /byYear key "27" must be a four-digit ISO year/);
    assert.match(targetProblems({ ...CHURN, byYear: { 2027: { green: 0.2, amber: 0.1 } } }).join(), /target byYear 2027: amber \(0\.1\) must be at least green \(0\.2\)/);
    assert.match(targetProblems(null).join(), /target must be/);
  });

  test('a KPI with a bad target is a definition error naming its file', () => {
    const declaration = defineKpi({
      domain: 'success',
      number: 32,
      name: 'Churn',
      unit: 'percent',
      inputs: {},
      target: { direction: 'lower', green: 0.2, amber: 0.1 },
      compute: () => 0.1,
    });
    assert.throws(
      () => buildGraph([{ file: 'nodes/success/kpi32.ts', declaration }]),
      (error: unknown) => error instanceof DefinitionError && /nodes\/success\/kpi32\.ts.*amber \(0\.1\) must be at least green \(0\.2\)/s.test(error.message),
    );
  });
});
