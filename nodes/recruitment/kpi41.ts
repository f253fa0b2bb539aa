import { between, defineKpi, notNull, sql, table } from 'kpi-factory';

/**
 * Positions open when the week ended: opened before the next Monday 00:00 local and not closed
 * by then. Drafts never opened (no opened_at) and the ATS admins' test positions are left out.
 */
export default defineKpi({
  domain: 'recruitment',
  number: 41,
  name: 'Open positions',
  tags: ['weekly'],
  unit: 'integer',
  details: 'Positions opened and not closed at the end of the week (Sunday 24:00 local); test positions excluded',
  inputs: { positions: table('stg_ats.positions', { changeColumn: 'updated_at' }) },
  checks: [notNull(), between(0, 500)],
  async compute({ inputs, warehouse, week }) {
    const result = await sql<{ open: number }>`
      select count(*)::int as open
      from ${inputs.positions.ref}
      where lower(trim(department)) is distinct from 'test'
        and opened_at < ${week.endsAt}::timestamptz
        and (closed_at is null or closed_at >= ${week.endsAt}::timestamptz)`.execute(warehouse);
    return result.rows[0]?.open ?? 0;
  },
});
