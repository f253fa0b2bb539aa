import type { Kysely } from 'kysely';
import type { ComputeContext, Example, ExpectedValue, GivenRow, GivenWeeks, InputDeclaration, KpiDeclaration, SheetHandle, TableHandle, WeekValue } from '../../graph/declare.ts';
import { DefinitionError } from '../../graph/errors.ts';
import type { Problem } from '../../graph/errors.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import type { Config } from '../config.ts';
import { weekContext } from '../dates.ts';
import { coerceError } from '../errors.ts';
import { describeFailures, failedChecks, runChecks } from '../engine/checks.ts';
import { inputWeeks } from '../engine/freshness.ts';
import { kpiValue } from '../engine/kpi-value.ts';
import { withTimeout } from '../engine/retry.ts';
import { incompleteWindow } from '../engine/task-runner.ts';
import { createLogger } from '../log.ts';
import type { Logger } from '../log.ts';
import { tableHandle } from '../models/materialize.ts';
import type { Project } from '../project/project.ts';
import { loadExampleFiles } from './load.ts';
import { openSandbox, tableOf } from './sandbox.ts';
import type { Sandbox } from './sandbox.ts';

/** What an example's KPI gave: a value (null with the engine's note), or an error (thrown, refused, or a failed `error` check, then with the value). */
export interface Actual {
  readonly value: number | null;
  readonly note?: string;
  readonly error?: string;
}

export interface ExampleResult {
  readonly kpi: string;
  readonly name: string;
  readonly week: string;
  /** The example file, relative to the project's root. */
  readonly file: string;
  readonly passed: boolean;
  readonly expected: ExpectedValue;
  /** With `expected: null`: a substring of the note expected. */
  readonly reason?: string;
  readonly actual: Actual;
  /** What the example gave, by input name. */
  readonly given: Example['given'];
}

export interface ExamplesRun {
  readonly results: readonly ExampleResult[];
  /** The selected KPIs that have no examples. */
  readonly without: readonly string[];
}

export interface ExampleSelection {
  /** Where the example files are: the nodes folder. */
  readonly nodesDir: string;
  /** The KPIs whose examples run (node ids). */
  readonly kpis: readonly string[];
}

/** Values closer than this, relative to the larger (absolute below 1), are equal: floating-point noise is no failure. */
const TOLERANCE = 1e-9;

/**
 * Runs the examples of the selected KPIs, each on empty tables of an in-memory warehouse of its
 * own (see sandbox.ts) in a transaction rolled back, with the given rows, sheet rows and upstream
 * values, and compares what the KPI gives with what the example expects. Examples that are not
 * valid (an input or column the KPI or table does not have, an unknown KPI, a week that is not
 * one) are a DefinitionError before any runs.
 */
export async function runExamples(project: Project, config: Config, selection: ExampleSelection): Promise<ExamplesRun> {
  const files = await loadExampleFiles(selection.nodesDir, project.root);
  const kpiOf = (id: string): KpiDeclaration | undefined => {
    if (!project.graph.hasNode(id)) return undefined;
    const node = project.graph.getNodeAttributes(id);
    return node.kind === 'kpi' ? node.declaration : undefined;
  };
  const unknown = files.flatMap(({ file, declaration }): Problem[] =>
    kpiOf(declaration.kpi) ? [] : [{ file, message: `examples for ${JSON.stringify(declaration.kpi)}, which is not a KPI of the project` }],
  );
  if (unknown.length > 0) throw new DefinitionError(unknown);
  const selected = new Set(selection.kpis);
  const chosen = files.filter(({ declaration }) => selected.has(declaration.kpi));
  const tested = new Set(chosen.map(({ declaration }) => declaration.kpi));
  const without = selection.kpis.filter((id) => !tested.has(id));
  if (chosen.length === 0) return { results: [], without };

  const models = chosen.flatMap(({ declaration }) => Object.values(kpiOf(declaration.kpi)!.inputs).flatMap((input) => (input.kind === 'model' ? [input.model] : [])));
  const sandbox = await openSandbox(config, project.graph, models);
  try {
    const cases = chosen.flatMap(({ file, declaration }) => declaration.examples.map((example, index) => ({ file, id: declaration.kpi, kpi: kpiOf(declaration.kpi)!, example, index })));
    const problems = chosen.flatMap(({ file, declaration }) => checkNames(file, declaration.kpi, declaration.examples));
    for (const { file, id, kpi, example, index } of cases) {
      problems.push(...checkExample(kpi, example, sandbox, config).map((message) => ({ file, message: `${id} example ${labelOf(example, index)}: ${message}` })));
    }
    if (problems.length > 0) throw new DefinitionError(problems);
    const log = createLogger({ level: process.env.KPI_LOG_LEVEL ?? 'warn' });
    const results: ExampleResult[] = [];
    for (const { file, id, kpi, example, index } of cases) {
      const where = { file, label: `${id} example ${labelOf(example, index)}` };
      const actual = await runExample(kpi, example, sandbox, config, where, log.child({ node: id, example: example.name }));
      results.push({
        kpi: id,
        name: example.name,
        week: example.week,
        file,
        passed: matches(example.expect, example.reason, actual),
        expected: example.expect,
        ...(example.reason !== undefined ? { reason: example.reason } : {}),
        actual,
        given: example.given,
      });
    }
    return { results, without };
  } finally {
    await sandbox.close();
  }
}

