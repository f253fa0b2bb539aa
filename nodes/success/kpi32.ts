import { between, defineKpi, sql, table } from 'kpi-factory';

/**
 * Real churn over the 52 weeks ending last Sunday, by client: clients that lost an agreement
 * (terminated or cancelled, end date in the window) over clients exposed in the window (an
 * agreement alive at any point of it). Internal and test clients, and agreements without a
 * start date, are left out.
 */
export default defineKpi({
  domain: 'success',
  number: 32,
  name: 'Overall churn [real churn] (52 weeks)',
  tags: ['board'],
  unit: 'percent',
  details: 'Churned clients / exposed clients over the 52 weeks ending last Sunday; customers only, agreements with a start date',
  // Churn is better low; the 2027 plan tightens it.
  target: { direction: 'lower', green: 0.1, amber: 0.15, byYear: { 2027: { green: 0.09, amber: 0.13 } } },
  inputs: {
    // Exposure does not depend on an agreement's status; churn does, only for end dates in the window.
    exposure: table('stg_hubspot.agreements', { columns: ['client_id', 'client_category', 'start_date', 'end_date'] }),
    churn: table('stg_hubspot.agreements', { columns: ['client_id', 'client_category', 'status', 'start_date', 'end_date'], window: { column: 'end_date', weeks: 52 } }),
  },
  checks: [between(0, 1)],
  async compute({ inputs, warehouse, week }) {
    const result = await sql<{ churned: number; exposed: number }>`
      with window_bounds as (
        select (${week.lastSunday}::date - 363) as first_day, ${week.lastSunday}::date as last_day
      ),
      exposed as (
        select distinct client_id
        from ${inputs.exposure.ref}, window_bounds
        where lower(trim(client_category)) = 'customer' and start_date is not null
          and start_date <= last_day and (end_date is null or end_date >= first_day)
      ),
      churned as (
        select distinct client_id
        from ${inputs.churn.ref}, window_bounds
        where lower(trim(client_category)) = 'customer' and start_date is not null
          and lower(trim(status)) in ('terminated', 'cancelled') and end_date between first_day and last_day
      )
      select (select count(*) from churned)::int as churned, (select count(*) from exposed)::int as exposed`.execute(warehouse);
    const { churned = 0, exposed = 0 } = result.rows[0] ?? {};
    return exposed === 0 ? null : churned / exposed;
  },
});
