/**
 * `pipeline docs` in a real browser (Debian's Chromium through playwright-core), from the file
 * system: every page loads with no console error and no failed request, every internal link
 * resolves, the charts draw one point per stored week, the graph shows every node, and the
 * status colours fall right on each side of both thresholds. One store and one browser per
 * describe; the site of the still-empty store is written first. An environment's site (`docs
 * --env dev --against prod`) says whose it is and lists what differs from prod. Screenshots go
 * to .tmp/artifacts/site/.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { BrowserContext } from 'playwright-core';
import { IsoWeek, weekRange } from '../../graph/iso-week.ts';
import { generateSite } from '../../pipeline/commands/docs.ts';
import { loadConfig } from '../../pipeline/config.ts';
import { STATUS_FILLS } from '../../pipeline/connectors/scorecards/layout.ts';
import { openWarehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../../pipeline/log.ts';
import { loadProject } from '../../pipeline/project/project.ts';
import type { Project } from '../../pipeline/project/project.ts';
import { defaultSiteDir } from '../../pipeline/reports/site/paths.ts';
import { runPipeline } from '../../pipeline/engine/run.ts';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.ts';
import { CLI, copyNodes, runCli, spawnNode } from '../helpers/cli.ts';
import { ENGINES, REPO, createEnvironment, engineSkipReason } from '../helpers/environment.ts';
import type { TestEnvironment } from '../helpers/environment.ts';

// What the functions run in the browser use: the tests are type-checked without the DOM library.
declare const document: { getElementById(id: string): { dataset: Record<string, string | undefined> } | null };
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const log = createLogger({ level: 'silent' });
const WEEKS = weekRange(IsoWeek.parse('2026-W03'), IsoWeek.parse('2026-W12'));
const SCREENSHOTS = join(ARTIFACTS, 'site');
/** The pages worth a screenshot: one of each kind (a screenshot of every page would double the test's time). */
const PICTURED = /^(index|graph|diff|domain\/\w+|kpi\/(success\.kpi32|targets\.kpi01)|source\/table-stg_hubspot\.agreements)\.html$/;

interface Crawl {
  /** Site-relative paths of the pages visited. */
  readonly pages: readonly string[];
  readonly problems: readonly string[];
  /** A KPI page's `data-points`, by page. */
  readonly points: ReadonlyMap<string, number>;
}

/**
 * Visits every page reachable from the index, as a person would from the file system: what
 * went wrong in the console or the network, links that lead nowhere (files and anchors), and
 * links that would leave the site.
 */
async function crawl(context: BrowserContext, root: string, shots: string): Promise<Crawl> {
  const page = await context.newPage();
  const problems: string[] = [];
  const where = () => relative(root, fileURLToPath(page.url()));
  page.on('console', (message) => message.type() === 'error' && problems.push(`${where()}: console error: ${message.text()}`));
  page.on('pageerror', (error) => problems.push(`${where()}: ${error.message}`));
  page.on('requestfailed', (failed) => problems.push(`${where()}: request for ${failed.url()} failed: ${failed.failure()?.errorText}`));
  const queue = ['index.html'];
  const visited = new Set<string>();
  const anchors = new Map<string, Set<string>>();
  const wanted: { from: string; page: string; id: string }[] = [];
  const points = new Map<string, number>();
  await mkdir(shots, { recursive: true });
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (visited.has(path)) continue;
    visited.add(path);
    await page.goto(pathToFileURL(join(root, path)).href, { waitUntil: 'load' });
    if (await page.locator('#chart').count()) {
      await page.waitForFunction(() => document.getElementById('chart')?.dataset.points !== undefined, undefined, { timeout: 5000 });
      points.set(path, Number(await page.locator('#chart').getAttribute('data-points')));
    }
    anchors.set(path, new Set(await page.$$eval('[id]', (elements) => elements.map((element) => element.id))));
    const links = await page.$$eval('a[href], link[href], script[src]', (elements) => elements.map((element) => element.getAttribute('href') ?? element.getAttribute('src') ?? ''));
    for (const link of links) {
      if (link.startsWith('data:')) continue;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('//')) {
        problems.push(`${path}: a link leaves the site: ${link}`);
        continue;
      }
      const url = new URL(link, pathToFileURL(join(root, path)));
      const target = relative(root, fileURLToPath(url));
      if (target.startsWith('..') || !existsSync(join(root, target))) {
        problems.push(`${path}: ${link} leads nowhere`);
        continue;
      }
      if (url.hash) wanted.push({ from: path, page: target.split(sep).join('/'), id: decodeURIComponent(url.hash.slice(1)) });
      if (target.endsWith('.html')) queue.push(target.split(sep).join('/'));
    }
    if (PICTURED.test(path)) await page.screenshot({ path: join(shots, `${path.replace(/\//g, '_')}.png`), fullPage: true });
  }
  for (const { from, page: target, id } of wanted) {
    if (!anchors.get(target)?.has(id)) problems.push(`${from}: no element #${id} in ${target}`);
  }
  await page.close();
  return { pages: [...visited].sort(), problems, points };
}