const labelOf = (example: Example, index: number) => (typeof example.name === 'string' && example.name.trim() !== '' ? JSON.stringify(example.name) : `#${index + 1}`);

function checkNames(file: string, id: string, examples: readonly Example[]): Problem[] {
  const seen = new Set<string>();
  return examples.flatMap((example, index): Problem[] => {
    if (typeof example.name !== 'string' || example.name.trim() === '') return [{ file, message: `${id} example #${index + 1}: needs a name` }];
    if (seen.has(example.name)) return [{ file, message: `${id} example ${JSON.stringify(example.name)}: another example has the same name` }];
    seen.add(example.name);
    return [];
  });
}

/** What is wrong with an example, one message each: checked against the KPI's inputs, the sandbox's tables and the configured sheets. */
function checkExample(kpi: KpiDeclaration, example: Example, sandbox: Sandbox, config: Config): string[] {
  const problems: string[] = [];
  let week: IsoWeek | undefined;
  try {
    week = IsoWeek.parse(String(example.week));
  } catch (error) {
    problems.push(`week: ${(error as Error).message}`);
  }
  const { expect } = example;
  const expectsError = typeof expect === 'object' && expect !== null;
  if (expectsError ? !(typeof expect.error === 'string' || expect.error instanceof RegExp) : !(expect === null || (typeof expect === 'number' && Number.isFinite(expect)))) {
    problems.push('expect is a finite number, null, or { error: string | RegExp }');
  }
  if (example.reason !== undefined && expect !== null) problems.push('reason goes with expect: null (why there is no value)');
  if (typeof example.given !== 'object' || example.given === null || Array.isArray(example.given)) {
    return [...problems, 'given is an object keyed by input name ({} when every input is empty)'];
  }
  const declared = Object.keys(kpi.inputs);
  const tablesGiven = new Map<string, string>();
  for (const [name, given] of Object.entries(example.given)) {
    const input = kpi.inputs[name];
    if (input === undefined) {
      problems.push(`gives "${name}", which is not an input of the KPI (its inputs: ${declared.join(', ') || 'none'})`);
      continue;
    }
    if (input.kind === 'kpi') {
      problems.push(...checkWeeks(name, input, given, week));
      continue;
    }
    if (!Array.isArray(given) || given.some((row) => typeof row !== 'object' || row === null || Array.isArray(row))) {
      problems.push(`${name}: give its rows, an array of objects`);
      continue;
    }
    const rows = given as readonly GivenRow[];
    let columns: readonly string[] | undefined;
    let where: string;
    if (input.kind === 'sheet') {
      columns = Object.values(config.sheets[input.source]?.columns ?? {}).map((column) => column.name);
      where = `sheet ${input.source}`;
    } else {
      const table = tableOf(input);
      columns = sandbox.columns(table);
      where = input.kind === 'model' ? `model ${input.model}` : `table ${table}`;
      if (columns === undefined) {
        problems.push(`${name}: the test warehouse has no table ${table} (made from ${config.paths.fixtures}/schema.sql)`);
        continue;
      }
      // Two inputs on one table read the same rows: given under both, which would they be?
      const other = tablesGiven.get(table);
      if (other !== undefined) problems.push(`${other} and ${name} both read ${table}: give its rows once, under one of them`);
      tablesGiven.set(table, name);
    }
    const unknownColumns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((column) => !columns.includes(column));
    if (unknownColumns.length > 0) {
      problems.push(`${name}: ${where} has no column ${unknownColumns.map((column) => `"${column}"`).join(', ')} (its columns: ${columns.join(', ')})`);
    }
  }
  return problems;
}

