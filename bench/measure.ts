/**
 * What every benchmark row is made of: our samples, the peer's or the bound's, and their ratio,
 * all taken in the same run. On a shared machine absolute times wander; samples of ours and of
 * the peer are taken in turns, and the ratio is the median of the ratios of each turn.
 */
import { performance } from 'node:perf_hooks';

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples };
}

/** One row of the results table. */
export interface Row {
  readonly section: string;
  readonly measure: string;
  readonly unit: string;
  readonly ours: Summary;
  /** What ours is compared with: a peer measured in the same run, or a bound (a target, or the best possible). */
  readonly against: { readonly label: string; readonly value: Summary };
  /** ours / against for each turn (against / ours for a speed-up). */
  readonly ratio: Summary;
  /** The target for the ratio, e.g. `≤ 1.00`; empty when there is none. */
  readonly target: string;
  readonly met?: boolean;
}

/** A single figure as a summary, for a bound that is not measured (a target). */
export const constant = (value: number): Summary => summarize([value]);

/** Ratios of paired samples, `ours[i] / against[i]`; `inverse` gives `against[i] / ours[i]` (a speed-up). */
export function ratios(ours: readonly number[], against: readonly number[], inverse = false): Summary {
  return summarize(ours.map((value, index) => {
    const other = against[index % against.length]!;
    return inverse ? other / value : value / other;
  }));
}

/** Milliseconds one call of `work` takes. */
export async function timed(work: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Runs `ours` and `peer` in turns, `times` each, alternating which goes first, so drift and warm-up hit both alike. */
export async function inTurns(times: number, ours: () => Promise<number>, peer: () => Promise<number>): Promise<{ ours: number[]; peer: number[] }> {
  const samples = { ours: [] as number[], peer: [] as number[] };
  for (let turn = 0; turn < times; turn++) {
    if (turn % 2 === 0) {
      samples.ours.push(await ours());
      samples.peer.push(await peer());
    } else {
      samples.peer.push(await peer());
      samples.ours.push(await ours());
    }
  }
  return samples;
}

const figure = (value: number, unit: string) => {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit === '' ? '' : ` ${unit}`}`;
};

export const formatSummary = (summary: Summary, unit: string) =>
  summary.samples.length > 1 ? `${figure(summary.median, unit)} (${figure(summary.min, '')}–${figure(summary.max, '')})` : figure(summary.median, unit);

/** The results as a markdown table: median (min–max) of each. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = ['| measure | ours | against | ratio | target |', '| --- | --- | --- | --- | --- |'];
  let section = '';
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      lines.push(`| **${section}** | | | | |`);
    }
    const verdict = row.met === undefined ? '' : row.met ? ' ✓' : ' ✗';
    lines.push(
      `| ${row.measure} | ${formatSummary(row.ours, row.unit)} | ${row.against.label}: ${formatSummary(row.against.value, row.unit)} | ${formatSummary(row.ratio, '')} | ${row.target}${verdict} |`,
    );
  }
  return lines.join('\n');
}
