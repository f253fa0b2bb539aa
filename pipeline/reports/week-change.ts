import type { Unit } from '../../graph/declare.ts';
import { sameValue } from '../engine/value-history.ts';
import { formatNumber } from '../units.ts';

/** A KPI's change from the week before, as the scorecards' notes and the site show it. */
export interface WeekChange {
  readonly arrow: '▲' | '▼' | '=';
  /** `+2 (+15.4%)`, `−1.3 pp (−10%)`; `no change`. */
  readonly text: string;
  readonly delta: number;
}

/**
 * The change from `previous` to `value`, or undefined when either is missing. A percent KPI
 * (a ratio) changes by percentage points; the relative change is left out from zero.
 */
export function weekChange(value: number | null, previous: number | null, unit: Unit): WeekChange | undefined {
  if (value === null || previous === null) return undefined;
  // Noise from floating-point sums is no change.
  if (sameValue(value, previous)) return { arrow: '=', text: 'no change', delta: 0 };
  const delta = value - previous;
  const sign = delta > 0 ? '+' : '−';
  const size = Math.abs(delta);
  const amount = unit === 'percent' ? `${formatNumber(size * 100, 1)} pp` : unit === 'currency' ? size.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : formatNumber(size, 2);
  const relative = previous === 0 ? '' : ` (${sign}${formatNumber(Math.abs(delta / previous) * 100, 1)}%)`;
  return { arrow: delta > 0 ? '▲' : '▼', text: `${sign}${amount}${relative}`, delta };
}

/** The note on a scorecard value: `▲ +2 (+15%) vs 2026-W46`, or why there is nothing to compare. */
export function changeNote(value: number | null, previous: number | null, previousWeek: string, unit: Unit): string {
  const change = weekChange(value, previous, unit);
  if (change) return `${change.arrow} ${change.text} vs ${previousWeek}`;
  if (value === null) return 'no value this week';
  return `no value in ${previousWeek} to compare with`;
}
