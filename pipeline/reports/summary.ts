import { isAbsolute, relative } from 'node:path';
import { taskLevels } from '../../graph/plan.ts';
import type { TaskGraph } from '../../graph/plan.ts';
import { failedChecks } from '../engine/checks.ts';
import type { TaskResult } from '../engine/executor.ts';
import type { TaskValue } from '../engine/task-runner.ts';
import { describeBuild } from '../models/materialize.ts';
import { formatValue } from '../units.ts';
import { counted } from '../words.ts';

/** The end-of-run table: one line per task in plan order, then what failed and why. */
export function formatSummary(tasks: TaskGraph, results: readonly TaskResult<TaskValue>[], restated: readonly string[] = [], options: { readonly quiet?: boolean } = {}): string {
  const byId = new Map(results.map((result) => [result.task.id, result]));
  const ordered = taskLevels(tasks).flat().flatMap((id) => {
    const result = byId.get(id);
    return result ? [result] : [];
  });
  const rows = ordered.map((result) => [
    taskLabel(result.task.node.id, result.task.destination),
    result.task.week?.id ?? '',
    statusOf(result),
    describeValue(result),
    result.durationMs === undefined ? '' : `${(result.durationMs / 1000).toFixed(2)}s`,
  ]);
  // --quiet: what went wrong and the last lines, not a line per task.
  const lines = options.quiet ? [] : table(['node', 'week', 'status', 'value', 'duration'], rows);
  const failures = ordered.filter((result) => result.status === 'failed');
  if (failures.length > 0) {
    lines.push('', 'Failures:');
    for (const failure of failures) lines.push(`  ${failure.error?.message ?? failure.task.id}`);
  }
  const checks = ordered.flatMap((result) => (result.value?.kind === 'kpi' ? failedChecks(result.value.checks).map((outcome) => ({ result, outcome })) : []));
  if (checks.length > 0) {
    lines.push('', 'Failed checks:');
    for (const { result, outcome } of checks) {
      lines.push(`  ${result.task.id} ${outcome.check}: ${outcome.reason} [${outcome.severity === 'error' ? 'error: stored, what reads it is blocked' : 'warn'}]`);
    }
  }
  if (restated.length > 0) lines.push('', 'Restated (the published value changed):', ...restated.map((line) => `  ${line}`));
  const counts = new Map<string, number>();
  for (const result of ordered) counts.set(statusOf(result), (counts.get(statusOf(result)) ?? 0) + 1);
  const closing = ['succeeded', 'fresh', 'failed', 'blocked'].map((status) => `${counts.get(status) ?? 0} ${status}`);
  if (counts.get('check failed')) closing.push(`${counts.get('check failed')} check failed`);
  lines.push('', closing.join(', '));
  lines.push(closingLine(ordered));
  return lines.join('\n').replace(/^\n+/, '');
}

/** What the run amounted to, in words that match the table: what failed or was blocked, what was computed, published or fresh. */
function closingLine(results: readonly TaskResult<TaskValue>[]): string {
  const count = (kind: 'kpi' | 'publish' | 'model', fresh: boolean) => results.filter((result) => result.value?.kind === kind && result.value.fresh === fresh).length;
  const [computed, freshKpis, published, built] = [count('kpi', false), count('kpi', true), count('publish', false), count('model', false)];
  // A scorecard is a destination written (a workbook, a spreadsheet), however many week columns it got.
  const scorecards = new Set(results.filter((result) => result.value?.kind === 'publish' && !result.value.fresh).map((result) => taskLabel(result.task.node.id, result.task.destination))).size;
  const failed = results.filter((result) => result.status === 'failed').length;
  const checkFailed = results.filter((result) => result.status === 'check failed').length;
  const blocked = results.filter((result) => result.status === 'blocked').length;
  const done = [
    ...(built > 0 ? [`${counted(built, 'model')} built`] : []),
    `${counted(computed, 'KPI value')} computed`,
    ...(freshKpis > 0 ? [`${freshKpis} fresh`] : []),
    `${counted(scorecards, 'scorecard')} published${published > scorecards ? ` (${counted(published, 'week column')})` : ''}`,
  ].join(', ');
  if (failed > 0 || checkFailed > 0 || blocked > 0) {
    const problems = [
      ...(failed > 0 ? [`${counted(failed, 'task')} failed`] : []),
      ...(checkFailed > 0 ? [`${counted(checkFailed, 'KPI value')} failed a check`] : []),
      ...(blocked > 0 ? [`${counted(blocked, 'task')} blocked`] : []),
    ];
    const listed = problems.length === 1 ? problems[0] : `${problems.slice(0, -1).join(', ')} and ${problems.at(-1)}`;
    return `Not everything ran: ${listed}; ${done}.`;
  }
  if (computed === 0 && published === 0 && built === 0 && results.some((result) => statusOf(result) === 'fresh')) {
    return 'Everything selected was fresh: nothing computed or published (use --force to rerun).';
  }
  return `${done}.`;
}

/** A task's node as the tables show it: `success.kpi06`, or a publish with its destination, `success.publish:google`. */
export function taskLabel(nodeId: string, destination: string | null | undefined): string {
  return destination ? `${nodeId}:${destination}` : nodeId;
}

/** `fresh` for a task found up to date, otherwise the executor's status. */
export function statusOf(result: TaskResult<TaskValue>): string {
  return result.value && result.value.kind !== 'source' && result.value.fresh ? 'fresh' : result.status;
}

export function describeValue(result: TaskResult<TaskValue>): string {
  if (result.status === 'blocked') return `blocked by ${result.blockedBy}`;
  const value = result.value;
  if (!value) return '';
  switch (value.kind) {
    case 'kpi': {
      if (value.note) return `(${value.note})`;
      const unit = result.task.node.kind === 'kpi' ? result.task.node.declaration.unit : 'decimal';
      return formatValue(value.value, unit);
    }
    case 'publish':
      return value.report ? `${displayPath(value.report.location)} [${value.report.tab}]` : '';
    case 'model':
      return value.build ? `built: ${describeBuild(value.build)}` : '';
    case 'source':
      return value.rows === undefined ? 'ok' : counted(value.rows, 'row');
  }
}

/** Relative to the working directory when inside it, otherwise as given. */
export function displayPath(location: string): string {
  const path = relative(process.cwd(), location);
  return path === '' || path.startsWith('..') || isAbsolute(path) ? location : path;
}

/** Left-aligned columns separated by two spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}
