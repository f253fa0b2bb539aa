import { Temporal } from 'temporal-polyfill';
import type { NodeRunRow, RunRow } from '../engine/ledger.ts';
import type { Project } from '../project/project.ts';
import { table, taskLabel } from './summary.ts';
import { formatValue } from '../units.ts';

/**
 * What `status`, `history` and `history --node` report, one object per line of their tables;
 * with `--json` they write these objects as they are. The field names are a contract
 * documented in the README: add fields, never rename them.
 */
export interface NodeRunReport {
  readonly runId: string;
  readonly task: string;
  readonly node: string;
  /** A publish task's destination (`workbook`, `google`); null for other tasks. */
  readonly destination: string | null;
  readonly week: string | null;
  readonly status: string;
  readonly value: number | null;
  /** The value as the scorecard shows it, by the KPI's unit (`20.41%`); empty without a value. */
  readonly display: string;
  /** Local time in the configured time zone, with its offset: `2026-11-23T08:15:02+01:00`. */
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  /** Why it ran (`never run; code changed`), or `fresh`. */
  readonly reason: string | null;
  readonly error: string | null;
}

/** A status line: the latest node-run of a node, and whether the node has left the project. */
export interface NodeStatus extends NodeRunReport {
  /** The node's file was removed (or the publish destination is no longer configured): listed with `--all` only. */
  readonly removed: boolean;
}

export interface RunReport {
  readonly runId: string;
  readonly command: string;
  readonly weeks: readonly string[];
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  /** Node-runs of the run: KPI and publish tasks computed, found fresh, failed, blocked, abandoned. */
  readonly counts: { readonly computed: number; readonly fresh: number; readonly failed: number; readonly blocked: number; readonly abandoned: number };
  /** The run's log file, while it exists. */
  readonly logFile: string | null;
}

/** An ISO instant as local time with its offset in `timeZone`: `2026-11-23T08:15:02+01:00`. */
export function localTime(instant: string | null, timeZone: string): string | null {
  return instant === null ? null : Temporal.Instant.from(instant).toZonedDateTimeISO(timeZone).toString({ timeZoneName: 'never', smallestUnit: 'second' });
}

/** `2026-11-23 08:15:02`: the local time of a report, for a table. */
export const wallClock = (local: string | null) => (local === null ? '' : local.slice(0, 19).replace('T', ' '));

/** A ledger node-run as reported: a value of one of the project's KPIs is shown by its unit. */
export function nodeRunReport(row: NodeRunRow, project: Project, timeZone: string): NodeRunReport {
  const value = row.value === null ? null : Number(row.value);
  const node = project.graph.hasNode(row.node_id) ? project.graph.getNodeAttributes(row.node_id) : undefined;
  const unit = node?.kind === 'kpi' ? node.declaration.unit : undefined;
  return {
    runId: row.run_id,
    task: row.task_id,
    node: row.node_id,
    destination: row.destination,
    week: row.iso_week,
    status: row.status,
    value,
    display: value === null ? '' : unit === undefined ? String(value) : formatValue(value, unit),
    startedAt: localTime(row.started_at, timeZone),
    finishedAt: localTime(row.finished_at, timeZone),
    durationMs: row.duration_ms,
    reason: row.reason,
    error: row.error,
  };
}

/** `status` (one line per node, or per publish destination) and `history --node` (one line per node-run). */
export function formatNodeRuns(reports: readonly NodeRunReport[], kind: 'status' | 'history'): string {
  return table(
    [kind === 'status' ? 'node' : 'run', 'week', 'status', 'value', 'finished', 'duration', 'why'],
    reports.map((report) => [
      kind === 'status' ? taskLabel(report.node, report.destination) : report.runId,
      report.week ?? '',
      report.status,
      report.display,
      wallClock(report.finishedAt),
      report.durationMs === null ? '' : `${(report.durationMs / 1000).toFixed(2)}s`,
      (report.error ?? report.reason ?? '').split('\n')[0]!.slice(0, 100),
    ]),
  ).join('\n');
}

export function runReport(row: RunRow, logFile: string | null, timeZone: string): RunReport {
  const started = Temporal.Instant.from(row.started_at);
  return {
    runId: row.run_id,
    command: row.command,
    weeks: row.weeks === '' ? [] : row.weeks.split(','),
    status: row.status,
    startedAt: localTime(row.started_at, timeZone)!,
    finishedAt: localTime(row.finished_at, timeZone),
    durationMs: row.finished_at === null ? null : Temporal.Instant.from(row.finished_at).since(started).total('milliseconds'),
    counts: { computed: row.computed, fresh: row.fresh, failed: row.failed, blocked: row.blocked, abandoned: row.abandoned },
    logFile,
  };
}

export function formatRuns(reports: readonly RunReport[]): string {
  return table(
    ['run', 'started', 'status', 'seconds', 'computed', 'fresh', 'failed', 'blocked', 'abandoned', 'command', 'log'],
    reports.map((report) => [
      report.runId,
      wallClock(report.startedAt),
      report.status,
      report.durationMs === null ? '' : (report.durationMs / 1000).toFixed(1),
      String(report.counts.computed),
      String(report.counts.fresh),
      String(report.counts.failed),
      String(report.counts.blocked),
      String(report.counts.abandoned),
      report.command,
      report.logFile ?? '',
    ]),
  ).join('\n');
}
