import { between, defineKpi, sql, table } from 'kpi-factory';

/**
 * Share of offers accepted among the offers candidates decided in the week and the eleven weeks
 * before (accepted or declined then, local time). Offers still open are not counted either way.
 */
export default defineKpi({
  domain: 'recruitment',
  number: 44,
  name: 'Offer acceptance rate (12 weeks)',
  tags: ['weekly'],
  unit: 'percent',
  details: 'Offers accepted / offers accepted or declined in the 12 weeks ending Sunday; one per candidate and position; test positions excluded',
  target: { direction: 'higher', green: 0.85, amber: 0.75 },
  inputs: {
    applications: table('stg_ats.applications', { changeColumn: 'updated_at' }),
    positions: table('stg_ats.positions', { changeColumn: 'updated_at' }),
  },
  checks: [between(0, 1)],
  async compute({ inputs, warehouse, week }) {
    const result = await sql<{ accepted: number; declined: number }>`
      with offers as (
        select distinct a.candidate_id, a.position_id, a.offer_accepted_at, a.offer_declined_at
        from ${inputs.applications.ref} a
        join ${inputs.positions.ref} p on p.position_id = a.position_id
        where lower(trim(p.department)) is distinct from 'test'
      ),
      bounds as (
        select (${week.monday}::date - 77)::timestamp at time zone ${week.timeZone} as starts_at, ${week.endsAt}::timestamptz as ends_at
      )
      select count(*) filter (where offer_accepted_at >= starts_at and offer_accepted_at < ends_at)::int as accepted,
             count(*) filter (where offer_declined_at >= starts_at and offer_declined_at < ends_at)::int as declined
      from offers, bounds`.execute(warehouse);
    const { accepted = 0, declined = 0 } = result.rows[0] ?? {};
    return accepted + declined === 0 ? null : accepted / (accepted + declined);
  },
});
