import { DirectedGraph } from 'graphology';
import { topologicalGenerations } from 'graphology-dag';
import { UNITS } from './declare.ts';
import type { Declaration, InputDeclaration, KpiDeclaration, ModelDeclaration, PublishDeclaration } from './declare.ts';
import { DefinitionError } from './errors.ts';
import type { Problem } from './errors.ts';
import { isValidModelName, isValidName, isValidTableName, kpiId, modelId, modelTable, publishId, sheetId, tableId } from './ids.ts';
import { targetProblems } from './targets.ts';

/** A declaration as the loader found it, with the file it came from. */
export interface LoadedDeclaration {
  readonly file: string;
  /** The domain folder the file sits in (`nodes/<domain>/…`), checked against the declared domain. */
  readonly folder?: string;
  readonly declaration: Declaration;
}

export type PipelineNode =
  | { readonly kind: 'table'; readonly id: string; readonly table: string; readonly changeColumn?: string }
  | { readonly kind: 'sheet'; readonly id: string; readonly source: string }
  | { readonly kind: 'kpi'; readonly id: string; readonly file: string; readonly declaration: KpiDeclaration }
  | { readonly kind: 'publish'; readonly id: string; readonly file: string; readonly declaration: PublishDeclaration }
  | { readonly kind: 'model'; readonly id: string; readonly file: string; readonly declaration: ModelDeclaration };

export interface PipelineEdge {
  /** The input's name in the downstream declaration (`forms`), or `kpi` for a publish edge. */
  readonly input: string;
  /** Weeks of the upstream read per downstream week (lookback window). */
  readonly weeks: number;
}

export type PipelineGraph = DirectedGraph<PipelineNode, PipelineEdge>;

export interface BuildOptions {
  /** Spreadsheet sources the configuration names; a `sheet()` input outside it is an error. */
  readonly sheetSources?: ReadonlySet<string>;
}

const MAX_LOOKBACK_WEEKS = 104;

/**
 * Turns loaded declarations into the validated dependency graph. Every problem found is
 * reported at once, each naming its file; nothing is returned unless all is valid.
 */
export function buildGraph(loaded: readonly LoadedDeclaration[], options: BuildOptions = {}): PipelineGraph {
  const problems: Problem[] = [];
  const graph: PipelineGraph = new DirectedGraph();
  const fileOf = new Map<string, string>();

  for (const { file, folder, declaration } of loaded) {
    const shapeProblems = checkShape(declaration, folder);
    if (shapeProblems.length > 0) {
      problems.push(...shapeProblems.map((message) => ({ file, message })));
      continue;
    }
    const id =
      declaration.kind === 'kpi' ? kpiId(declaration.domain, declaration.number) : declaration.kind === 'model' ? modelId(declaration.domain, declaration.name) : publishId(declaration.domain);
    const first = fileOf.get(id);
    if (first !== undefined) {
      const what =
        declaration.kind === 'kpi'
          ? `duplicate KPI number ${declaration.number} in domain "${declaration.domain}"`
          : declaration.kind === 'model'
            ? `duplicate model "${declaration.name}" in domain "${declaration.domain}"`
            : `duplicate publish declaration for domain "${declaration.domain}"`;
      problems.push({ file, message: `${what}: ${id} is already declared in ${first}` });
      continue;
    }
    fileOf.set(id, file);
    graph.addNode(
      id,
      declaration.kind === 'kpi'
        ? { kind: 'kpi', id, file, declaration }
        : declaration.kind === 'model'
          ? { kind: 'model', id, file, declaration }
          : { kind: 'publish', id, file, declaration },
    );
  }

  const declared = nodesOf(graph);
  const kpisByDomain = new Map<string, string[]>();
  const inputsOf = new Map<string, ReadonlyMap<string, PipelineEdge>>();
  for (const node of declared) {
    if (node.kind === 'kpi' || node.kind === 'model') {
      if (node.kind === 'kpi') {
        const domainKpis = kpisByDomain.get(node.declaration.domain);
        if (domainKpis) domainKpis.push(node.id);
        else kpisByDomain.set(node.declaration.domain, [node.id]);
      }
      // A node's inputs by upstream id, gathered first: two inputs may read the same node, and the graph gets one edge.
      const inputs = new Map<string, PipelineEdge>();
      for (const [name, input] of Object.entries(node.declaration.inputs as Record<string, InputDeclaration>)) {
        const problem =
          node.kind === 'model' && (input?.kind === 'sheet' || input?.kind === 'kpi')
            ? `a model reads warehouse tables and other models (its query runs in the warehouse), not ${input.kind === 'kpi' ? 'KPI values' : 'sheets'}`
            : addInput(graph, inputs, node.id, name, input, options);
        if (problem) problems.push({ file: node.file, message: `input "${name}": ${problem}` });
      }
      for (const [upstream, edge] of inputs) graph.addDirectedEdge(upstream, node.id, edge);
      inputsOf.set(node.id, inputs);
    }
  }
  for (const node of declared) {
    if (node.kind === 'publish') {
      for (const kpi of kpisByDomain.get(node.declaration.domain) ?? []) graph.addDirectedEdge(kpi, node.id, { input: 'kpi', weeks: 1 });
    }
  }

  // `model('a.b')` and `table('a.b')` would read two different things under one name.
  for (const node of declared) {
    if (node.kind === 'model' && graph.hasNode(tableId(node.id))) {
      const readers = graph.outNeighbors(tableId(node.id)).sort();
      problems.push({ file: node.file, message: `model ${node.id} has the name of the warehouse table ${node.id} (read by ${readers.join(', ')}): rename the model` });
    }
  }

  if (problems.length === 0) {
    // Naming a cycle sorts every node and its neighbours: done only once a cheaper walk has found there is one.
    const cycle = isAcyclic(inputsOf) ? undefined : findCycle(graph);
    if (cycle) {
      const files = [...new Set(cycle.map((id) => fileOf.get(id)).filter((file) => file !== undefined))];
      problems.push({ message: `dependency cycle: ${cycle.join(' -> ')} (in ${files.join(', ')})` });
    }
  }
  if (problems.length > 0) throw new DefinitionError(problems);
  return graph;
}

