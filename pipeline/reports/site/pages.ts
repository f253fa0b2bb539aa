import type { Unit } from '../../../graph/declare.ts';
import type { IsoWeek } from '../../../graph/iso-week.ts';
import { modelTable } from '../../../graph/ids.ts';
import { localMinute } from '../../source-freshness/source-freshness.ts';
import { isImprovement, thresholdsFor } from '../../../graph/targets.ts';
import type { Status, Target } from '../../../graph/targets.ts';
import { LEGEND } from '../../connectors/scorecards/layout.ts';
import type { Restatement } from '../../engine/value-history.ts';
import type { EnvironmentDiff, SideValue, ValueDifference } from '../../environments/diff.ts';
import type { NodeRunRow } from '../../engine/ledger.ts';
import { formatValue } from '../../units.ts';
import { counted } from '../../words.ts';
import { changeText as differenceText, statusText } from '../value-diff.ts';
import { weekChange } from '../week-change.ts';
import { graphSvg } from './graph-svg.ts';
import type { DrawnNode } from './graph-svg.ts';
import { Html, html, jsonScript, linkFrom } from './html.ts';
import type { DomainModel, KpiModel, NodeModel, SiteModel, WeekPoint } from './model.ts';
import { ASSETS, DIFF_PAGE, GRAPH_PAGE, INDEX_PAGE, domainPage, kpiPage, nodePage } from './paths.ts';
import { sparkline } from './sparkline.ts';

/** How many weeks a domain's scorecard page shows. */
export const SCORECARD_WEEKS = 12;

export interface Page {
  /** Relative to the site's root. */
  readonly path: string;
  readonly html: string;
}

/** Every page of the site. */
export function renderPages(model: SiteModel): Page[] {
  return [
    indexPage(model),
    graphPage(model),
    ...model.domains.map((domain) => scorecardPage(model, domain)),
    ...[...model.kpis.values()].map((kpi) => kpiDetailPage(model, kpi)),
    ...model.nodes.filter((node) => node.node.kind === 'table' || node.node.kind === 'sheet').map((node) => sourceDetailPage(model, node)),
    ...model.nodes.filter((node) => node.node.kind === 'model').map((node) => modelDetailPage(model, node)),
    ...(model.diff ? [diffPage(model, model.diff)] : []),
  ];
}

// ---------------------------------------------------------------- pages

function indexPage(model: SiteModel): Page {
  const path = INDEX_PAGE;
  const anyValue = model.domains.some((domain) => domain.latestWeek !== undefined);
  const body = html`
    <h1>Scorecards</h1>
    <p class="subtitle">Each domain's latest week at a glance. The <a href="${linkFrom(path, GRAPH_PAGE)}">graph</a> shows how every KPI is made.</p>
    ${model.diff ? differencesSummary(path, model.diff) : ''}
    ${anyValue ? statusLegend() : noValuesYet()}
    <div class="cards">
      ${model.domains.map(
        (domain) => html`
          <section class="card domain" data-domain="${domain.id}">
            <h2><a href="${linkFrom(path, domainPage(domain.id))}">${domain.scorecard}</a></h2>
            ${domain.latestWeek
              ? html`<p class="muted">Week ${domain.latestWeek.id}, ending ${domain.latestWeek.lastSunday.toString()}</p>
                  <table>
                    <thead><tr><th>KPI</th><th>Name</th><th>Value</th><th>Change</th></tr></thead>
                    <tbody>
                      ${domain.kpis.map((kpi) => {
                        const point = pointAt(kpi, domain.latestWeek!);
                        return html`<tr>
                          <td>${kpi.number}</td>
                          <td><a href="${linkFrom(path, kpiPage(kpi.id))}">${kpi.name}</a></td>
                          ${valueCell(kpi, point)}
                          <td>${changeText(kpi, domain.latestWeek!)}</td>
                        </tr>`;
                      })}
                    </tbody>
                  </table>`
              : html`<p class="empty">No values yet for this scorecard.</p>`}
          </section>`,
      )}
    </div>`;
  return { path, html: layout(model, path, 'Scorecards', body) };
}