/** Every HTML file of a site, relative to it. */
async function htmlFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.filter((entry) => entry.endsWith('.html')).map((entry) => entry.split(sep).join('/')).sort();
}

describe('the site', () => {
  let environment: TestEnvironment;
  let nodes: string;
  let project: Project;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let site: string;
  let empty: string;
  let full: Crawl;
  let emptyCrawl: Crawl;

  before(async () => {
    environment = await createEnvironment();
    // The four scorecards and the test domain whose values are the week number, on each side of its thresholds.
    nodes = await copyNodes(join(REPO, 'nodes'));
    await cp(join(REPO, 'fixtures', 'test-nodes', 'targets', 'targets'), join(nodes, 'targets'), { recursive: true });
    project = await loadProject(environment.config, nodes);
    browser = await launchBrowser();
    await rm(SCREENSHOTS, { recursive: true, force: true });

    empty = join(environment.dir, 'empty-site');
    await generateSite(environment.config, project, empty);
    emptyCrawl = await crawl(browser.context, empty, join(SCREENSHOTS, 'empty'));

    const outcome = await runPipeline({ config: environment.config, log, concurrency: 4, command: 'test', select: [], exclude: [], weeks: WEEKS, nodesDir: nodes });
    assert.equal(outcome.status, 'succeeded', outcome.results.find((result) => result.error)?.error?.message);
    site = defaultSiteDir(environment.config);
    await generateSite(environment.config, project, site);
    full = await crawl(browser.context, site, join(SCREENSHOTS, 'full'));
  });
  after(async () => {
    await browser?.close();
    await rm(nodes, { recursive: true, force: true });
    await environment.cleanup();
  });

  test('every page loads with no console error and no failed request; every internal link resolves', async () => {
    assert.deepEqual(full.problems, []);
    assert.deepEqual(full.pages, await htmlFiles(site), 'every page is reached from the index');
    assert.ok(full.pages.length > 20);
  });

  test('the index shows every domain with its latest week', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(pathToFileURL(join(site, 'index.html')).href);
      const domains = await page.$$eval('section.domain', (sections) => sections.map((section) => [section.getAttribute('data-domain'), section.querySelector('h2')?.textContent?.trim()]));
      assert.deepEqual(domains.map(([domain]) => domain), project.domains);
      assert.deepEqual(domains.map(([, title]) => title), ['Applications', 'Leadership', 'Recruitment', 'Success', 'Targets']);
      assert.equal(await page.locator('section.domain', { hasText: 'Week 2026-W12, ending 2026-03-22' }).count(), project.domains.length);
      assert.equal(await page.locator('.no-values').count(), 0);
      assert.equal(await page.locator('header .environment').count(), 0, "prod's site names no environment");
      assert.equal(await page.locator('.differences-summary').count(), 0, 'no differences page without --against');
    } finally {
      await page.close();
    }
  });

  test('a KPI page draws one point per stored week', async () => {
    const warehouse = await openWarehouse(environment.config, log);
    try {
      for (const domain of project.domains) {
        const rows: { kpi_number: string; weeks: number }[] = await warehouse.db
          .selectFrom(`vl_analytics.scorecard_${domain}`)
          .select(['kpi_number', (eb) => eb.fn.countAll<number>().as('weeks')])
          .groupBy('kpi_number')
          .execute();
        assert.ok(rows.length > 0);
        for (const row of rows) {
          const page = `kpi/${domain}.kpi${row.kpi_number}.html`;
          assert.equal(full.points.get(page), Number(row.weeks), page);
        }
      }
      // Weeks a lookback computed (W-3.. for a 4-week average) are stored weeks too, and drawn.
      assert.ok(full.points.get('kpi/success.kpi06.html')! > WEEKS.length);
    } finally {
      await warehouse.close();
    }
  });

  test('the graph page shows every node, each linking to its page', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(pathToFileURL(join(site, 'graph.html')).href);
      const drawn = await page.$$eval('svg.graph a.node', (links) => links.map((link) => link.getAttribute('data-node')));
      assert.deepEqual(drawn.sort(), [...project.graph.nodes()].sort());
      assert.equal(Number(await page.locator('svg.graph').getAttribute('data-node-count')), project.graph.order);
      for (const node of drawn) assert.ok(await page.locator(`svg.graph a.node[data-node="${node}"] rect`).isVisible(), `${node} is drawn`);
      await page.locator('svg.graph a.node[data-node="targets.kpi01"]').click();
      assert.match(page.url(), /\/kpi\/targets\.kpi01\.html$/);
    } finally {
      await page.close();
    }
  });

  test('the status colour is right on each side of both thresholds', async () => {
    const expected: Record<string, Record<number, keyof typeof STATUS_FILLS>> = {
      'targets.kpi01': { 3: 'red', 4: 'red', 5: 'amber', 9: 'amber', 10: 'green', 12: 'green' },
      'targets.kpi02': { 3: 'green', 5: 'green', 6: 'amber', 10: 'amber', 11: 'red', 12: 'red' },
    };
    const rgb = (hex: string) => `rgb(${[0, 2, 4].map((offset) => parseInt(hex.slice(offset, offset + 2), 16)).join(', ')})`;
    const page = await browser.context.newPage();
    const cellOf = (kpi: string, week: string) => page.locator(`tr[data-kpi="${kpi}"] td.value`).nth(weeks.indexOf(week));
    let weeks: (string | undefined)[] = [];
    try {
      await page.goto(pathToFileURL(join(site, 'domain', 'targets.html')).href);
      weeks = await page.$$eval('table.scorecard th.week', (headers) => headers.map((header) => header.textContent?.trim()));
      assert.equal(weeks.at(-1), '2026-W12');
      for (const [kpi, byWeek] of Object.entries(expected)) {
        for (const [week, status] of Object.entries(byWeek)) {
          const cell = cellOf(kpi, `2026-W${week.padStart(2, '0')}`);
          assert.equal(await cell.getAttribute('data-status'), status, `${kpi} week ${week}`);
          assert.equal(await cell.evaluate((element) => getComputedStyle(element).backgroundColor), rgb(STATUS_FILLS[status]), `${kpi} week ${week}`);
        }
      }
      assert.equal(await cellOf('targets.kpi01', '2026-W02').getAttribute('data-status'), 'none', 'a week with no value has no status');
      assert.match(await cellOf('targets.kpi01', '2026-W04').innerText(), /▲ \+1 \(\+33\.3%\)/);
    } finally {
      await page.close();
    }
  });

  test('the site of an empty warehouse says there are no values yet, without an error', async () => {
    assert.deepEqual(emptyCrawl.problems, []);
    assert.deepEqual(emptyCrawl.pages, await htmlFiles(empty));
    assert.deepEqual([...new Set(emptyCrawl.points.values())], [0]);
    const page = await browser.context.newPage();
    try {
      await page.goto(pathToFileURL(join(empty, 'index.html')).href);
      assert.match(await page.locator('.no-values').innerText(), /^No values yet/);
      assert.equal(await page.locator('section.domain', { hasText: 'No values yet for this scorecard.' }).count(), project.domains.length);
    } finally {
      await page.close();
    }
  });

  test('docs --serve serves the site on 127.0.0.1, and the run summary says where the site is', async () => {
    const { child, done } = spawnNode([...CLI, 'docs', '--serve', '--port', '0', '--nodes', nodes], environment.env);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          const match = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (match) resolve(match[1]!);
        });
        done.then((result) => reject(new Error(`docs --serve exited ${result.code}: ${result.stderr}`)), reject);
      });
      const index = await fetch(url);
      assert.equal(index.status, 200);
      assert.match(await index.text(), /<h1>Scorecards<\/h1>/);
      assert.equal((await fetch(new URL('assets/uPlot.iife.min.js', url))).headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal((await fetch(new URL('kpi/nothing.html', url))).status, 404);
      // A raw request, so nothing normalises the path before the server does.
      const escaped = await new Promise<number>((resolve, reject) => {
        request(new URL(url), { path: '/../../../etc/passwd' }, (response) => resolve(response.statusCode ?? 0)).on('error', reject).end();
      });
      assert.equal(escaped, 404, 'nothing outside the site');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal((await done).code, 130);

    const summary = await runCli(['run', '--select', 'targets.kpi01', '--week', '2026-W12', '--nodes', nodes], environment.env);
    assert.equal(summary.code, 0, summary.stderr);
    assert.equal(summary.stdout.trim().split('\n').at(-1), `scorecards: ${join(environment.config.paths.scorecards, '*.xlsx')}; site: ${join(site, 'index.html')} (pipeline docs to refresh)`);
  });
});