function checkWeeks(name: string, input: Extract<InputDeclaration, { kind: 'kpi' }>, given: unknown, week: IsoWeek | undefined): string[] {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) return [`${name}: give ${input.kpi}'s values by ISO week, { '2026-W09': 3 }`];
  const problems: string[] = [];
  const read = week ? inputWeeks(input, week).map((each) => each.id) : undefined;
  for (const [key, value] of Object.entries(given)) {
    let id: string;
    try {
      id = IsoWeek.parse(key).id;
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      continue;
    }
    if (value !== null && !(typeof value === 'number' && Number.isFinite(value))) problems.push(`${name}: the value of ${id} is a finite number or null`);
    if (read && !read.includes(id)) problems.push(`${name}: gives ${id}, which it does not read (${read.length === 1 ? read[0] : `${read[0]}..${read.at(-1)}`})`);
  }
  return problems;
}

/** Computes the KPI for the example's week as a run's task does (task-runner.ts computeKpi), on the sandbox. */
async function runExample(
  kpi: KpiDeclaration,
  example: Example,
  sandbox: Sandbox,
  config: Config,
  where: { readonly file: string; readonly label: string },
  log: Logger,
): Promise<Actual> {
  const week = IsoWeek.parse(example.week);
  return sandbox.rolledBack(async (db) => {
    const inputs: Record<string, TableHandle | SheetHandle | readonly WeekValue[]> = {};
    for (const [name, input] of Object.entries(kpi.inputs)) {
      const given = example.given[name];
      switch (input.kind) {
        case 'table':
        case 'model': {
          const table = tableOf(input);
          try {
            if (given !== undefined) await insertRows(db, table, given as readonly GivenRow[]);
          } catch (error) {
            // A value its column cannot take ('yesterday' for a timestamp): the example is wrong, not the KPI.
            throw new DefinitionError([{ file: where.file, message: `${where.label}: ${name}: the rows given do not fit ${table}: ${(error as Error).message}` }]);
          }
          inputs[name] = tableHandle(db, table);
          break;
        }
        case 'sheet': {
          const rows = (given ?? []) as SheetHandle['rows'];
          await (await sandbox.duck()).registerTable(input.source, Object.values(config.sheets[input.source]!.columns), rows);
          inputs[name] = { source: input.source, table: input.source, rows };
          break;
        }
        case 'kpi': {
          const values = (given ?? {}) as GivenWeeks;
          inputs[name] = inputWeeks(input, week).map((each) => ({ week: each.id, value: values[each.id] ?? null }));
          break;
        }
      }
    }
    const note = incompleteWindow(kpi, inputs);
    if (note !== undefined) return { value: null, note };
    let value: number | null;
    try {
      value = await withTimeout(
        async (signal) => {
          const context: ComputeContext<Record<string, InputDeclaration>> = {
            week: weekContext(week, config.timeZone),
            inputs: inputs as ComputeContext<Record<string, InputDeclaration>>['inputs'],
            warehouse: db,
            duck: { all: async (query, params) => (await sandbox.duck()).all(query, params) },
            log: {
              info: (message, fields) => log.info(fields ?? {}, message),
              warn: (message, fields) => log.warn(fields ?? {}, message),
              debug: (message, fields) => log.debug(fields ?? {}, message),
            },
            signal,
          };
          return kpiValue(await kpi.compute(context), kpi.unit);
        },
        config.tasks.timeoutSeconds * 1000,
        undefined,
        example.name,
      );
    } catch (thrown) {
      return { value: null, error: coerceError(thrown).message };
    }
    // No week before is stored here: a check comparing with it finds no value.
    const failed = failedChecks(runChecks(kpi, value, { week: week.id, previous: { week: week.add(-1).id, value: null } }), 'error');
    return failed.length > 0 ? { value, error: describeFailures(failed) } : { value };
  });
}

/** Given rows, parameterised; a JSON column takes an object or array as it is written. */
async function insertRows(db: Kysely<any>, table: string, rows: readonly GivenRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([column, value]) => [column, typeof value === 'object' && value !== null && !(value instanceof Date) ? JSON.stringify(value) : value])),
  );
  await db.insertInto(table).values(values).execute();
}

function matches(expected: ExpectedValue, reason: string | undefined, actual: Actual): boolean {
  if (typeof expected === 'object' && expected !== null) {
    if (actual.error === undefined) return false;
    return typeof expected.error === 'string' ? actual.error.includes(expected.error) : expected.error.test(actual.error);
  }
  if (actual.error !== undefined) return false;
  if (expected === null) return actual.value === null && (reason === undefined || (actual.note ?? '').includes(reason));
  return actual.value !== null && Math.abs(actual.value - expected) <= TOLERANCE * Math.max(1, Math.abs(expected), Math.abs(actual.value));
}