function scorecardPage(model: SiteModel, domain: DomainModel): Page {
  const path = domainPage(domain.id);
  const latest = domain.latestWeek;
  const weeks = latest ? Array.from({ length: SCORECARD_WEEKS }, (_, index) => latest.add(index - SCORECARD_WEEKS + 1)) : [];
  const publish = model.nodes.find((node) => node.node.kind === 'publish' && node.node.declaration.domain === domain.id);
  const body = html`
    <h1>${domain.scorecard}</h1>
    ${latest
      ? html`<p class="subtitle">The ${SCORECARD_WEEKS} weeks to ${latest.id} (ending ${latest.lastSunday.toString()}); each value coloured by its status, with its change from the week before.</p>
          ${statusLegend()}
          <div class="table-scroll"><table class="scorecard" data-domain="${domain.id}">
            <thead><tr><th>KPI</th><th>Name</th><th>Trend</th>${weeks.map((week) => html`<th class="week" title="ending ${week.lastSunday.toString()}">${week.id}</th>`)}</tr></thead>
            <tbody>
              ${domain.kpis.map(
                (kpi) => html`<tr data-kpi="${kpi.id}">
                  <td>${kpi.number}</td>
                  <td class="name"><a href="${linkFrom(path, kpiPage(kpi.id))}">${kpi.name}</a></td>
                  <td>${sparkline(weeks.map((week) => pointAt(kpi, week)?.value ?? null))}</td>
                  ${weeks.map((week) => valueCell(kpi, pointAt(kpi, week), html`<small>${changeText(kpi, week)}</small>`))}
                </tr>`,
              )}
            </tbody>
          </table></div>`
      : noValuesYet()}
    ${publish ? html`<h2>Recent publishes</h2>${runsTable(publish.runs, 'never published yet', () => '')}` : ''}`;
  return { path, html: layout(model, path, domain.scorecard, body) };
}

function kpiDetailPage(model: SiteModel, kpi: KpiModel): Page {
  const path = kpiPage(kpi.id);
  const node = model.nodes.find((candidate) => candidate.id === kpi.id)!;
  const domain = model.domains.find((candidate) => candidate.id === kpi.domain)!;
  const latest = kpi.points.at(-1);
  const chart = kpi.points.length === 0
    ? html`<div id="chart" class="chart-empty" data-points="0"><p class="empty">No values yet: nothing to draw.</p></div>`
    : html`<div id="chart" class="chart"></div>${jsonScript('chart-data', chartData(kpi))}`;
  const body = html`
    <h1>${kpi.number} ${kpi.name}</h1>
    <p class="subtitle">${kpi.id} on the <a href="${linkFrom(path, domainPage(kpi.domain))}">${domain.scorecard}</a> scorecard</p>
    ${latest
      ? html`<p>Latest: <span class="latest status-${latest.status}">${formatValue(latest.value, kpi.unit)}</span> in ${latest.week.id} ${changeText(kpi, latest.week)}</p>`
      : noValuesYet()}
    <h2>Definition</h2>
    <dl class="definition">
      <dt>Name</dt><dd>${kpi.name}</dd>
      <dt>Details</dt><dd>${kpi.details || html`<span class="muted">none</span>`}</dd>
      <dt>Unit</dt><dd>${kpi.unit}</dd>
      <dt>Target</dt><dd>${kpi.target ? describeTarget(kpi.target, kpi.unit) : html`<span class="muted">none</span>`}</dd>
      <dt>Inputs</dt><dd>${kpi.inputs.length === 0 ? html`<span class="muted">none</span>` : html`<ul>${kpi.inputs.map((input) => html`<li><code>${input.name}</code>: ${nodeLink(model, path, input.node)}, ${input.reads}</li>`)}</ul>`}</dd>
      <dt>Checks</dt><dd>${kpi.checks.length === 0 ? html`<span class="muted">none</span>` : kpi.checks.map((check, index) => html`${index > 0 ? ', ' : ''}<code>${check}</code>`)}</dd>
      <dt>File</dt><dd><a href="#source"><code>${kpi.file}</code></a></dd>
    </dl>
    <h2>Every stored week</h2>
    ${chart}
    ${kpi.points.length > 0
      ? html`<details><summary>The values (${kpi.points.length} weeks)</summary>
          <table><thead><tr><th>Week</th><th>Value</th><th>Change</th></tr></thead>
          <tbody>${[...kpi.points].reverse().map((point) => html`<tr><td>${point.week.id}</td>${valueCell(kpi, point)}<td>${changeText(kpi, point.week)}</td></tr>`)}</tbody></table>
        </details>`
      : ''}
    <h2>Recent runs</h2>
    ${runsTable(node.runs, 'never run yet', (value) => formatValue(value, kpi.unit))}
    <h2>Restatements</h2>
    ${restatementsTable(kpi)}
    <h2>Lineage</h2>
    ${lineage(model, path, node)}
    <h2 id="source">Source: <code>${kpi.file}</code></h2>
    <pre class="source"><code>${kpi.source}</code></pre>`;
  return { path, html: layout(model, path, `${kpi.number} ${kpi.name}`, body, kpi.points.length > 0) };
}

