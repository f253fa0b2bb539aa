import type { PipelineNode } from './build.ts';
import type { IsoWeek } from './iso-week.ts';

/** Why a task is in the plan. */
export type TaskReason =
  | { readonly kind: 'selected' }
  /** An earlier week a weekly run rechecks for late-arriving data: recomputed only if its inputs changed. */
  | { readonly kind: 'restate' }
  /** An upstream week missing from the store that a selected task reads. */
  | { readonly kind: 'lookback'; readonly for: string }
  /** A source that a task reads; sources are loaded, not computed. */
  | { readonly kind: 'source' }
  /** A model that a task reads: built at most once per run, whatever the weeks. */
  | { readonly kind: 'model' };

export interface Task {
  /** `success.kpi06@2026-W47`; a source's task id is its node id. */
  readonly id: string;
  readonly node: PipelineNode;
  /** Undefined for sources, which are read once per run whatever the weeks. */
  readonly week?: IsoWeek;
  /** For a publish: where it writes (`workbook`, `google`); each destination is a task of its own. */
  readonly destination?: string;
  readonly reason: TaskReason;
}

export interface PlanEdge {
  readonly input: string;
}

interface Adjacency {
  readonly task: Task;
  /** Upstream task id → its edge: a map, so that merging an edge finds the one already there at once. */
  readonly inbound: Map<string, PlanEdge>;
  /** Downstream task ids, in the order their edges were added. */
  readonly outbound: string[];
}

/**
 * The plan's tasks and which waits for which: adjacency only, without the edge keys and edge
 * objects a general graph library keeps (planning 10,000 KPIs paid for them). Method names
 * and meanings are graphology's, for what the plan's users need, except that an edge has no
 * key: edge callbacks get `(source, target, attributes)`. Tasks, neighbours and edges come in
 * insertion order.
 */
export class TaskGraph {
  readonly #nodes = new Map<string, Adjacency>();
  #size = 0;

  /** The number of tasks. */
  get order(): number {
    return this.#nodes.size;
  }

  /** The number of edges. */
  get size(): number {
    return this.#size;
  }

  addNode(id: string, task: Task): void {
    if (this.#nodes.has(id)) throw new Error(`task graph: the task "${id}" already exists`);
    this.#nodes.set(id, { task, inbound: new Map(), outbound: [] });
  }

  /** Adds the edge, or when there is one already, replaces its attributes: the edge stays one. Both tasks must exist. */
  mergeDirectedEdge(source: string, target: string, attributes: PlanEdge): void {
    const upstream = this.#adjacency(source);
    const { inbound } = this.#adjacency(target);
    if (!inbound.has(source)) {
      upstream.outbound.push(target);
      this.#size++;
    }
    inbound.set(source, attributes);
  }

  hasNode(id: string): boolean {
    return this.#nodes.has(id);
  }

  getNodeAttributes(id: string): Task {
    return this.#adjacency(id).task;
  }

  getEdgeAttributes(source: string, target: string): PlanEdge {
    const attributes = this.#adjacency(target).inbound.get(source);
    if (attributes === undefined) throw new Error(`task graph: no edge from "${source}" to "${target}"`);
    return attributes;
  }

  nodes(): string[] {
    return [...this.#nodes.keys()];
  }

  inNeighbors(id: string): string[] {
    return [...this.#adjacency(id).inbound.keys()];
  }

  outNeighbors(id: string): string[] {
    return [...this.#adjacency(id).outbound];
  }

  inDegree(id: string): number {
    return this.#adjacency(id).inbound.size;
  }

  outDegree(id: string): number {
    return this.#adjacency(id).outbound.length;
  }

  /** Without an array per call: the executor calls it once per finished task. */
  forEachOutNeighbor(id: string, callback: (neighbor: string) => void): void {
    for (const neighbor of this.#adjacency(id).outbound) callback(neighbor);
  }

  forEachNode(callback: (id: string, task: Task) => void): void {
    for (const [id, { task }] of this.#nodes) callback(id, task);
  }

  mapNodes<T>(callback: (id: string, task: Task) => T): T[] {
    const mapped: T[] = [];
    for (const [id, { task }] of this.#nodes) mapped.push(callback(id, task));
    return mapped;
  }

  filterNodes(predicate: (id: string, task: Task) => boolean): string[] {
    const kept: string[] = [];
    for (const [id, { task }] of this.#nodes) if (predicate(id, task)) kept.push(id);
    return kept;
  }

  /** Edges by target in insertion order, each target's in the order they were added. */
  forEachEdge(callback: (source: string, target: string, attributes: PlanEdge) => void): void {
    for (const [target, { inbound }] of this.#nodes) {
      for (const [source, attributes] of inbound) callback(source, target, attributes);
    }
  }

  mapEdges<T>(callback: (source: string, target: string, attributes: PlanEdge) => T): T[] {
    const mapped: T[] = [];
    this.forEachEdge((source, target, attributes) => mapped.push(callback(source, target, attributes)));
    return mapped;
  }

  /**
   * Task ids by topological generation (Kahn's algorithm): the first holds the tasks that wait
   * for none, each next one those whose last upstream task is in the one before. Within a
   * generation, in the order its tasks became ready.
   */
  generations(): string[][] {
    const waitingOn = new Map<string, number>();
    let generation: string[] = [];
    for (const [id, { inbound }] of this.#nodes) {
      if (inbound.size === 0) generation.push(id);
      else waitingOn.set(id, inbound.size);
    }
    const generations: string[][] = [];
    let placed = 0;
    while (generation.length > 0) {
      generations.push(generation);
      placed += generation.length;
      const next: string[] = [];
      for (const id of generation) {
        for (const downstream of this.#nodes.get(id)!.outbound) {
          const remaining = waitingOn.get(downstream)! - 1;
          waitingOn.set(downstream, remaining);
          if (remaining === 0) next.push(downstream);
        }
      }
      generation = next;
    }
    // A plan of an acyclic pipeline graph has no cycle; one here is a planning bug, not a user's error.
    if (placed !== this.#nodes.size) throw new Error('task graph: the tasks form a cycle');
    return generations;
  }

  #adjacency(id: string): Adjacency {
    const adjacency = this.#nodes.get(id);
    if (adjacency === undefined) throw new Error(`task graph: no task "${id}"`);
    return adjacency;
  }
}