export function nodesOf(graph: PipelineGraph): PipelineNode[] {
  return graph.mapNodes((_id, attributes) => attributes);
}

/** Node ids grouped by topological level: sources first, each level depending only on earlier ones. */
export function topologicalLevels(graph: PipelineGraph): string[][] {
  return topologicalGenerations(graph).map((level) => [...level].sort());
}

function checkShape(declaration: Declaration, folder: string | undefined): string[] {
  if (typeof declaration !== 'object' || declaration === null || !('kind' in declaration)) {
    return ['the default export is not a declaration; export default defineKpi({...}) or definePublish({...})'];
  }
  const problems: string[] = [];
  if (typeof declaration.domain !== 'string' || !isValidName(declaration.domain)) {
    problems.push(`domain ${JSON.stringify(declaration.domain)} must be lower case letters, digits and _`);
  } else if (folder !== undefined && folder !== declaration.domain) {
    problems.push(`declares domain "${declaration.domain}" but sits in the folder of domain "${folder}"`);
  }
  problems.push(...tagProblems(declaration.tags));
  if (declaration.kind === 'publish') {
    if (typeof declaration.scorecard !== 'string' || declaration.scorecard.trim() === '') {
      problems.push('scorecard name is missing');
    }
    return problems;
  }
  if (declaration.kind === 'model') return [...problems, ...modelProblems(declaration)];
  if (declaration.kind !== 'kpi') return [`unknown declaration kind ${JSON.stringify((declaration as { kind: unknown }).kind)}`];
  if (!Number.isInteger(declaration.number) || declaration.number < 1 || declaration.number > 99) {
    problems.push(`number ${JSON.stringify(declaration.number)} must be a whole number from 1 to 99`);
  }
  if (typeof declaration.name !== 'string' || declaration.name.trim() === '') problems.push('name is missing');
  if (!UNITS.includes(declaration.unit)) {
    problems.push(`unit ${JSON.stringify(declaration.unit)} must be one of ${UNITS.join(', ')}`);
  }
  if (typeof declaration.compute !== 'function') problems.push('compute is not a function');
  if (typeof declaration.inputs !== 'object' || declaration.inputs === null) problems.push('inputs must be an object');
  if (declaration.target !== undefined) problems.push(...targetProblems(declaration.target));
  return problems;
}