function sourceDetailPage(model: SiteModel, node: NodeModel): Page {
  const path = nodePage(node.node);
  const what = node.node.kind === 'table' ? 'A warehouse table' : 'A spreadsheet range named in the configuration';
  const { load } = node;
  const body = html`
    <h1>${node.id}</h1>
    <p class="subtitle">${what}: read once per run by the KPIs below.</p>
    <h2>Freshness</h2>
    ${
      load
        ? html`<p class="freshness status-${load.status}">${load.status === 'pass' ? 'Fresh' : load.status === 'warn' ? 'Warning' : 'Too old: what reads it is not computed'}: latest <code>${load.loadedAt}</code> ${
            load.lastLoaded === null ? 'never (no rows)' : html`${localMinute(load.lastLoaded, model.timeZone)}, ${Math.floor(load.ageHours!)} h before this site was written`
          }; warn after ${load.warnAfterHours ?? '—'} h, error after ${load.errorAfterHours ?? '—'} h.</p>`
        : html`<p class="muted">No freshness rule (the configuration's <code>sources</code> names none for it).</p>`
    }
    <h2>Lineage</h2>
    ${lineage(model, path, node)}
    <h2>Recent reads</h2>
    ${runsTable(node.runs, 'never read yet', () => '')}`;
  return { path, html: layout(model, path, node.id, body) };
}

function modelDetailPage(model: SiteModel, node: NodeModel): Page {
  const path = nodePage(node.node);
  if (node.node.kind !== 'model') throw new Error(`${node.id} is not a model`);
  const { declaration } = node.node;
  const kept = declaration.timeColumn
    ? html`kept by ISO week of <code>${declaration.timeColumn}</code>: a rebuild replaces only the weeks whose rows changed`
    : html`replaced whole when rebuilt`;
  const body = html`
    <h1>${node.id}</h1>
    <p class="subtitle">A model: ${declaration.details ?? 'a shared transform'}. Built in the warehouse as <code>${modelTable(node.id)}</code> at most once per run, when its code or its inputs' content changed; ${kept}.</p>
    <h2>Lineage</h2>
    ${lineage(model, path, node)}
    <h2>Recent builds</h2>
    ${runsTable(node.runs, 'never built yet', () => '')}
    ${node.file ? html`<h2 id="source">Source: <code>${node.file.path}</code></h2><pre class="source"><code>${node.file.source}</code></pre>` : ''}`;
  return { path, html: layout(model, path, node.id, body) };
}

function graphPage(model: SiteModel): Page {
  const path = GRAPH_PAGE;
  const body = html`
    <h1>The graph</h1>
    <p class="subtitle">${model.nodes.length} nodes, ${model.edges.length} edges: sources on the left, each KPI after what it reads, each scorecard's publish last. A KPI is coloured by its latest status; each node links to its page.</p>
    ${statusLegend()}
    <div class="graph-frame">${graphSvg(model.nodes.map((node) => drawn(model, path, node)), model.edges)}</div>`;
  return { path, html: layout(model, path, 'Graph', body) };
}

/** What `docs --against` adds: the KPI-weeks whose values differ from the other environment's, as `pipeline diff` lists them. */
function diffPage(model: SiteModel, diff: EnvironmentDiff): Page {
  const path = DIFF_PAGE;
  const title = `Differences with ${diff.against}`;
  const scorecardOf = (domain: string) => model.domains.find((candidate) => candidate.id === domain)?.scorecard ?? domain;
  const body = html`
    <h1>${title}</h1>
    <p class="subtitle">Every KPI-week whose value in ${diff.environment} differs from ${diff.against}'s, over every KPI and every week either computed itself (an environment reads prod's values where it computed none).</p>
    ${diff.differences.length === 0
      ? html`<p class="empty no-differences">${diff.environment} and ${diff.against} hold the same values: nothing differs.</p>`
      : html`<h2>By scorecard</h2>
          <table class="scorecard-changes">
            <thead><tr><th>Scorecard</th><th>Cells that change</th><th>Crossing a threshold</th></tr></thead>
            <tbody>${diff.scorecards.map(
              (scorecard) => html`<tr data-domain="${scorecard.domain}">
                <td><a href="${linkFrom(path, domainPage(scorecard.domain))}">${scorecardOf(scorecard.domain)}</a></td>
                <td class="value">${scorecard.cellsChanged}</td><td class="value">${scorecard.crossingThreshold}</td>
              </tr>`,
            )}</tbody>
          </table>
          <h2>${counted(diff.differences.length, 'KPI-week')} that differ</h2>
          ${statusLegend()}
          <div class="table-scroll"><table class="differences">
            <thead><tr><th>KPI</th><th>Name</th><th>Week</th><th>${diff.against}</th><th>${diff.environment}</th><th>Change</th><th>Status</th><th>Cell</th></tr></thead>
            <tbody>${diff.differences.map(
              (difference) => html`<tr data-kpi="${difference.nodeId}" data-week="${difference.week}">
                <td><a href="${linkFrom(path, kpiPage(difference.nodeId))}">${difference.nodeId}</a></td><td class="name">${difference.name}</td><td>${difference.week}</td>
                ${sideCell(difference.theirs)}${sideCell(difference.ours)}
                <td class="value">${presenceText(diff, difference) ?? differenceText(difference)}</td><td>${statusText(difference)}</td>
                <td>${difference.cellChanges ? 'changes' : 'same'}</td>
              </tr>`,
            )}</tbody>
          </table></div>`}`;
  return { path, html: layout(model, path, title, body) };
}

// ---------------------------------------------------------------- parts

function layout(model: SiteModel, path: string, title: string, body: Html, withChart = false): string {
  const asset = (file: string) => linkFrom(path, `${ASSETS}/${file}`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · KPI Factory</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('site.css')}">
${withChart ? html`<link rel="stylesheet" href="${asset('uPlot.min.css')}">` : ''}
</head>
<body>
<header><nav>
  <a class="home" href="${linkFrom(path, INDEX_PAGE)}">KPI Factory</a>
  ${model.environment === undefined ? '' : html`<span class="environment">environment: ${model.environment}</span>`}
  ${model.domains.map((domain) => html`<a href="${linkFrom(path, domainPage(domain.id))}">${domain.scorecard}</a>`)}
  <a href="${linkFrom(path, GRAPH_PAGE)}">Graph</a>
  ${model.diff ? html`<a href="${linkFrom(path, DIFF_PAGE)}">Differences with ${model.diff.against}</a>` : ''}
</nav></header>
<main>
${body}
</main>
<footer>Generated ${model.generatedAt.replace('T', ' ')} (${model.timeZone}) by <code>pnpm pipeline docs</code>; run it again to refresh.</footer>
${withChart ? html`<script src="${asset('uPlot.iife.min.js')}"></script><script src="${asset('kpi-chart.js')}"></script>` : ''}
</body>
</html>
`.text;
}

