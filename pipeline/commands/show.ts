import { resolve } from 'node:path';
import { SelectorError } from '../../graph/errors.ts';
import { closestMatches } from '../../graph/text.ts';
import { resolveWeeks, weekPolicyOf } from '../dates.ts';
import type { WeekFlags } from '../dates.ts';
import { computeForShow } from '../engine/show.ts';
import type { ShownWeek } from '../engine/show.ts';
import { sameValue } from '../engine/value-history.ts';
import { createLogger } from '../log.ts';
import { loadProject } from '../project/project.ts';
import { displayPath, table } from '../reports/summary.ts';
import { formatValue } from '../units.ts';
import { readConfig, writeJson } from './context.ts';
import { nodesDirOf } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';

export interface ShowFlags extends WeekFlags {
  config?: string;
  nodes?: string;
  tz?: string;
  json?: boolean;
}

/**
 * `show <kpi> [--week W | --weeks A..B]`: the KPI computed with the current code for the
 * week(s), as dbt's `show` previews a model: printed, never stored, published or recorded.
 */
export async function showCommand(nodeId: string, flags: ShowFlags): Promise<void> {
  const config = await readConfig(flags, { ...process.env, ...(flags.tz ? { KPI_TIME_ZONE: flags.tz } : {}) });
  const weeks = resolveWeeks(flags, weekPolicyOf(config));
  const project = await loadProject(config, nodesDirOf(flags));
  const node = project.graph.hasNode(nodeId) ? project.graph.getNodeAttributes(nodeId) : undefined;
  if (node?.kind !== 'kpi') {
    const kpis = project.graph.filterNodes((_id, each) => each.kind === 'kpi');
    const close = [...kpis.filter((id) => id.endsWith(`.${nodeId}`)), ...closestMatches(nodeId, kpis, 3)];
    throw new SelectorError(
      `${node ? `${nodeId} is a ${node.kind}, not a KPI` : `there is no KPI ${nodeId}`}: show computes one KPI` +
        (close.length > 0 ? `; did you mean ${[...new Set(close)].slice(0, 3).join(', ')}?` : ''),
    );
  }
  const log = createLogger();
  const shown = await withWarehouse(config, (warehouse) => computeForShow({ config, project, warehouse, nodeId, weeks, log }));
  if (flags.json) {
    return writeJson({ node: nodeId, name: node.declaration.name, unit: node.declaration.unit, weeks: shown.map((week) => ({ ...week, display: formatValue(week.value, node.declaration.unit) })) });
  }
  const show = (value: number | null) => formatValue(value, node.declaration.unit);
  const stored = (week: ShownWeek) =>
    week.stored === null ? '(none)' : sameValue(week.stored.value, week.value) ? `${show(week.stored.value)} (same)` : show(week.stored.value);
  const lines = [
    `${nodeId}: ${node.declaration.name} (${displayPath(resolve(config.paths.root, node.file))}), computed with the current code; nothing was stored or published`,
    '',
    ...table(
      ['week', 'value', 'stored', 'checks', 'note'],
      shown.map((week) => [week.week, show(week.value), stored(week), describeChecks(week), week.note ?? '']),
    ),
  ];
  if (shown.some((week) => week.note?.includes('incomplete window'))) {
    lines.push('', `show reads upstream KPIs as the warehouse holds them and computes none: run the missing weeks first (pipeline run --target ${nodeId} --weeks …)`);
  }
  for (const week of shown) {
    lines.push('', `${week.week} fingerprint: code ${week.fingerprint.code}, declaration ${week.fingerprint.declaration}`);
    lines.push(...table(['input', 'fingerprint'], Object.entries(week.fingerprint.inputs).map(([input, fingerprint]) => [input, fingerprint])).map((line) => `  ${line}`));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function describeChecks(week: ShownWeek): string {
  if (week.checks.length === 0) return '';
  const failed = week.checks.filter((check) => !check.passed);
  return failed.length === 0 ? 'passed' : failed.map((check) => `${check.check}${check.severity === 'warn' ? ' (warn)' : ''} FAILED: ${check.reason ?? ''}`).join('; ');
}
