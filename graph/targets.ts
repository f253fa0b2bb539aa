/**
 * A KPI's target and the status of a value against it. Pure: the engine stores the status
 * beside each value, and the scorecards and the site colour the value with it.
 */

/** Which way is better: `higher` (offer acceptance) or `lower` (churn). */
export type Direction = 'higher' | 'lower';

/**
 * A value that reaches `green` is on target; one that misses it but reaches `amber` is near;
 * anything beyond `amber` is off target. "Reaches" means at least (higher is better) or at
 * most (lower is better): a value on a threshold counts as reaching it.
 */
export interface Thresholds {
  readonly green: number;
  readonly amber: number;
}

export interface Target extends Thresholds {
  readonly direction: Direction;
  /** Thresholds for particular ISO week-years, e.g. `{ 2027: { green: 0.08, amber: 0.12 } }`; other years use the main ones. */
  readonly byYear?: Readonly<Record<number, Thresholds>>;
}

export const STATUSES = ['green', 'amber', 'red', 'none'] as const;
/** `none`: no value, or no target. */
export type Status = (typeof STATUSES)[number];

/** The thresholds that hold in an ISO week-year. */
export function thresholdsFor(target: Target, year: number): Thresholds {
  return target.byYear?.[year] ?? target;
}

/** The status of a KPI's value in a week of ISO week-year `year`. */
export function statusOf(value: number | null, target: Target | undefined, year: number): Status {
  if (value === null || target === undefined) return 'none';
  const { green, amber } = thresholdsFor(target, year);
  const reaches = (threshold: number) => (target.direction === 'higher' ? value >= threshold : value <= threshold);
  if (reaches(green)) return 'green';
  return reaches(amber) ? 'amber' : 'red';
}

/** Whether a change from one week to the next is for the better, given the target's direction. */
export function isImprovement(direction: Direction, previous: number, value: number): boolean {
  return direction === 'higher' ? value > previous : value < previous;
}

/** What is wrong with a declared target, for the definition errors reported before anything runs. */
export function targetProblems(target: unknown): string[] {
  if (typeof target !== 'object' || target === null) return ['target must be { direction, green, amber }'];
  const { direction, byYear } = target as Partial<Target>;
  if (direction !== 'higher' && direction !== 'lower') {
    return [`target direction ${JSON.stringify(direction)} must be "higher" or "lower" (which way is better)`];
  }
  const problems = thresholdProblems(target as Thresholds, direction, 'target');
  if (byYear !== undefined) {
    if (typeof byYear !== 'object' || byYear === null) return [...problems, 'target byYear must map ISO years to { green, amber }'];
    for (const [year, thresholds] of Object.entries(byYear)) {
      if (!/^\d{4}$/.test(year)) problems.push(`target byYear key "${year}" must be a four-digit ISO year`);
      else if (typeof thresholds !== 'object' || thresholds === null) problems.push(`target byYear ${year} must be { green, amber }`);
      else problems.push(...thresholdProblems(thresholds, direction, `target byYear ${year}`));
    }
  }
  return problems;
}

function thresholdProblems({ green, amber }: Thresholds, direction: Direction, where: string): string[] {
  const problems: string[] = [];
  for (const [name, threshold] of [['green', green], ['amber', amber]] as const) {
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) problems.push(`${where} ${name} must be a finite number, got ${JSON.stringify(threshold)}`);
  }
  if (problems.length > 0) return problems;
  // Amber is the looser threshold: below green when higher is better, above it when lower is.
  if (direction === 'higher' ? amber > green : amber < green) {
    problems.push(`${where}: amber (${amber}) must be ${direction === 'higher' ? 'at most' : 'at least'} green (${green}) when ${direction} is better`);
  }
  return problems;
}
