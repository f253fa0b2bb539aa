import type { PipelineGraph, PipelineNode } from './build.ts';
import { SelectorError } from './errors.ts';
import { closestMatches } from './text.ts';

/**
 * dbt's selector syntax. A selector is a node id or glob (`success.kpi06`, `success.*`) or a
 * method and its value (`tag:board`, `path:nodes/success`, `source:stg_hubspot.*`,
 * `kind:kpi`, `state:modified`, `result:error`), with dbt's graph operators around it: `+x`
 * (and ancestors), `x+` (and descendants), `2+x` / `x+1` (bounded depth), `@x` (x, its
 * descendants and all their ancestors). As in dbt, selectors separated by spaces are a union
 * and a comma inside one is an intersection (`tag:weekly,success.*`); `exclude` subtracts.
 */
export interface Selector {
  readonly text: string;
  /** Undefined for a node id or glob. */
  readonly method?: SelectorMethod;
  /** The node id or glob, or the method's value. */
  readonly pattern: string;
  readonly at: boolean;
  /** Ancestor depth: undefined = none, Infinity = all. */
  readonly up?: number;
  readonly down?: number;
}

const SELECTOR_METHODS = ['tag', 'path', 'source', 'kind', 'state', 'result'] as const;
export type SelectorMethod = (typeof SELECTOR_METHODS)[number];

/** dbt's names that mean one of ours: `fqn:x` is the node id x, `resource_type:` is `kind:`. */
const ALIASES: Readonly<Record<string, SelectorMethod | undefined>> = { fqn: undefined, resource_type: 'kind' };

/** The prefixes of source node ids (`table:s.t`, `sheet:name`): part of the id, not a method. */
const ID_PREFIXES = ['table', 'sheet'];

const NODE_KINDS: readonly PipelineNode['kind'][] = ['kpi', 'model', 'publish', 'table', 'sheet'];

/** `result:` values, by the outcome of a node's tasks in a run: error = failed, fail = an `error` check failed. */
const RUN_RESULTS = ['success', 'error', 'fail', 'blocked'] as const;
export type RunResult = (typeof RUN_RESULTS)[number];

/** Methods whose values are a fixed list, checked when the selector is parsed. */
const VALUES: Partial<Record<SelectorMethod, readonly string[]>> = { kind: NODE_KINDS, state: ['modified'], result: RUN_RESULTS };

/** What `state:` and `result:` need from the warehouse, read by the caller and passed in as data. */
export interface SelectionState {
  /** Nodes whose code or declaration differ from their last successful run's, and nodes that never ran. */
  readonly modified: ReadonlySet<string>;
  /** Node id → the outcomes of its tasks in the run compared with (the latest, or one named). */
  readonly results: ReadonlyMap<string, ReadonlySet<RunResult>>;
}

export interface SelectionContext {
  /** Needed when a selector uses `state:` or `result:` (see methodsNeedingState). */
  readonly state?: SelectionState;
  /** A node's file as `path:` matches it (relative to the working directory); the declared file by default. */
  readonly pathOf?: (file: string) => string;
}

const SELECTOR = /^(@)?(?:(\d*)\+)?([^+@\s,]+?)(?:\+(\d*))?$/;

const EXAMPLES = 'e.g. success.kpi06, +success.publish, success.kpi06+, 2+success.kpi05, @success.kpi06, success.*, tag:board, path:nodes/success';

/** One selector, without spaces or commas. */
export function parseSelector(text: string): Selector {
  const trimmed = text.trim();
  const match = SELECTOR.exec(trimmed);
  if (!match || match[3] === undefined) {
    throw new SelectorError(`bad selector "${text}": expected a node id, pattern or method:value with optional graph operators, ${EXAMPLES}`);
  }
  const [, at, up, pattern, down] = match;
  if (/^\d+$/.test(pattern) && down !== undefined) {
    throw new SelectorError(`bad selector "${text}": a depth needs a node, e.g. ${pattern}+success.kpi05`);
  }
  const depth = (digits: string | undefined) => (digits === undefined ? undefined : digits === '' ? Infinity : Number(digits));
  if (at && (up !== undefined || down !== undefined)) {
    throw new SelectorError(`bad selector "${text}": @ cannot be combined with + operators`);
  }
  return { text: trimmed, ...methodOf(trimmed, pattern), at: at !== undefined, up: depth(up), down: depth(down) };
}

