/** The site's files without a browser or a warehouse: escaping, links between pages, replacing a site and refusing a folder it did not write. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { html, jsonScript, linkFrom } from '../../../pipeline/reports/site/html.ts';
import type { SiteModel } from '../../../pipeline/reports/site/model.ts';
import { writeSite } from '../../../pipeline/reports/site/write-site.ts';

const EMPTY: SiteModel = { generatedAt: '2026-11-23T07:00:00', timeZone: 'Europe/Madrid', domains: [], kpis: new Map(), nodes: [], edges: [] };

describe('site files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpi-site-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('html escapes what it inserts unless it is already markup; JSON in a script cannot close it', () => {
    const name = 'Churn <b> & "friends"';
    assert.equal(html`<td title="${name}">${name}</td>`.text, '<td title="Churn &lt;b&gt; &amp; &quot;friends&quot;">Churn &lt;b&gt; &amp; &quot;friends&quot;</td>');
    assert.equal(html`<p>${html`<b>${'x'}</b>`}${[1, null, false, undefined, 2]}</p>`.text, '<p><b>x</b>12</p>');
    assert.equal(jsonScript('d', { text: '</script><script>alert(1)</script>' }).text, '<script type="application/json" id="d">{"text":"\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"}</script>');
  });

  test('links are relative from page to page, anchors kept', () => {
    assert.equal(linkFrom('index.html', 'kpi/success.kpi32.html'), 'kpi/success.kpi32.html');
    assert.equal(linkFrom('kpi/success.kpi32.html', 'domain/success.html'), '../domain/success.html');
    assert.equal(linkFrom('kpi/success.kpi32.html', 'kpi/success.kpi05.html#source'), 'success.kpi05.html#source');
    assert.equal(linkFrom('kpi/success.kpi32.html', 'assets/site.css'), '../assets/site.css');
  });

  test('a second site replaces the first whole; a folder the site did not write is refused', async () => {
    const out = join(dir, 'site');
    const index = await writeSite(EMPTY, out);
    assert.equal(index, join(out, 'index.html'));
    assert.deepEqual((await readdir(join(out, 'assets'))).sort(), ['kpi-chart.js', 'site.css', 'uPlot.iife.min.js', 'uPlot.min.css']);
    await writeFile(join(out, 'stale.html'), 'left from an older site');
    await writeSite(EMPTY, out);
    assert.equal(existsSync(join(out, 'stale.html')), false);
    assert.match(await readFile(join(out, 'index.html'), 'utf8'), /No values yet/);
    assert.deepEqual((await readdir(dir)).sort(), ['site'], 'no temporary folder left behind');

    const mine = join(dir, 'documents');
    await mkdir(mine);
    await writeFile(join(mine, 'thesis.txt'), 'precious');
    await assert.rejects(writeSite(EMPTY, mine), /documents is not empty and was not written by pipeline docs/);
    assert.equal(await readFile(join(mine, 'thesis.txt'), 'utf8'), 'precious');
  });
});
