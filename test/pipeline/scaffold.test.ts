/**
 * `new … --from`: a KPI in minutes. The file it writes reads the input it names, plans at once
 * and runs as it is; whatever it cannot read is refused with exit 2 and no file written.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadProject } from '../../pipeline/project/project.ts';
import { scaffoldKpi } from '../../pipeline/project/scaffold.ts';
import type { ScaffoldRequest } from '../../pipeline/project/scaffold.ts';
import { copyNodes, runCli } from '../helpers/cli.ts';
import { REPO, createEnvironment } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

describe('new --from, in child processes', () => {
  let environment: TestEnvironment;
  let nodes: string;
  before(async () => {
    environment = await createEnvironment();
    nodes = await copyNodes(join(REPO, 'nodes'));
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('a table input: the KPI plans at once with that input; the same command again is refused', async () => {
    const created = await runCli(['new', 'success', '17', 'Open escalations', '--from', 'table:stg_hubspot.agreements', '--nodes', nodes], environment.env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^created .*success\/kpi17\.ts$/m);
    const source = await readFile(join(nodes, 'success', 'kpi17.ts'), 'utf8');
    assert.match(source, /inputs: \{ agreements: table\('stg_hubspot\.agreements'\) \},/);
    assert.match(source, /\/\/ TODO: count only the week's rows/);
    assert.match(source, /where start_date between \$\{week\.monday\}::date and \$\{week\.lastSunday\}::date/, 'the filter names a date column of the table');

    const plan = await runCli(['plan', '--select', 'success.kpi17', '--week', '2026-W10', '--nodes', nodes], environment.env);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /^ {2}success\.kpi17@2026-W10\s+STALE: never run\s+<- table:stg_hubspot\.agreements$/m);

    const again = await runCli(['new', 'success', '17', 'Open escalations', '--from', 'table:stg_hubspot.agreements', '--nodes', nodes], environment.env);
    assert.equal(again.code, 2, again.stderr);
    assert.match(again.stderr, /success\.kpi17 already exists in .*kpi17\.ts/);
  });

  test('a table the warehouse does not have is refused, and nothing is written', async () => {
    const refused = await runCli(['new', 'success', '19', 'Tickets', '--from', 'table:stg_support.tickets', '--nodes', nodes], environment.env);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /--from table:stg_support\.tickets: the warehouse \(.*\) has no table stg_support\.tickets/);
    assert.equal(existsSync(join(nodes, 'success', 'kpi19.ts')), false);
  });

  test('the table, sheet and KPI templates run as they are: a row count, a row count, the KPI value of the week', async () => {
    for (const [domain, number, name, from] of [
      ['success', '18', 'CS report rows', 'sheet:cs_weekly_report'],
      ['ops', '1', 'Churn, as the ops team sees it', 'kpi:success.kpi32'],
    ] as const) {
      const created = await runCli(['new', domain, number, name, '--from', from, '--nodes', nodes], environment.env);
      assert.equal(created.code, 0, created.stderr);
    }
    const run = await runCli(['run', '--select', 'success.kpi17', 'success.kpi18', 'ops.kpi01', '--week', '2026-W10', '--nodes', nodes], environment.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^success\.kpi17\s+2026-W10\s+succeeded\s+303\s/m, 'every agreement: the week filter is still to do');
    assert.match(run.stdout, /^success\.kpi18\s+2026-W10\s+succeeded\s+\d+\s/m);
    const churn = /^success\.kpi32\s+2026-W10\s+succeeded\s+(\S+)/m.exec(run.stdout)?.[1];
    assert.ok(churn?.endsWith('%'));
    assert.match(run.stdout, new RegExp(`^ops\\.kpi01\\s+2026-W10\\s+succeeded\\s+${churn!.replace('.', '\\.')}\\s`, 'm'), 'the same value, in the same unit');
  });
});

describe('new --from: what is refused before anything is written', () => {
  let environment: TestEnvironment;
  let nodes: string;
  let request: Omit<ScaffoldRequest, 'domain' | 'number' | 'name'>;
  const asked: string[] = [];
  before(async () => {
    environment = await createEnvironment();
    nodes = await copyNodes(join(REPO, 'nodes'));
    request = {
      nodesDir: nodes,
      root: REPO,
      project: await loadProject(environment.config, nodes),
      sheets: environment.config.sheets,
      describeTable: async (table) => {
        asked.push(table);
        return { location: 'test', columns: undefined };
      },
    };
  });
  after(async () => {
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  const refusals: [string, Partial<ScaffoldRequest>, RegExp][] = [
    ['an unknown KPI, with the one probably meant', { from: 'kpi:success.kpi6' }, /--from kpi:success\.kpi6: there is no KPI success\.kpi6; did you mean success\.kpi06\?/],
    ['a sheet source not configured', { from: 'sheet:crm_export' }, /--from sheet:crm_export: no sheet source "crm_export" is configured \(configured: cs_weekly_report\)/],
    ['a table name that is not schema.table', { from: 'table:Agreements' }, /--from table:Agreements: a table is written schema\.table/],
    ['an input of no known kind', { from: 'view:x.y' }, /--from "view:x\.y": expected table:<schema\.table>, sheet:<source> or kpi:<domain\.kpiNN>/],
    ['an invalid domain name', { domain: 'Customer-Success' }, /domain "Customer-Success" must be lower case letters, digits and _/],
    ['a duplicate number', { number: 6 }, /success\.kpi06 already exists in .*kpi06\.ts/],
    ['a table the warehouse does not have', { from: 'table:stg_support.tickets' }, /the warehouse \(test\) has no table stg_support\.tickets/],
  ];
  for (const [what, change, message] of refusals) {
    test(what, async () => {
      await assert.rejects(scaffoldKpi({ ...request, domain: 'success', number: 20, name: 'New KPI', ...change }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'definition', 'exit 2');
        assert.match(error.message, message);
        return true;
      });
      assert.equal(existsSync(join(nodes, change.domain ?? 'success')) && existsSync(join(nodes, change.domain ?? 'success', 'kpi20.ts')), false);
    });
  }

  test('the warehouse is asked last, only when everything else is valid', async () => {
    asked.length = 0;
    await assert.rejects(scaffoldKpi({ ...request, domain: 'success', number: 6, name: 'Again', from: 'table:stg_support.tickets' }));
    assert.deepEqual(asked, []);
  });
});
