import type { WeekValue } from 'kpi-factory';

/** Sum of a window of weekly values; null when a week has none, so a partial window never passes for a whole one. */
export function total(values: readonly WeekValue[]): number | null {
  let sum = 0;
  for (const { value } of values) {
    if (value === null) return null;
    sum += value;
  }
  return sum;
}
