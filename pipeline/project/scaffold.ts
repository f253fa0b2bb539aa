import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Temporal } from 'temporal-polyfill';
import type { Unit } from '../../graph/declare.ts';
import { DefinitionError } from '../../graph/errors.ts';
import type { Problem } from '../../graph/errors.ts';
import { isValidName, isValidTableName, kpiId, kpiNumberLabel, publishId } from '../../graph/ids.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import { closestMatches } from '../../graph/text.ts';
import type { SheetSourceConfig } from '../config.ts';
import type { TableColumn } from '../connectors/warehouse/catalog.ts';
import { defaultScorecardName } from './project.ts';
import type { Project } from './project.ts';

/** What `new --from` reads: a warehouse table, a configured sheet source, or another KPI. */
export type KpiSource =
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'sheet'; readonly source: string }
  | { readonly kind: 'kpi'; readonly kpi: string };

export interface ScaffoldRequest {
  readonly nodesDir: string;
  /** Written paths are reported relative to it. */
  readonly root: string;
  readonly project: Project;
  /** The configured sheet sources (`sheets` in kpi.config.json). */
  readonly sheets: Readonly<Record<string, SheetSourceConfig>>;
  readonly domain: string;
  readonly number: number;
  readonly name: string;
  /** `table:<schema.table>`, `sheet:<source>` or `kpi:<domain.kpiNN>`. */
  readonly from?: string;
  /** The table's columns, or undefined when the warehouse has none by that name; asked last, when all else is valid. */
  describeTable(table: string): Promise<{ readonly location: string; readonly columns: readonly TableColumn[] | undefined }>;
}

/**
 * Writes `nodes/<domain>/kpiNN.ts` from a template that is valid as it is, its examples file
 * `kpiNN.examples.ts` with one example that passes as it is (for `pipeline test`), and the
 * domain's publish file when the domain is new. Without `from` the KPI reads nothing and has no value
 * yet; with it, it reads that input: a count of the table's or the sheet's rows (a TODO says
 * where the week's filter goes), or the other KPI's value for the week. Everything is checked
 * before anything is written. Returns the files written, relative to `root`.
 */
export async function scaffoldKpi(request: ScaffoldRequest): Promise<string[]> {
  const { nodesDir, root, project, domain, number } = request;
  const name = request.name.trim();
  const problems: Problem[] = [];
  if (!isValidName(domain)) problems.push({ message: `domain "${domain}" must be lower case letters, digits and _` });
  if (!Number.isInteger(number) || number < 1 || number > 99) problems.push({ message: `number "${number}" must be a whole number from 1 to 99` });
  if (name === '') problems.push({ message: 'the KPI needs a name' });
  const source = request.from === undefined ? undefined : parseSource(request.from, problems);
  if (source) checkSource(source, request, problems);
  if (problems.length > 0) throw new DefinitionError(problems);

  const id = kpiId(domain, number);
  const file = join(nodesDir, domain, `kpi${kpiNumberLabel(number)}.ts`);
  const examplesFile = join(nodesDir, domain, `kpi${kpiNumberLabel(number)}.examples.ts`);
  if (project.graph.hasNode(id)) {
    const existing = project.graph.getNodeAttributes(id);
    throw new DefinitionError([{ message: `${id} already exists${'file' in existing ? ` in ${existing.file}` : ''}` }]);
  }
  for (const path of [file, examplesFile]) if (existsSync(path)) throw new DefinitionError([{ file: relative(root, path), message: 'already exists' }]);

  let template: string;
  if (source?.kind === 'table') {
    const { location, columns } = await request.describeTable(source.table);
    if (!columns) throw new DefinitionError([{ message: `--from table:${source.table}: the warehouse (${location}) has no table ${source.table}` }]);
    template = tableTemplate(domain, number, name, source.table, columns);
  } else if (source?.kind === 'sheet') {
    template = sheetTemplate(domain, number, name, source.source, request.sheets[source.source]!);
  } else if (source?.kind === 'kpi') {
    template = kpiTemplate(domain, number, name, source.kpi, unitOf(project, source.kpi));
  } else {
    template = emptyTemplate(domain, number, name);
  }

  const written: string[] = [];
  await mkdir(join(nodesDir, domain), { recursive: true });
  if (!project.graph.hasNode(publishId(domain))) {
    const publish = join(nodesDir, domain, 'publish.ts');
    const scorecard = defaultScorecardName(domain);
    await writeFile(
      publish,
      `import { definePublish } from 'kpi-factory';\n\n/** The ${scorecard} scorecard: every ${domain} KPI of the week. */\nexport default definePublish({ domain: '${domain}', scorecard: ${JSON.stringify(scorecard)} });\n`,
      { flag: 'wx' },
    );
    written.push(relative(root, publish));
  }
  await writeFile(file, template, { flag: 'wx' });
  written.push(relative(root, file));
  await writeFile(examplesFile, examplesTemplate(id, source), { flag: 'wx' });
  written.push(relative(root, examplesFile));
  return written;
}

