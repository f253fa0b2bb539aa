/**
 * The bench's 1,000-KPI project (bench/thousand.ts): the generator writes 99 KPI files and a
 * publish file per domain, and the project loads and validates as a user's would, compiled by
 * the engine from a folder outside the repository.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateProject } from '../../bench/thousand.ts';
import type { GeneratedProject } from '../../bench/thousand.ts';
import { nodesOf } from '../../graph/build.ts';
import { loadConfig } from '../../pipeline/config.ts';
import { loadProject } from '../../pipeline/project/project.ts';

let project: GeneratedProject;
before(async () => {
  project = await generateProject();
});
after(() => project.cleanup());

test('the generator writes 10 domains of 99 KPI files and a publish file each', async () => {
  const files = await readdir(join(project.root, 'nodes'), { recursive: true });
  assert.equal(files.filter((file) => /^d\d\d\/kpi\d\d\.ts$/.test(file)).length, 990);
  assert.equal(files.filter((file) => /^d\d\d\/publish\.ts$/.test(file)).length, 10);
  assert.deepEqual(project.domains, ['d01', 'd02', 'd03', 'd04', 'd05', 'd06', 'd07', 'd08', 'd09', 'd10']);
});

test('the project loads and validates: 990 KPIs, every tenth the 4-week average of the one before', async () => {
  // No DATABASE_URL from the environment: loading reads no warehouse anyway.
  const config = await loadConfig({ file: project.config, explicit: true }, {});
  const { graph, domains } = await loadProject(config);
  assert.deepEqual(domains, project.domains);
  const kpis = nodesOf(graph).filter((node) => node.kind === 'kpi');
  assert.equal(kpis.length, 990);
  assert.equal(nodesOf(graph).filter((node) => node.kind === 'publish').length, 10);
  const [edge] = graph.edges('d07.kpi09', 'd07.kpi10');
  assert.ok(edge, 'd07.kpi10 reads d07.kpi09');
  assert.equal(graph.getEdgeAttributes(edge).weeks, 4);
  assert.deepEqual(graph.inNeighbors('d07.kpi10'), ['d07.kpi09']);
  // The counting KPIs read the four demo extracts, and nothing else.
  assert.deepEqual(
    nodesOf(graph)
      .filter((node) => node.kind === 'table')
      .map((node) => node.id)
      .sort(),
    ['table:stg_ats.applications', 'table:stg_ats.positions', 'table:stg_forms.offboarding_submissions', 'table:stg_hubspot.agreements'],
  );
});