function methodOf(text: string, pattern: string): { method?: SelectorMethod; pattern: string } {
  const colon = pattern.indexOf(':');
  const name = pattern.slice(0, colon);
  if (colon < 0 || ID_PREFIXES.includes(name)) return { pattern };
  const value = pattern.slice(colon + 1);
  const method = Object.hasOwn(ALIASES, name) ? ALIASES[name] : (SELECTOR_METHODS as readonly string[]).includes(name) ? (name as SelectorMethod) : null;
  if (method === null) {
    const close = closestMatches(name, [...SELECTOR_METHODS, ...Object.keys(ALIASES), ...ID_PREFIXES], 3);
    throw new SelectorError(
      `bad selector "${text}": unknown method "${name}:"` +
        (close.length > 0 ? `; did you mean ${close.map((candidate) => `${candidate}:${value}`).join(', ')}?` : ` (methods: ${SELECTOR_METHODS.join(', ')})`),
    );
  }
  if (value === '') throw new SelectorError(`bad selector "${text}": ${name}: needs a value after the colon, e.g. tag:weekly`);
  const allowed = method && VALUES[method];
  if (allowed && !allowed.includes(value)) {
    const close = closestMatches(value, allowed, 1);
    throw new SelectorError(
      `bad selector "${text}": ${method}:${value} is not one of ${allowed.map((each) => `${method}:${each}`).join(', ')}` + (close.length > 0 ? `; did you mean ${method}:${close[0]}?` : ''),
    );
  }
  return method ? { method, pattern: value } : { pattern: value };
}

/** One `--select` value: a union of intersections (spaces between selectors, commas inside one). */
export function parseSelection(text: string): Selector[][] {
  const terms = text.trim().split(/\s+/);
  return terms.map((term) => {
    const parts = term.split(',');
    if (parts.some((part) => part === '')) throw new SelectorError(`bad selector "${text}": an empty part around a comma (a comma intersects, as in dbt: tag:weekly,success.*)`);
    return parts.map(parseSelector);
  });
}

/** Whether a selection uses `state:` or `result:`, which need the warehouse's ledger (throws a SelectorError on a bad selector). */
export function methodsNeedingState(texts: readonly string[]): { readonly state: boolean; readonly result: boolean } {
  const methods = new Set(texts.flatMap((text) => parseSelection(text).flat().map((selector) => selector.method)));
  return { state: methods.has('state'), result: methods.has('result') };
}

/** The node ids selected by the union of `include` minus the union of `exclude`. */
export function selectNodes(graph: PipelineGraph, include: readonly string[], exclude: readonly string[] = [], context: SelectionContext = {}): Set<string> {
  const parsed = { include: include.map(parseSelection), exclude: exclude.map(parseSelection) };
  const chosen = union(graph, parsed.include, context);
  for (const id of union(graph, parsed.exclude, context)) chosen.delete(id);
  return chosen;
}

function union(graph: PipelineGraph, selections: readonly Selector[][][], context: SelectionContext): Set<string> {
  const result = new Set<string>();
  for (const terms of selections) for (const parts of terms) for (const id of intersect(graph, parts, context)) result.add(id);
  return result;
}

/** The nodes every part selects. An empty result of parts that each select something is an error, unless it depends on the ledger. */
function intersect(graph: PipelineGraph, parts: readonly Selector[], context: SelectionContext): Set<string> {
  const [first, ...rest] = parts.map((part) => resolve(graph, part, context));
  let result = first!;
  for (const set of rest) result = new Set([...result].filter((id) => set.has(id)));
  if (result.size > 0 || parts.length === 1 || parts.some(dependsOnLedger)) return result;
  const text = parts.map((part) => part.text).join(',');
  if (parts.every((part) => part.method === undefined)) {
    // Before dbt's syntax a comma was a union: say how to write one now.
    const names = parts.map((part) => part.text);
    throw new SelectorError(`a comma intersects (as in dbt): \`${text}\` matches nothing; for the union of ${names.join(' and ')} write \`--select ${names.join(' ')}\``);
  }
  throw new SelectorError(`selector "${text}" matches no node: each part matches some, but no node is in all of them`);
}

/** `state:` and `result:` may rightly match nothing (nothing modified, nothing failed). */
const dependsOnLedger = (selector: Selector) => selector.method === 'state' || selector.method === 'result';

function resolve(graph: PipelineGraph, selector: Selector, context: SelectionContext): Set<string> {
  const roots = matchRoots(graph, selector, context);
  if (roots.length === 0 && !dependsOnLedger(selector)) {
    const suggestions = suggest(graph, selector, context);
    throw new SelectorError(`selector "${selector.text}" matches no node` + (suggestions.length > 0 ? `; did you mean ${suggestions.join(', ')}?` : ''));
  }
  const result = new Set<string>(roots);
  if (selector.at) {
    const descendants = walk(graph, roots, 'out', Infinity);
    for (const id of walk(graph, [...descendants], 'in', Infinity)) result.add(id);
    return result;
  }
  if (selector.up !== undefined) for (const id of walk(graph, roots, 'in', selector.up)) result.add(id);
  if (selector.down !== undefined) for (const id of walk(graph, roots, 'out', selector.down)) result.add(id);
  return result;
}