const FROM_FORMS = 'table:<schema.table>, sheet:<source> or kpi:<domain.kpiNN>';

function parseSource(from: string, problems: Problem[]): KpiSource | undefined {
  const [kind, ...rest] = from.split(':');
  const target = rest.join(':');
  if (kind === 'table' && isValidTableName(target)) return { kind, table: target };
  if (kind === 'table') problems.push({ message: `--from ${from}: a table is written schema.table in lower case letters, digits and _` });
  else if (kind === 'sheet' && target !== '') return { kind, source: target };
  else if (kind === 'kpi' && target !== '') return { kind, kpi: target };
  else problems.push({ message: `--from "${from}": expected ${FROM_FORMS}` });
  return undefined;
}

/** An unknown sheet source or KPI, with the name probably meant. */
function checkSource(source: KpiSource, request: ScaffoldRequest, problems: Problem[]): void {
  const suggest = (word: string, known: Iterable<string>) => {
    const [closest] = closestMatches(word, known, 1);
    return closest ? `; did you mean ${closest}?` : '';
  };
  if (source.kind === 'sheet' && request.sheets[source.source] === undefined) {
    const known = Object.keys(request.sheets).sort();
    problems.push({ message: `--from sheet:${source.source}: no sheet source "${source.source}" is configured (configured: ${known.join(', ') || 'none'})${suggest(source.source, known)}` });
  }
  const { graph } = request.project;
  if (source.kind === 'kpi' && !(graph.hasNode(source.kpi) && graph.getNodeAttributes(source.kpi).kind === 'kpi')) {
    const kpis = graph.filterNodes((_id, node) => node.kind === 'kpi');
    problems.push({ message: `--from kpi:${source.kpi}: there is no KPI ${source.kpi}${suggest(source.kpi, kpis)}` });
  }
}

function unitOf(project: Project, kpi: string): Unit {
  const node = project.graph.getNodeAttributes(kpi);
  return node.kind === 'kpi' ? node.declaration.unit : 'decimal';
}

/** The lines every template starts with, down to `details`. */
function header(imports: string, domain: string, number: number, name: string, unit: Unit, details: string): string {
  return `import { ${imports} } from 'kpi-factory';

/** ${name.replace(/\*\//g, '* /')}. */
export default defineKpi({
  domain: '${domain}',
  number: ${number},
  name: ${JSON.stringify(name)},
  unit: '${unit}', // integer | decimal | percent (a ratio, 0.25 shows as 25%) | currency
  details: ${JSON.stringify(details)},
`;
}

function emptyTemplate(domain: string, number: number, name: string): string {
  return `${header('defineKpi', domain, number, name, 'integer', '')}  // What it reads: table('schema.table'), sheet('source_name'), kpi('${domain}.kpi01', { weeks: 4 }).
  inputs: {},
  // Receives { week, inputs, warehouse, duck, log, signal }; returns the week's number, or null.
  // See "Adding a KPI" in the README.
  compute: () => null,
});
`;
}

const DATE_TYPES = new Set(['date', 'timestamp with time zone', 'timestamp without time zone']);

