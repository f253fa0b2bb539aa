import { between, defineKpi, notNull, sql, table } from 'kpi-factory';

/**
 * Candidates hired during the week (Monday to Sunday, local time). An application is a candidate
 * and a position: an ATS re-sync duplicated some rows, so hires are counted once per pair.
 */
export default defineKpi({
  domain: 'recruitment',
  number: 42,
  name: 'Hires',
  tags: ['weekly'],
  unit: 'integer',
  details: 'Distinct candidate and position pairs with hired_at Monday 00:00 to Sunday 24:00 local; test positions excluded',
  inputs: {
    applications: table('stg_ats.applications', { changeColumn: 'updated_at' }),
    positions: table('stg_ats.positions', { changeColumn: 'updated_at' }),
  },
  checks: [notNull(), between(0, 100)],
  async compute({ inputs, warehouse, week }) {
    const result = await sql<{ hires: number }>`
      select count(distinct (a.candidate_id, a.position_id))::int as hires
      from ${inputs.applications.ref} a
      join ${inputs.positions.ref} p on p.position_id = a.position_id
      where lower(trim(p.department)) is distinct from 'test'
        and a.hired_at >= ${week.startsAt}::timestamptz
        and a.hired_at < ${week.endsAt}::timestamptz`.execute(warehouse);
    return result.rows[0]?.hires ?? 0;
  },
});