/** The nodes the selector names, before its graph operators. */
function matchRoots(graph: PipelineGraph, selector: Selector, context: SelectionContext): string[] {
  const { pattern } = selector;
  const matches = globMatcher(pattern);
  switch (selector.method) {
    case undefined:
      return pattern.includes('*') ? graph.filterNodes((id) => matches(id)) : graph.hasNode(pattern) ? [pattern] : [];
    case 'tag':
      return graph.filterNodes((_id, node) => tagsOf(node).some(matches));
    case 'path': {
      const path = normalisePath(pattern);
      const under = globMatcher(`${path}/*`);
      return graph.filterNodes((_id, node) => {
        const file = fileOf(node, context);
        return file !== undefined && (path === '' || globMatcher(path)(file) || under(file));
      });
    }
    case 'source':
      return graph.filterNodes((_id, node) => (node.kind === 'table' && matches(node.table)) || (node.kind === 'sheet' && matches(node.source)));
    case 'kind':
      return graph.filterNodes((_id, node) => node.kind === pattern);
    case 'state':
      return [...stateOf(selector, context).modified].filter((id) => graph.hasNode(id));
    case 'result': {
      const results = stateOf(selector, context).results;
      return graph.filterNodes((id) => results.get(id)?.has(pattern as RunResult) === true);
    }
  }
}

function stateOf(selector: Selector, context: SelectionContext): SelectionState {
  if (!context.state) throw new SelectorError(`selector "${selector.text}" needs the run ledger, which this command does not read`);
  return context.state;
}

/** A node's tags: declared by KPIs, models and publishes. */
export function tagsOf(node: PipelineNode): readonly string[] {
  return node.kind === 'table' || node.kind === 'sheet' ? [] : (node.declaration.tags ?? []);
}

function fileOf(node: PipelineNode, context: SelectionContext): string | undefined {
  if (!('file' in node)) return undefined;
  return context.pathOf ? context.pathOf(node.file) : node.file;
}

/** `./nodes/success/` and `nodes/success` are the same folder. */
function normalisePath(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
}

/** What the user may have meant by a selector that matches nothing. */
function suggest(graph: PipelineGraph, selector: Selector, context: SelectionContext): string[] {
  const { pattern } = selector;
  const nodes = graph.mapNodes((_id, node) => node);
  const closest = (candidates: Iterable<string>, prefix = '') => closestMatches(pattern, new Set(candidates), 3).map((candidate) => `${prefix}${candidate}`);
  switch (selector.method) {
    case undefined: {
      // `kpi06` for `success.kpi06`, `stg_hubspot.agreements` for `table:stg_hubspot.agreements`.
      const named = nodes.filter((node) => node.id.endsWith(`.${pattern}`) || node.id.endsWith(`:${pattern}`)).map((node) => node.id);
      return [...new Set([...named, ...closest(graph.nodes())])].slice(0, 3);
    }
    case 'tag':
      return closest(nodes.flatMap(tagsOf), 'tag:');
    case 'path': {
      const files = nodes.flatMap((node) => fileOf(node, context) ?? []);
      const folders = files.flatMap((file) => file.split('/').slice(0, -1).map((_part, index, parts) => parts.slice(0, index + 1).join('/')));
      return closest([...files, ...folders], 'path:');
    }
    case 'source':
      return closest(
        nodes.flatMap((node) => (node.kind === 'table' ? [node.table] : node.kind === 'sheet' ? [node.source] : [])),
        'source:',
      );
    default:
      return [];
  }
}

/** `*` matches any run of characters, everything else itself. */
function globMatcher(pattern: string): (text: string) => boolean {
  if (!pattern.includes('*')) return (text) => text === pattern;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return (text) => regex.test(text);
}

/** The roots and every node within `depth` steps of them in one direction. */
function walk(graph: PipelineGraph, roots: readonly string[], direction: 'in' | 'out', depth: number): Set<string> {
  const seen = new Set<string>(roots);
  let frontier = [...roots];
  for (let step = 0; step < depth && frontier.length > 0; step++) {
    const next: string[] = [];
    for (const id of frontier) {
      const neighbours = direction === 'in' ? graph.inNeighbors(id) : graph.outNeighbors(id);
      for (const neighbour of neighbours) {
        if (!seen.has(neighbour)) {
          seen.add(neighbour);
          next.push(neighbour);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