function tableTemplate(domain: string, number: number, name: string, table: string, columns: readonly TableColumn[]): string {
  const input = table.split('.')[1]!;
  // The week's filter on the table's first date or timestamp column: local-time bounds for a timestamp, the week's days for a date.
  const dated = columns.find((column) => DATE_TYPES.has(column.type));
  const filter =
    dated?.type === 'date'
      ? `where ${dated.name} between \${week.monday}::date and \${week.lastSunday}::date`
      : `where ${dated?.name ?? '<a timestamp column>'} >= \${week.startsAt}::timestamptz and ${dated?.name ?? '<a timestamp column>'} < \${week.endsAt}::timestamptz`;
  return `${header('defineKpi, notNull, sql, table', domain, number, name, 'integer', `Rows of ${table}`)}  inputs: { ${input}: table('${table}') },
  checks: [notNull()],
  async compute({ inputs, warehouse }) {
    // TODO: count only the week's rows: take \`week\` from the context beside inputs and add
    //   ${filter}
    const { rows } = await sql<{ count: number }>\`
      select count(*)::int as count
      from \${inputs.${input}.ref}\`.execute(warehouse);
    return rows[0]?.count ?? 0;
  },
});
`;
}

function sheetTemplate(domain: string, number: number, name: string, source: string, config: SheetSourceConfig): string {
  const dated = Object.values(config.columns).find((column) => column.type === 'date')?.name ?? '<a date column>';
  return `${header('defineKpi, notNull, sheet', domain, number, name, 'integer', `Rows of the ${source} sheet`)}  inputs: { ${source}: sheet('${source}') },
  checks: [notNull()],
  async compute({ inputs, duck }) {
    // TODO: count only the week's rows: take \`week\` from the context beside inputs, add
    //   where ${dated} between ?::date and ?::date
    // and pass [week.monday, week.lastSunday] as the query's parameters.
    const [row] = await duck.all<{ count: number }>(\`select count(*)::integer as count from \${inputs.${source}.table}\`);
    return row?.count ?? 0;
  },
});
`;
}

/** The input name of a kpi input: `kpi06` within the domain, `success_kpi32` from another. */
const kpiInputName = (domain: string, upstream: string) => (upstream.startsWith(`${domain}.`) ? upstream.slice(domain.length + 1) : upstream.replace('.', '_'));

function kpiTemplate(domain: string, number: number, name: string, upstream: string, unit: Unit): string {
  const input = kpiInputName(domain, upstream);
  return `${header('defineKpi, kpi', domain, number, name, unit, `From ${upstream}`)}  // kpi('${upstream}', { weeks: 4 }) would read the week and the 3 before, oldest first.
  inputs: { ${input}: kpi('${upstream}') },
  // The value of ${upstream} for the week (null when it has none).
  compute: ({ inputs }) => inputs.${input}[0]?.value ?? null,
});
`;
}

/**
 * One example that passes with the template as written (a count of no rows is 0; the upstream
 * value given is the value; a KPI without inputs has none), with a TODO to make it a real case.
 */
function examplesTemplate(id: string, source: KpiSource | undefined): string {
  // The week before this one: a recent week, valid whatever the template.
  const week = IsoWeek.containing(Temporal.Now.plainDateISO()).add(-1).id;
  const domain = id.split('.')[0]!;
  let given = '{}';
  let expect = 'null';
  let why = 'compute returns null until it is written. TODO: give its inputs rows or values and expect what it should give';
  if (source?.kind === 'table' || source?.kind === 'sheet') {
    const input = source.kind === 'table' ? source.table.split('.')[1]! : source.source;
    given = `{ ${input}: [] }`;
    expect = '0';
    why = `no row: a count of 0. TODO: give rows (only the columns that matter), e.g. one inside the week and one just outside it`;
  } else if (source?.kind === 'kpi') {
    given = `{ ${kpiInputName(domain, source.kpi)}: { '${week}': 1 } }`;
    expect = '1';
    why = `the value of ${source.kpi} for the week (1 is a value in every unit). TODO: a case where its logic matters`;
  }
  return `import { examples } from 'kpi-factory';

// Run them with: pnpm pipeline test --select ${id}. See "Testing a KPI with examples" in the README.
export default examples('${id}', [
  {
    name: 'TODO: what this case shows',
    week: '${week}',
    given: ${given},
    // ${why}.
    expect: ${expect},
  },
]);
`;
}