/** The weeks both environments run: enough for success.kpi05's 4-week average to change with kpi06. */
const DEV_WEEKS = '2026-W01..2026-W04';

for (const engine of ENGINES) {
  describe(`the site of an environment, against prod, on ${engine}`, { skip: engineSkipReason(engine) }, () => {
    let environment: TestEnvironment;
    let nodes: string;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    let out: string;
    let crawled: Crawl;
    /** The success KPI-weeks whose values differ, read from both scorecard schemas: dev's own rows against prod's. */
    let expected: { kpi: string; week: string; prod: number | null; dev: number | null }[];
    /** Per success KPI number, how many weeks either schema holds, and how many dev holds itself. */
    let weeks: Map<string, { both: number; dev: number }>;

    before(async () => {
      environment = await createEnvironment(engine);
      browser = await launchBrowser();
      const prod = await runCli(['run', '--target', 'success.publish', '--weeks', DEV_WEEKS], environment.env);
      assert.equal(prod.code, 0, prod.stderr);
      // dev counts draft forms as completed too: kpi06 changes, and kpi05, its average, with it.
      nodes = await copyNodes(join(REPO, 'nodes'));
      const kpi06 = join(nodes, 'success', 'kpi06.ts');
      const code = await readFile(kpi06, 'utf8');
      const changed = code.replace("where lower(trim(form_status)) = 'completed'", "where lower(trim(form_status)) in ('completed', 'draft')");
      assert.notEqual(changed, code);
      await writeFile(kpi06, changed);
      const dev = await runCli(['run', '--env', 'dev', '--target', 'success.publish', '--weeks', DEV_WEEKS, '--nodes', nodes], environment.env);
      assert.equal(dev.code, 0, dev.stderr);

      out = join(environment.dir, 'dev-site');
      const docs = await runCli(['docs', '--env', 'dev', '--against', 'prod', '--nodes', nodes, '--out', out], environment.env);
      assert.equal(docs.code, 0, docs.stderr);
      crawled = await crawl(browser.context, out, join(SCREENSHOTS, `dev-${engine}`));

      const warehouse = await openWarehouse(environment.config, log);
      try {
        const { rows } = await sql<{ kpi_number: string; iso_week: string; prod: number | null; dev: number | null }>`
          select d.kpi_number, d.iso_week, p.field_value as prod, d.field_value as dev
          from "vl_analytics__dev".scorecard_success d
          left join vl_analytics.scorecard_success p on p.kpi_number = d.kpi_number and p.iso_week = d.iso_week
          where p.kpi_number is null or p.field_value is distinct from d.field_value
          order by d.kpi_number, d.iso_week`.execute(warehouse.db);
        expected = rows.map((row) => ({ kpi: `success.kpi${row.kpi_number}`, week: row.iso_week, prod: row.prod, dev: row.dev }));
        const counts = await sql<{ kpi_number: string; both: number; dev: number }>`
          select kpi_number, count(*)::int as both, count(*) filter (where in_dev)::int as dev
          from (
            select kpi_number, iso_week, bool_or(in_dev) as in_dev from (
              select kpi_number, iso_week, false as in_dev from vl_analytics.scorecard_success
              union all
              select kpi_number, iso_week, true from "vl_analytics__dev".scorecard_success
            ) rows group by kpi_number, iso_week
          ) keys group by kpi_number`.execute(warehouse.db);
        weeks = new Map(counts.rows.map((row) => [row.kpi_number, { both: row.both, dev: row.dev }]));
      } finally {
        await warehouse.close();
      }
    });
    after(async () => {
      await browser?.close();
      await rm(nodes, { recursive: true, force: true });
      await environment.cleanup();
    });

    test('the site goes where --out says; every page loads, with its links, and says it is dev\'s', async () => {
      assert.ok(existsSync(join(out, 'index.html')));
      const devConfig = await loadConfig({ file: join(REPO, 'kpi.config.json'), explicit: true }, { ...environment.env, KPI_ENV: 'dev' });
      assert.equal(existsSync(defaultSiteDir(devConfig)), false, 'nothing written to the default folder');
      assert.deepEqual(crawled.problems, []);
      const pages = await htmlFiles(out);
      assert.deepEqual(crawled.pages, pages, 'every page, the differences page included, is reached from the index');
      assert.ok(pages.includes('diff.html'));
      for (const page of pages) assert.match(await readFile(join(out, page), 'utf8'), /<span class="environment">environment: dev<\/span>/, page);
      const page = await browser.context.newPage();
      try {
        await page.goto(pathToFileURL(join(out, 'kpi', 'success.kpi06.html')).href);
        assert.ok(await page.locator('header .environment').isVisible());
        assert.equal(await page.locator('header .environment').innerText(), 'environment: dev');
      } finally {
        await page.close();
      }
    });

    test("the site shows dev's own values over prod's, as dev's workbooks do", async () => {
      assert.equal(weeks.get('16')?.dev, 0, 'dev computed nothing of kpi16: it reads prod\'s');
      assert.ok(weeks.get('06')!.dev > 0);
      for (const [number, { both }] of weeks) assert.equal(crawled.points.get(`kpi/success.kpi${number}.html`), both, `kpi${number}`);
      const page = await browser.context.newPage();
      try {
        await page.goto(pathToFileURL(join(out, 'domain', 'success.html')).href);
        const columns = await page.$$eval('table.scorecard th.week', (headers) => headers.map((header) => header.textContent?.trim()));
        const cell = (kpi: string, week: string) => page.locator(`tr[data-kpi="${kpi}"] td.value`).nth(columns.indexOf(week)).innerText();
        const changed = expected.find((row) => row.kpi === 'success.kpi06')!;
        assert.match(await cell(changed.kpi, changed.week), new RegExp(`^${changed.dev}\\b`), 'the value dev computed');
        assert.match(await cell('success.kpi16', changed.week), /^\d+\b/, "prod's value where dev computed none");
      } finally {
        await page.close();
      }
    });

    test('diff.html lists exactly the KPI-weeks whose values differ in the two scorecard schemas', async () => {
      assert.deepEqual([...new Set(expected.map((row) => row.kpi))], ['success.kpi05', 'success.kpi06'], 'the change reached kpi06 and its average');
      const page = await browser.context.newPage();
      try {
        await page.goto(pathToFileURL(join(out, 'index.html')).href);
        assert.match(await page.locator('.differences-summary').innerText(), new RegExp(`^Differences with prod: ${expected.length} KPI-weeks differ, `));
        await page.locator('.differences-summary a').click();
        assert.match(page.url(), /\/diff\.html$/);
        assert.equal(await page.locator('h1').innerText(), 'Differences with prod');
        assert.deepEqual(await page.$$eval('table.differences thead th', (cells) => cells.map((cell) => cell.textContent)), ['KPI', 'Name', 'Week', 'prod', 'dev', 'Change', 'Status', 'Cell']);
        const rows = await page.$$eval('table.differences tbody tr', (trs) =>
          trs.map((tr) => ({
            kpi: tr.getAttribute('data-kpi'),
            week: tr.getAttribute('data-week'),
            href: tr.querySelector('a')?.getAttribute('href'),
            cells: [...tr.querySelectorAll('td')].map((cell) => cell.textContent?.trim()),
          })),
        );
        assert.deepEqual(rows.map((row) => [row.kpi, row.week]), expected.map((row) => [row.kpi, row.week]));
        for (const [index, row] of rows.entries()) {
          assert.equal(row.href, `kpi/${row.kpi}.html`);
          assert.equal(row.cells[2], row.week);
          const want = expected[index]!;
          if (want.kpi !== 'success.kpi06') continue;
          // A count: each side shows the value its schema holds, and the change is their difference.
          assert.deepEqual(row.cells.slice(3, 6), [want.prod === null ? '(none)' : String(want.prod), String(want.dev), `+${want.dev! - (want.prod ?? 0)}`], `${row.kpi} ${row.week}`);
        }
        const changing = rows.filter((row) => row.cells[7] === 'changes').length;
        assert.ok(changing > 0);
        const scorecards = await page.$$eval('table.scorecard-changes tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-domain'), ...[...tr.querySelectorAll('td.value')].map((cell) => Number(cell.textContent))]));
        assert.deepEqual(scorecards.find(([domain]) => domain === 'success')?.[1], changing);
        for (const [domain, cells, crossing] of scorecards) if (domain !== 'success') assert.deepEqual([domain, cells, crossing], [domain, 0, 0]);
      } finally {
        await page.close();
      }
    });

    test('prod can be compared with dev too; against itself or an environment that is not there, docs exits 2 and writes nothing', async () => {
      const prodSite = join(environment.dir, 'prod-site');
      const fromProd = await runCli(['docs', '--against', 'dev', '--out', prodSite], environment.env);
      assert.equal(fromProd.code, 0, fromProd.stderr);
      const diffPage = await readFile(join(prodSite, 'diff.html'), 'utf8');
      assert.match(diffPage, /<h1>Differences with dev<\/h1>/);
      assert.equal(diffPage.match(/<tr data-kpi=/g)?.length, expected.length);
      assert.doesNotMatch(diffPage, /class="environment"/);

      const refused = join(environment.dir, 'refused');
      const itself = await runCli(['docs', '--env', 'dev', '--against', 'dev', '--nodes', nodes, '--out', refused], environment.env);
      assert.equal(itself.code, 2, itself.stderr);
      assert.match(itself.stderr, /--against dev: an environment is compared with another one/);
      const unknown = await runCli(['docs', '--env', 'dev', '--against', 'staging', '--nodes', nodes, '--out', refused], environment.env);
      assert.equal(unknown.code, 2, unknown.stderr);
      assert.match(unknown.stderr, /there is no environment "staging" in this warehouse.*environments: prod, dev/);
      assert.equal(existsSync(refused), false);
    });
  });
}
