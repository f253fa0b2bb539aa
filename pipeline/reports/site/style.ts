import { STATUS_FILLS } from '../../connectors/scorecards/layout.ts';

/** The site's style sheet: the status colours are the scorecards' fills, so a colour means the same everywhere. */
export function siteCss(): string {
  return `
:root { --green: #${STATUS_FILLS.green}; --amber: #${STATUS_FILLS.amber}; --red: #${STATUS_FILLS.red}; --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --accent: #2f5f8a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fbfcfd; }
header { background: #1f3a56; color: #fff; padding: 10px 24px; }
header nav { display: flex; flex-wrap: wrap; gap: 18px; align-items: baseline; }
header a { color: #fff; text-decoration: none; }
header a.home { font-weight: 700; font-size: 16px; }
header .environment { background: #f5c542; color: #1f2933; padding: 1px 8px; border-radius: 3px; font-weight: 600; }
main { padding: 16px 24px 32px; max-width: 1400px; }
footer { color: var(--muted); padding: 12px 24px; border-top: 1px solid var(--line); font-size: 12px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
a { color: var(--accent); }
.subtitle, .muted { color: var(--muted); }
.empty { padding: 12px 16px; background: #f0f4f8; border-left: 4px solid var(--accent); }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; }
td.value, th.week { text-align: right; white-space: nowrap; }
td.value small { display: block; font-size: 11px; }
td.name { min-width: 16em; }
.table-scroll { overflow-x: auto; }
.status-green { background: var(--green); }
.status-amber { background: var(--amber); }
.status-red { background: var(--red); }
.change.better { color: #1e6b34; }
.change.worse { color: #9b1c1c; }
.change.same, .change.neutral { color: var(--muted); }
.legend { display: flex; gap: 8px; flex-wrap: wrap; margin: 6px 0 14px; font-size: 12px; }
.legend span { padding: 2px 8px; border: 1px solid var(--line); border-radius: 3px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px 8px; }
dl.definition { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.definition dt { font-weight: 600; }
dl.definition dd { margin: 0; }
pre.source { background: #f5f7fa; border: 1px solid var(--line); padding: 12px; overflow: auto; font-size: 12px; }
.chart { min-height: 300px; max-width: 1000px; }
svg.sparkline polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
svg.sparkline circle { fill: var(--accent); }
.graph-frame { overflow: auto; border: 1px solid var(--line); background: #fff; }
svg.graph .edge { fill: none; stroke: #9aa5b1; stroke-width: 1.2; }
svg.graph marker path { fill: #9aa5b1; }
svg.graph rect { fill: #fff; stroke: #7b8794; }
svg.graph .kind-kpi rect { fill: #eef4fa; }
svg.graph .kind-publish rect { fill: #e6e1f5; }
svg.graph .kind-model rect { fill: #e8f3ec; }
svg.graph .kind-table rect, svg.graph .kind-sheet rect { fill: #f4f1e8; }
svg.graph .status-green rect { fill: var(--green); }
svg.graph .status-amber rect { fill: var(--amber); }
svg.graph .status-red rect { fill: var(--red); }
svg.graph .focus rect { stroke: #1f3a56; stroke-width: 3; }
svg.graph text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg.graph text.caption { fill: var(--muted); font-size: 11px; }
svg.graph a:hover rect { stroke: var(--accent); stroke-width: 2; }
`.trimStart();
}
