import { between, defineKpi, sql, table } from 'kpi-factory';

/**
 * Mean days from application to hire of the hires of the week and the three weeks before, each
 * hire counted once. Computed over the 4 weeks' hires rather than as a mean of weekly means, so a
 * week with one hire weighs less than a week with five, and weeks without hires do not matter.
 */
export default defineKpi({
  domain: 'recruitment',
  number: 43,
  name: '4 Week Ave. Time to Hire (days)',
  tags: ['weekly'],
  unit: 'decimal',
  details: 'Mean local calendar days from applied_at to hired_at over hires in the week and the 3 before; test positions excluded',
  target: { direction: 'lower', green: 30, amber: 45 },
  inputs: {
    applications: table('stg_ats.applications', { changeColumn: 'updated_at' }),
    positions: table('stg_ats.positions', { changeColumn: 'updated_at' }),
  },
  checks: [between(0, 365)],
  async compute({ inputs, warehouse, week }) {
    const result = await sql<{ days: number | null }>`
      with hires as (
        select distinct a.candidate_id, a.position_id, a.applied_at, a.hired_at
        from ${inputs.applications.ref} a
        join ${inputs.positions.ref} p on p.position_id = a.position_id
        where lower(trim(p.department)) is distinct from 'test'
          and a.hired_at >= (${week.monday}::date - 21)::timestamp at time zone ${week.timeZone}
          and a.hired_at < ${week.endsAt}::timestamptz
      )
      select avg((hired_at at time zone ${week.timeZone})::date - (applied_at at time zone ${week.timeZone})::date)::float8 as days
      from hires`.execute(warehouse);
    return result.rows[0]?.days ?? null;
  },
});
