import type { Unit } from '../../graph/declare.ts';

/**
 * What a KPI's compute returned, as the value to store: a finite number, or null for no value
 * (undefined counts as null). Anything else is refused rather than coerced: `Number("5")` would
 * hide a query that returns text, and NaN or Infinity would be stored as a value nobody can use.
 */
export function kpiValue(returned: unknown, unit: Unit): number | null {
  if (returned === null || returned === undefined) return null;
  if (typeof returned !== 'number' || !Number.isFinite(returned)) {
    throw new Error(`compute returned ${describe(returned)}: a KPI returns a finite number or null`);
  }
  if (unit === 'integer' && !Number.isInteger(returned)) {
    throw new Error(`compute returned ${returned}: an integer KPI returns a whole number or null (round it, or declare another unit)`);
  }
  return returned;
}

/** The type and value of what was returned, short enough for one line. */
function describe(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'string':
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
    case 'boolean':
      return `a boolean (${value})`;
    case 'bigint':
      return `a bigint (${value}n)`;
    case 'object':
      if (Array.isArray(value)) return `an array of ${value.length}`;
      return `an object (${value?.constructor?.name ?? 'without prototype'})`;
    default:
      return `a ${typeof value}`;
  }
}
