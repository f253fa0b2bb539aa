import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';

/** The value a run stored for a KPI-week; fails when there is no row. */
export async function storedValue(db: Kysely<any>, domain: string, kpiNumber: string, week: string): Promise<number | null> {
  const row = await db
    .selectFrom(`vl_analytics.scorecard_${domain}`)
    .select('field_value')
    .where('kpi_number', '=', kpiNumber)
    .where('iso_week', '=', week)
    .executeTakeFirst();
  assert.ok(row, `no stored row for ${domain}.kpi${kpiNumber} ${week}`);
  return row.field_value === null ? null : Number(row.field_value);
}

/** Equal up to floating-point noise; a null on either side only equals a null. */
export function assertClose(actual: number | null, expected: number | null, message = ''): void {
  if (expected === null || actual === null) return assert.equal(actual, expected, message);
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message} expected ${expected}, got ${actual}`.trim());
}