const TAG = /^[a-z][a-z0-9_-]*$/;

/** Tags are lower-case words (`board`, `north-star`), so `tag:board` finds them as written. */
function tagProblems(tags: unknown): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) return [`tags must be a list of lower-case words, e.g. tags: ['weekly', 'board'], got ${JSON.stringify(tags)}`];
  const bad = tags.filter((tag) => typeof tag !== 'string' || !TAG.test(tag));
  return bad.length > 0 ? [`tags ${bad.map((tag) => JSON.stringify(tag)).join(', ')} must be lower-case words: a letter, then letters, digits, _ or -`] : [];
}

/** PostgreSQL's limit on a name, which a model's table (and the one it is built in, `…__next`) must keep. */
const MAX_IDENTIFIER = 63;

function modelProblems(declaration: ModelDeclaration): string[] {
  const problems: string[] = [];
  if (typeof declaration.name !== 'string' || !isValidModelName(declaration.name)) {
    problems.push(`model name ${JSON.stringify(declaration.name)} must be lower case letters, digits and single _, and not "publish" or a KPI's "kpiNN"`);
  } else if (isValidName(declaration.domain) && modelTable(modelId(declaration.domain, declaration.name)).split('.')[1]!.length + '__next'.length > MAX_IDENTIFIER) {
    problems.push(`model name "${declaration.name}" is too long: its table ${modelTable(modelId(declaration.domain, declaration.name))} must fit PostgreSQL's ${MAX_IDENTIFIER - '__next'.length} characters`);
  }
  if (typeof declaration.query !== 'function') problems.push('query is not a function');
  if (typeof declaration.inputs !== 'object' || declaration.inputs === null) problems.push('inputs must be an object');
  if (declaration.timeColumn !== undefined && (typeof declaration.timeColumn !== 'string' || !isValidName(declaration.timeColumn))) {
    problems.push(`timeColumn ${JSON.stringify(declaration.timeColumn)} must be a column name: lower case letters, digits and _`);
  }
  return problems;
}

/** Adds one input to the node's `inputs` (and its source node to the graph); returns what is wrong with it, if anything. */
function addInput(
  graph: PipelineGraph,
  inputs: Map<string, PipelineEdge>,
  target: string,
  name: string,
  input: InputDeclaration,
  options: BuildOptions,
): string | undefined {
  switch (input?.kind) {
    case 'table': {
      if (!isValidTableName(input.table)) {
        return `table "${input.table}" must be written schema.table in lower case letters, digits and _`;
      }
      for (const column of [input.changeColumn, input.window?.column, ...(input.columns ?? [])]) {
        if (column !== undefined && !isValidName(column)) return `column "${column}" of table "${input.table}" must be lower case letters, digits and _`;
      }
      if (input.columns !== undefined && input.columns.length === 0) return `table "${input.table}": columns, when given, lists at least one column`;
      if (input.window !== undefined && (!Number.isInteger(input.window.weeks) || input.window.weeks < 1)) {
        return `table "${input.table}": window.weeks must be a whole number of at least 1`;
      }
      const id = tableId(input.table);
      const known = graph.hasNode(id);
      const declared = known ? (graph.getNodeAttributes(id) as { changeColumn?: string }).changeColumn : undefined;
      if (declared !== undefined && input.changeColumn !== undefined && declared !== input.changeColumn) {
        return `table "${input.table}" is declared elsewhere with change column "${declared}", here with "${input.changeColumn}"`;
      }
      // Most inputs name a table already known the same way: only a new table, or a change column given at last, writes the node.
      if (!known) graph.addNode(id, input.changeColumn === undefined ? { kind: 'table', id, table: input.table } : { kind: 'table', id, table: input.table, changeColumn: input.changeColumn });
      else if (declared === undefined && input.changeColumn !== undefined) graph.replaceNodeAttributes(id, { kind: 'table', id, table: input.table, changeColumn: input.changeColumn });
      inputs.set(id, { input: name, weeks: 1 });
      return undefined;
    }
    case 'sheet': {
      if (options.sheetSources && !options.sheetSources.has(input.source)) {
        const known = [...options.sheetSources].sort().join(', ') || 'none';
        return `unknown sheet source "${input.source}" (configured: ${known})`;
      }
      const id = sheetId(input.source);
      if (!graph.hasNode(id)) graph.addNode(id, { kind: 'sheet', id, source: input.source });
      inputs.set(id, { input: name, weeks: 1 });
      return undefined;
    }
    case 'model': {
      for (const column of [input.window?.column, ...(input.columns ?? [])]) {
        if (column !== undefined && !isValidName(column)) return `column "${column}" of model "${input.model}" must be lower case letters, digits and _`;
      }
      if (input.columns !== undefined && input.columns.length === 0) return `model "${input.model}": columns, when given, lists at least one column`;
      if (input.window !== undefined && (!Number.isInteger(input.window.weeks) || input.window.weeks < 1)) {
        return `model "${input.model}": window.weeks must be a whole number of at least 1`;
      }
      const upstream = graph.hasNode(input.model) ? graph.getNodeAttributes(input.model) : undefined;
      if (upstream?.kind !== 'model') return `unknown model "${input.model}"`;
      if (input.model === target) return 'a model cannot read itself';
      inputs.set(input.model, { input: inputs.has(input.model) ? `${inputs.get(input.model)!.input},${name}` : name, weeks: 1 });
      return undefined;
    }
    case 'kpi': {
      if (!Number.isInteger(input.weeks) || input.weeks < 1 || input.weeks > MAX_LOOKBACK_WEEKS) {
        return `weeks must be a whole number from 1 to ${MAX_LOOKBACK_WEEKS}, got ${JSON.stringify(input.weeks)}`;
      }
      const upstream = graph.hasNode(input.kpi) ? graph.getNodeAttributes(input.kpi) : undefined;
      if (upstream?.kind !== 'kpi') return `unknown KPI "${input.kpi}"`;
      if (input.kpi === target) return 'a KPI cannot read its own values';
      // Two inputs may read the same KPI (this week, and a 4-week window): the edge keeps the widest window.
      const existing = inputs.get(input.kpi);
      inputs.set(input.kpi, existing === undefined ? { input: name, weeks: input.weeks } : { input: `${existing.input},${name}`, weeks: Math.max(existing.weeks, input.weeks) });
      return undefined;
    }
    default:
      return 'not an input declaration; use table(), sheet(), model() or kpi()';
  }
}

