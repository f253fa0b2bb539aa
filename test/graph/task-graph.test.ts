import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PipelineNode } from '../../graph/build.ts';
import { TaskGraph } from '../../graph/task-graph.ts';
import type { Task } from '../../graph/task-graph.ts';

// The graph never looks inside a task: every one shares this node.
const node: PipelineNode = { kind: 'table', id: 'table:stg_x.y', table: 'stg_x.y' };
const taskOf = (id: string): Task => ({ id, node, reason: { kind: 'selected' } });

/** A task graph from ids and `a>b` edges, each edge's input named after it. */
function graphOf(ids: readonly string[], edges: readonly string[] = []): TaskGraph {
  const tasks = new TaskGraph();
  for (const id of ids) tasks.addNode(id, taskOf(id));
  for (const edge of edges) {
    const [source, target] = edge.split('>') as [string, string];
    tasks.mergeDirectedEdge(source, target, { input: edge });
  }
  return tasks;
}

/** A seeded pseudo-random sequence in [0, 1): the same graphs on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

describe('TaskGraph', () => {
  test('order, size and tasks in insertion order', () => {
    const tasks = graphOf(['c', 'a', 'b'], ['c>a', 'a>b', 'c>b']);
    assert.equal(tasks.order, 3);
    assert.equal(tasks.size, 3);
    assert.deepEqual(tasks.nodes(), ['c', 'a', 'b']);
    assert.deepEqual(tasks.getNodeAttributes('a'), taskOf('a'));
    assert.equal(tasks.hasNode('a'), true);
    assert.equal(tasks.hasNode('d'), false);
    assert.deepEqual(tasks.mapNodes((id, task) => `${id}=${task.id}`), ['c=c', 'a=a', 'b=b']);
    assert.deepEqual(tasks.filterNodes((id) => id !== 'a'), ['c', 'b']);
    const visited: string[] = [];
    tasks.forEachNode((id) => visited.push(id));
    assert.deepEqual(visited, ['c', 'a', 'b']);
  });

  test('an empty graph has no task, no edge and no generation', () => {
    const tasks = new TaskGraph();
    assert.deepEqual([tasks.order, tasks.size, tasks.nodes(), tasks.generations()], [0, 0, [], []]);
  });

  test('an edge merged twice stays one edge, with the later attributes', () => {
    const tasks = graphOf(['a', 'b']);
    tasks.mergeDirectedEdge('a', 'b', { input: 'first' });
    tasks.mergeDirectedEdge('a', 'b', { input: 'second' });
    assert.equal(tasks.size, 1);
    assert.deepEqual(tasks.mapEdges((source, target, attributes) => [source, target, attributes.input]), [['a', 'b', 'second']]);
    assert.deepEqual(tasks.getEdgeAttributes('a', 'b'), { input: 'second' });
    assert.deepEqual([tasks.outNeighbors('a'), tasks.inNeighbors('b')], [['b'], ['a']]);
    assert.deepEqual([tasks.outDegree('a'), tasks.inDegree('b')], [1, 1]);
  });

  test('in- and out-neighbours, in the order their edges were added', () => {
    const tasks = graphOf(['a', 'b', 'c', 'd'], ['c>d', 'a>d', 'b>d', 'a>c', 'a>b', 'a>d']);
    assert.deepEqual(tasks.inNeighbors('d'), ['c', 'a', 'b']);
    assert.deepEqual(tasks.outNeighbors('a'), ['d', 'c', 'b']);
    assert.deepEqual(tasks.inNeighbors('a'), []);
    assert.deepEqual(tasks.outNeighbors('d'), []);
    assert.deepEqual([tasks.inDegree('d'), tasks.outDegree('a'), tasks.inDegree('a')], [3, 3, 0]);
    const next: string[] = [];
    tasks.forEachOutNeighbor('a', (neighbor) => next.push(neighbor));
    assert.deepEqual(next, ['d', 'c', 'b']);
    // Callers sort what they are given (as with graphology): that must not reorder the graph.
    tasks.inNeighbors('d').sort();
    tasks.outNeighbors('a').sort();
    assert.deepEqual([tasks.inNeighbors('d'), tasks.outNeighbors('a')], [['c', 'a', 'b'], ['d', 'c', 'b']]);
  });

  test('every edge is visited once, with its attributes', () => {
    const edges = ['c>d', 'a>d', 'b>d', 'a>c', 'a>b'];
    const tasks = graphOf(['a', 'b', 'c', 'd'], edges);
    const visited: string[] = [];
    tasks.forEachEdge((source, target, attributes) => {
      assert.equal(attributes.input, `${source}>${target}`);
      visited.push(attributes.input);
    });
    assert.deepEqual(visited.sort(), [...edges].sort());
    assert.deepEqual(tasks.mapEdges((source, target) => `${source}>${target}`).sort(), [...edges].sort());
  });

  test('a task added twice, or an edge to a task not added, is an error', () => {
    const tasks = graphOf(['a']);
    assert.throws(() => tasks.addNode('a', taskOf('a')), /"a" already exists/);
    assert.throws(() => tasks.mergeDirectedEdge('a', 'b', { input: 'x' }), /no task "b"/);
    assert.throws(() => tasks.mergeDirectedEdge('b', 'a', { input: 'x' }), /no task "b"/);
    assert.throws(() => tasks.getEdgeAttributes('a', 'a'), /no edge from "a" to "a"/);
    assert.equal(tasks.size, 0);
  });

  test('generations of a random DAG: each task once, each after all it waits for, as early as it can', () => {
    const random = seeded(5);
    const size = 500;
    // A hidden topological order: edges only go from earlier to later in it; tasks and edges are added shuffled.
    const order = Array.from({ length: size }, (_, index) => `t${index}`);
    const edges: string[] = [];
    for (let index = 1; index < size; index++) {
      for (let edge = 0; edge < 3; edge++) if (random() < 0.8) edges.push(`${order[Math.floor(random() * index)]}>${order[index]}`);
    }
    const tasks = graphOf(shuffled(order, random), shuffled(edges, random));
    assert.equal(tasks.size, new Set(edges).size);

    // The independent check, from the edge list: a task's generation is the longest path to it, found along the hidden order.
    const upstreamOf = new Map(order.map((id) => [id, [] as string[]]));
    for (const edge of edges) {
      const [source, target] = edge.split('>') as [string, string];
      upstreamOf.get(target)!.push(source);
    }
    const depth = new Map<string, number>();
    for (const id of order) depth.set(id, Math.max(0, ...upstreamOf.get(id)!.map((upstream) => depth.get(upstream)! + 1)));

    const generations = tasks.generations();
    assert.deepEqual(generations.flat().sort(), [...order].sort());
    generations.forEach((generation, index) => {
      for (const id of generation) assert.equal(depth.get(id), index, id);
    });
    tasks.forEachEdge((source, target) => assert.ok(depth.get(source)! < depth.get(target)!, `${source} before ${target}`));
    assert.equal(generations.length, Math.max(...depth.values()) + 1);
  });

  test('generations of a graph with a cycle is an error', () => {
    const tasks = graphOf(['a', 'b', 'c', 'd'], ['a>b', 'b>c', 'c>b', 'c>d']);
    assert.throws(() => tasks.generations(), /cycle/);
  });
});
