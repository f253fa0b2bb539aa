import { isAbsolute, relative } from 'node:path';
import { taskLevels } from '../graph/plan.ts';
import type { TaskGraph } from '../graph/plan.ts';
import type { Unit } from '../graph/declare.ts';
import { failedChecks } from './checks.ts';
import type { TaskResult } from './executor.ts';
import type { TaskValue } from './task-runner.ts';

/** The end-of-run table: one line per task in plan order, then what failed and why. */
export function formatSummary(tasks: TaskGraph, results: readonly TaskResult<TaskValue>[], restated: readonly string[] = []): string {
  const byId = new Map(results.map((result) => [result.task.id, result]));
  const ordered = taskLevels(tasks).flat().flatMap((id) => {
    const result = byId.get(id);
    return result ? [result] : [];
  });
  const rows = ordered.map((result) => [
    result.task.node.id,
    result.task.week?.id ?? '',
    statusOf(result),
    describeValue(result),
    result.durationMs === undefined ? '' : `${(result.durationMs / 1000).toFixed(2)}s`,
  ]);
  const lines = table(['node', 'week', 'status', 'value', 'duration'], rows);
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
  const computed = ordered.filter((result) => result.value?.kind === 'kpi' && !result.value.fresh).length;
  if (computed === 0 && counts.get('fresh')) lines.push('Everything selected was fresh: no KPI computed (use --force to rerun).');
  return lines.join('\n');
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
    case 'kpi':
      if (value.note) return `(${value.note})`;
      return formatValue(value.value, result.task.node.kind === 'kpi' ? result.task.node.declaration.unit : 'decimal');
    case 'publish':
      return value.report ? `${displayPath(value.report.location)} [${value.report.tab}]` : '';
    case 'source':
      return value.rows === undefined ? 'ok' : `${value.rows} rows`;
  }
}

/** Relative to the working directory when inside it, otherwise as given. */
export function displayPath(location: string): string {
  const path = relative(process.cwd(), location);
  return path === '' || path.startsWith('..') || isAbsolute(path) ? location : path;
}

/** A KPI value as the scorecard shows it: `20.41%` for a percent (stored as a ratio), `(no value)` for null. */
export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return '(no value)';
  return unit === 'percent' ? `${formatNumber(value * 100, 2)}%` : formatNumber(value, 4);
}

/** A number for a table: whole numbers as they are, others to at most `decimals` places. */
export function formatNumber(value: number, decimals = 4): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(decimals).replace(/\.?0+$/, '');
}

/** Left-aligned columns separated by two spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}
