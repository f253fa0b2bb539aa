/** The site of an environment without a browser or a warehouse: where it goes, what its pages say, and prod's site keeping it. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../pipeline/config.ts';
import type { SiteModel } from '../../../pipeline/reports/site/model.ts';
import { renderPages } from '../../../pipeline/reports/site/pages.ts';
import { defaultSiteDir } from '../../../pipeline/reports/site/paths.ts';
import { writeSite } from '../../../pipeline/reports/site/write-site.ts';
import { REPO } from '../../helpers/environment.ts';

const EMPTY: SiteModel = { generatedAt: '2026-11-23T07:00:00', timeZone: 'Europe/Madrid', domains: [], kpis: new Map(), nodes: [], edges: [] };
const DEV: SiteModel = { ...EMPTY, environment: 'dev' };

const configIn = (env: Record<string, string>) => loadConfig({ file: join(REPO, 'kpi.config.json'), explicit: true }, env);
const page = (model: SiteModel, path: string) => renderPages(model).find((candidate) => candidate.path === path)?.html;

describe('the site of an environment', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpi-site-env-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("prod's site is site beside the scorecards, another environment's a folder of it", async () => {
    assert.equal(defaultSiteDir(await configIn({})), join(REPO, 'out', 'site'));
    assert.equal(defaultSiteDir(await configIn({ KPI_ENV: 'dev' })), join(REPO, 'out', 'site', 'dev'));
    assert.equal(defaultSiteDir(await configIn({ KPI_ENV: 'pr-12', KPI_SCORECARD_DIR: '/srv/kpi/workbooks' })), '/srv/kpi/site/pr-12');
  });

  test("every page of an environment's site names it in its header; prod's name none", () => {
    for (const { path, html } of renderPages(DEV)) assert.match(html, /<header>[^]*<span class="environment">environment: dev<\/span>[^]*<\/header>/, path);
    for (const { path, html } of renderPages(EMPTY)) assert.doesNotMatch(html, /class="environment"/, path);
  });

  test('a differences page only with --against; when nothing differs it says so, and the index says none', () => {
    assert.equal(page(DEV, 'diff.html'), undefined);
    const same: SiteModel = { ...DEV, diff: { environment: 'dev', against: 'prod', differences: [], scorecards: [] } };
    assert.match(page(same, 'diff.html')!, /<h1>Differences with prod<\/h1>[^]*dev and prod hold the same values: nothing differs\./);
    assert.doesNotMatch(page(same, 'diff.html')!, /<table class="differences">/);
    assert.match(page(same, 'index.html')!, /<a href="diff.html">Differences with prod<\/a>: none\./);
  });

  test("prod's site, written over the folder holding an environment's, keeps it", async () => {
    const site = join(dir, 'site');
    await writeSite(DEV, join(site, 'dev'));
    // Written first, dev's site leaves a folder prod's did not write: prod's may still go there.
    await writeSite(EMPTY, site);
    await writeSite(EMPTY, site);
    assert.match(await readFile(join(site, 'dev', 'index.html'), 'utf8'), /environment: dev/);
    assert.doesNotMatch(await readFile(join(site, 'index.html'), 'utf8'), /environment: dev/);

    // Anything else in the folder is still not the site's to replace.
    const other = join(dir, 'other');
    await writeSite(DEV, join(other, 'dev'));
    await mkdir(join(other, 'notes'));
    await writeFile(join(other, 'notes', 'todo.txt'), 'mine');
    await assert.rejects(writeSite(EMPTY, other), /other is not empty and was not written by pipeline docs/);
    assert.ok(existsSync(join(other, 'notes', 'todo.txt')));
  });
});