/** The index's line on the differences page: how much differs, before anyone opens it. */
function differencesSummary(path: string, diff: EnvironmentDiff): Html {
  const cells = diff.scorecards.reduce((sum, scorecard) => sum + scorecard.cellsChanged, 0);
  return html`<p class="differences-summary"><a href="${linkFrom(path, DIFF_PAGE)}">Differences with ${diff.against}</a>: ${
    diff.differences.length === 0 ? 'none' : `${counted(diff.differences.length, 'KPI-week')} ${diff.differences.length === 1 ? 'differs' : 'differ'}, ${counted(cells, 'scorecard cell')} ${cells === 1 ? 'changes' : 'change'}`
  }.</p>`;
}

/** One environment's value of a KPI-week, coloured by its status there. */
function sideCell(side: SideValue): Html {
  return html`<td class="value${side.status === 'none' ? '' : ` status-${side.status}`}" data-status="${side.status}">${side.display}</td>`;
}

/** `only in dev` when one environment holds no row for the KPI-week, as `pipeline diff` says it. */
function presenceText(diff: EnvironmentDiff, difference: ValueDifference): string | undefined {
  if (!difference.theirs.present) return `only in ${diff.environment}`;
  if (!difference.ours.present) return `only in ${diff.against}`;
  return undefined;
}