/**
 * Whether no KPI or model reads itself through others: a depth-first walk over each one's
 * inputs, upstream. Only KPIs and models can be on a cycle: a source reads nothing and nothing
 * reads a publish.
 */
function isAcyclic(inputsOf: ReadonlyMap<string, ReadonlyMap<string, PipelineEdge>>): boolean {
  // false while a KPI is on the walk's path, true once everything it reads is walked.
  const walked = new Map<string, boolean>();
  for (const start of inputsOf.keys()) {
    if (walked.has(start)) continue;
    walked.set(start, false);
    const path = [{ id: start, reads: inputsOf.get(start)!.keys() }];
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const next = top.reads.next();
      if (next.done) {
        walked.set(top.id, true);
        path.pop();
        continue;
      }
      const reads = inputsOf.get(next.value);
      if (reads === undefined) continue;
      const state = walked.get(next.value);
      if (state === false) return false;
      if (state === undefined) {
        walked.set(next.value, false);
        path.push({ id: next.value, reads: reads.keys() });
      }
    }
  }
  return true;
}

/**
 * The first cycle found, as a path that returns to its start, or undefined for a DAG. A
 * depth-first search with its own stack: a chain of thousands of KPIs would overflow the
 * call stack.
 */
function findCycle(graph: PipelineGraph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  for (const start of [...graph.nodes()].sort()) {
    if (state.has(start)) continue;
    // The open path: each node with its out-neighbours in order, and how many were visited.
    const path: { id: string; next: string[]; visited: number }[] = [];
    const open = (id: string) => {
      state.set(id, 'open');
      path.push({ id, next: graph.outNeighbors(id).sort(), visited: 0 });
    };
    open(start);
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const next = top.next[top.visited++];
      if (next === undefined) {
        state.set(top.id, 'done');
        path.pop();
      } else if (state.get(next) === 'open') {
        const ids = path.map((entry) => entry.id);
        return [...ids.slice(ids.indexOf(next)), next];
      } else if (!state.has(next)) {
        open(next);
      }
    }
  }
  return undefined;
}
