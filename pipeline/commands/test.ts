import type { Unit } from '../../graph/declare.ts';
import { EXIT } from '../exit-codes.ts';
import { loadProject } from '../project/project.ts';
import { selectFrom, withTargets } from '../project/selection.ts';
import { runExamples } from '../testing/examples.ts';
import type { Actual, ExampleResult } from '../testing/examples.ts';
import { formatValue } from '../units.ts';
import { readConfig, writeJson } from './context.ts';
import { nodesDirOf } from './options.ts';
import type { NodeSelectionFlags } from './options.ts';

/** Rows shown per input of a failed example: enough to see the case, not a screenful. */
const ROWS_SHOWN = 10;

/**
 * `test [selection]`: runs the examples of the selected KPIs (every KPI by default) on an
 * embedded warehouse of their own, as dbt's unit tests: a line per example, what was given,
 * expected and got for a failure. Exit 1 when one fails; an invalid example is exit 2 before any runs.
 */
export async function testCommand(flags: NodeSelectionFlags & { json?: boolean }): Promise<void> {
  const config = await readConfig(flags);
  const nodesDir = nodesDirOf(flags) ?? config.paths.nodes;
  const project = await loadProject(config, nodesDir);
  const kpis = [...selectFrom(project, { select: withTargets(flags.select, flags.target), exclude: flags.exclude })]
    .filter((id) => project.graph.getNodeAttributes(id).kind === 'kpi')
    .sort();
  const { results, without } = await runExamples(project, config, { nodesDir, kpis });
  const unitOf = (id: string): Unit => {
    const node = project.graph.getNodeAttributes(id);
    return node.kind === 'kpi' ? node.declaration.unit : 'decimal';
  };
  const failed = results.filter((result) => !result.passed).length;
  process.exitCode = failed > 0 ? EXIT.failed : EXIT.ok;
  const untested = without.length > 0 ? `no examples: ${without.join(', ')}\n` : '';
  if (flags.json) {
    writeJson(
      results.map((result) => ({
        kpi: result.kpi,
        name: result.name,
        week: result.week,
        file: result.file,
        status: result.passed ? 'passed' : 'failed',
        expected: expectedJson(result.expected),
        ...(result.reason !== undefined ? { reason: result.reason } : {}),
        actual: result.actual.value,
        ...(result.actual.note !== undefined ? { note: result.actual.note } : {}),
        ...(result.actual.error !== undefined ? { error: result.actual.error } : {}),
      })),
    );
    // Only JSON on stdout.
    process.stderr.write(untested);
    return;
  }
  const lines = results.flatMap((result) => (result.passed ? [`✓ ${result.kpi} ${result.name}`] : failure(result, unitOf(result.kpi))));
  process.stdout.write(`${[...lines, `${results.length - failed} passed, ${failed} failed`].join('\n')}\n${untested}`);
}

const expectedJson = (expected: ExampleResult['expected']) =>
  typeof expected === 'object' && expected !== null ? { error: expected.error instanceof RegExp ? String(expected.error) : expected.error } : expected;

/** `✗ kpi name`, then the week, what was expected and got, and what was given. */
function failure(result: ExampleResult, unit: Unit): string[] {
  const { expected, actual } = result;
  const shown = (value: number) => formatValue(value, unit);
  let expectedText: string;
  if (typeof expected === 'object' && expected !== null) expectedText = `an error matching ${typeof expected.error === 'string' ? JSON.stringify(expected.error) : String(expected.error)}`;
  else if (expected === null) expectedText = `(no value)${result.reason !== undefined ? `, because of ${JSON.stringify(result.reason)}` : ''}`;
  // The raw numbers too when the scorecard's rounding hides the difference.
  else expectedText = hidden(actual.value, expected, shown) ? `${shown(expected)} (${expected})` : shown(expected);
  return [
    `✗ ${result.kpi} ${result.name}`,
    `    week:     ${result.week}`,
    `    expected: ${expectedText}`,
    `    actual:   ${actualText(actual, expected, shown)}`,
    ...givenLines(result.given),
  ];
}

/** Whether two different values show the same once rounded as the scorecard rounds them. */
const hidden = (value: number | null, expected: ExampleResult['expected'], shown: (value: number) => string) =>
  value !== null && typeof expected === 'number' && value !== expected && shown(value) === shown(expected);

function actualText(actual: Actual, expected: ExampleResult['expected'], shown: (value: number) => string): string {
  const value =
    actual.value === null
      ? (actual.note ?? '(no value)')
      : hidden(actual.value, expected, shown)
        ? `${shown(actual.value)} (${actual.value})`
        : shown(actual.value);
  if (actual.error === undefined) return value;
  return actual.value === null ? `error: ${actual.error}` : `${value}, ${actual.error}`;
}

function givenLines(given: ExampleResult['given']): string[] {
  const entries = Object.entries(given);
  if (entries.length === 0) return ['    given:    nothing (every input empty)'];
  return entries.flatMap(([name, value]) => {
    if (!Array.isArray(value)) {
      const weeks = Object.entries(value).map(([week, each]) => `${week}: ${each ?? 'no value'}`);
      return [`    given ${name}: ${weeks.join(', ') || 'no week'}`];
    }
    const rows = value.slice(0, ROWS_SHOWN).map((row) => `      ${JSON.stringify(row)}`);
    const more = value.length > ROWS_SHOWN ? [`      … and ${value.length - ROWS_SHOWN} more`] : [];
    return [`    given ${name} (${value.length} ${value.length === 1 ? 'row' : 'rows'}):`, ...rows, ...more];
  });
}
