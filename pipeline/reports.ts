import type { NodeRunRow, RunRow } from './ledger.ts';
import { formatNumber, table } from './summary.ts';

/** `status` (one line per node) and `history --node` (one line per node-run). */
export function formatNodeRuns(rows: readonly NodeRunRow[], kind: 'status' | 'history'): string {
  if (rows.length === 0) return 'no node has run yet';
  const lines = table(
    [kind === 'status' ? 'node' : 'run', 'week', 'status', 'value', 'finished', 'duration', 'why'],
    rows.map((row) => [
      kind === 'status' ? row.node_id : row.run_id,
      row.iso_week ?? '',
      row.status,
      row.value === null ? '' : formatNumber(Number(row.value)),
      row.finished_at ?? '',
      row.duration_ms === null ? '' : `${(row.duration_ms / 1000).toFixed(2)}s`,
      (row.error ?? row.reason ?? '').split('\n')[0]!.slice(0, 100),
    ]),
  );
  return lines.join('\n');
}

export function formatRuns(rows: readonly (RunRow & { readonly log: string })[]): string {
  if (rows.length === 0) return 'no run yet';
  return table(
    ['run', 'started', 'status', 'seconds', 'computed', 'fresh', 'failed', 'blocked', 'abandoned', 'command', 'log'],
    rows.map((row) => [
      row.run_id,
      row.started_at,
      row.status,
      row.seconds === null ? '' : String(row.seconds),
      String(row.computed),
      String(row.fresh),
      String(row.failed),
      String(row.blocked),
      String(row.abandoned),
      row.command,
      row.log,
    ]),
  ).join('\n');
}