function noValuesYet(): Html {
  return html`<p class="empty no-values">No values yet: run <code>pnpm pipeline run</code> to compute and store the KPIs, then <code>pnpm pipeline docs</code> to refresh this site.</p>`;
}

function statusLegend(): Html {
  const statuses = ['green', 'amber', 'red'] as const;
  return html`<div class="legend">${statuses.map((status, index) => html`<span class="status-${status}">${LEGEND[index]!.text}</span>`)}<span>white: no target or no value</span></div>`;
}

function pointAt(kpi: KpiModel, week: IsoWeek): WeekPoint | undefined {
  return kpi.points.find((point) => point.week.id === week.id);
}

function valueCell(kpi: KpiModel, point: WeekPoint | undefined, extra: Html | string = ''): Html {
  const status: Status = point?.status ?? 'none';
  const text = point?.value === null || point === undefined ? '–' : formatValue(point.value, kpi.unit);
  return html`<td class="value${status === 'none' ? '' : ` status-${status}`}" data-status="${status}">${text}${extra}</td>`;
}

/** `▲ +2 (+15.4%)`, marked better or worse when the KPI has a target. */
function changeText(kpi: KpiModel, week: IsoWeek): Html {
  const current = pointAt(kpi, week)?.value ?? null;
  const previous = pointAt(kpi, week.add(-1))?.value ?? null;
  const change = weekChange(current, previous, kpi.unit);
  if (!change) return html``;
  const judgement = change.arrow === '=' ? 'same' : kpi.target ? (isImprovement(kpi.target.direction, previous!, current!) ? 'better' : 'worse') : 'neutral';
  return html`<span class="change ${judgement}" title="vs ${week.add(-1).id}">${change.arrow} ${change.text}</span>`;
}

function describeTarget(target: Target, unit: Unit): Html {
  const bound = target.direction === 'higher' ? 'at least' : 'at most';
  const show = (value: number) => formatValue(value, unit);
  const byYear = Object.keys(target.byYear ?? {}).sort().map((year) => {
    const thresholds = thresholdsFor(target, Number(year));
    return html`; in ${year}: green ${bound} ${show(thresholds.green)}, amber ${bound} ${show(thresholds.amber)}`;
  });
  return html`${target.direction} is better: <span class="status-green">green</span> ${bound} ${show(target.green)}, <span class="status-amber">amber</span> ${bound} ${show(target.amber)}, <span class="status-red">red</span> beyond${byYear}`;
}

/** What the chart script draws: every stored week, with the thresholds of each week's year. */
function chartData(kpi: KpiModel) {
  const noon = (point: WeekPoint) => Date.UTC(point.week.lastSunday.year, point.week.lastSunday.month - 1, point.week.lastSunday.day, 12) / 1000;
  const thresholds = kpi.target ? kpi.points.map((point) => thresholdsFor(kpi.target!, point.week.year)) : undefined;
  return {
    unit: kpi.unit,
    weeks: kpi.points.map((point) => point.week.id),
    x: kpi.points.map(noon),
    values: kpi.points.map((point) => point.value),
    ...(thresholds ? { green: thresholds.map((entry) => entry.green), amber: thresholds.map((entry) => entry.amber) } : {}),
  };
}

/** The runs of a node, newest first; `show` formats the value a run stored. */
function runsTable(runs: readonly NodeRunRow[], none: string, show: (value: number | null) => string): Html {
  if (runs.length === 0) return html`<p class="muted">${none}</p>`;
  return html`<table class="runs">
    <thead><tr><th>Run</th><th>Week</th><th>Status</th><th>Value</th><th>Finished</th><th>Duration</th><th>Why</th></tr></thead>
    <tbody>${runs.map(
      (run) => html`<tr>
        <td><code>${run.run_id}</code></td><td>${run.iso_week ?? ''}</td><td>${run.status}</td>
        <td class="value">${run.status === 'succeeded' || run.status === 'fresh' ? show(run.value === null ? null : Number(run.value)) : ''}</td><td>${run.finished_at ?? ''}</td>
        <td>${run.duration_ms === null ? '' : `${(Number(run.duration_ms) / 1000).toFixed(2)} s`}</td>
        <td>${run.error ?? run.reason ?? ''}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

function restatementsTable(kpi: KpiModel): Html {
  if (kpi.restatements.length === 0) return html`<p class="muted">No published value of this KPI has changed since.</p>`;
  const show = (value: number | null) => formatValue(value, kpi.unit);
  return html`<table class="restatements">
    <thead><tr><th>Week</th><th>Was</th><th>Now</th><th>Published</th><th>Restated</th><th>Run</th></tr></thead>
    <tbody>${kpi.restatements.map(
      (restatement: Restatement) => html`<tr><td>${restatement.week}</td><td>${show(restatement.previous)}</td><td>${show(restatement.value)}</td><td>${restatement.publishedAt}</td><td>${restatement.restatedAt}</td><td><code>${restatement.runId}</code></td></tr>`,
    )}</tbody>
  </table>`;
}

/** Upstream and downstream as linked lists, and the part of the graph they make. */
function lineage(model: SiteModel, path: string, node: NodeModel): Html {
  const list = (ids: readonly string[], none: string) =>
    ids.length === 0 ? html`<p class="muted">${none}</p>` : html`<ul>${ids.map((id) => html`<li>${nodeLink(model, path, id)}</li>`)}</ul>`;
  const related = new Set([node.id, ...node.upstream, ...node.downstream]);
  const nodes = model.nodes.filter((candidate) => related.has(candidate.id)).map((candidate) => drawn(model, path, candidate));
  return html`
    <div class="lineage">
      <h3>Upstream</h3>${list(node.upstream, 'nothing: it reads no other node')}
      <h3>Downstream</h3>${list(node.downstream, 'nothing reads it')}
      <div class="graph-frame">${graphSvg(nodes, model.edges.filter((edge) => related.has(edge.from) && related.has(edge.to)), node.id)}</div>
    </div>`;
}

function nodeLink(model: SiteModel, path: string, id: string): Html {
  const node = model.nodes.find((candidate) => candidate.id === id);
  return node ? html`<a href="${linkFrom(path, nodePage(node.node))}">${id}</a>` : html`<code>${id}</code>`;
}

function drawn(model: SiteModel, path: string, node: NodeModel): DrawnNode {
  const kpi = model.kpis.get(node.id);
  const { node: graphNode } = node;
  const caption = kpi ? kpi.name : graphNode.kind === 'publish' ? `publishes ${graphNode.declaration.scorecard}` : graphNode.kind;
  const status = kpi?.points.at(-1)?.status;
  return { id: node.id, kind: node.node.kind, caption, href: linkFrom(path, nodePage(node.node)), ...(status && status !== 'none' ? { status } : {}) };
}
