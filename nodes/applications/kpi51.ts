import { between, defineKpi, model, notNull, sql } from 'kpi-factory';

/** Applications whose first webhook delivery arrived during the week (local time); staff tests left out. */
export default defineKpi({
  domain: 'applications',
  number: 51,
  name: 'Applications received',
  tags: ['weekly'],
  unit: 'integer',
  details: 'Distinct Airtable records first delivered Monday 00:00 to Sunday 24:00 local; duplicate deliveries and test submissions excluded',
  inputs: { records: model('applications.records', { window: { column: 'first_received_at', weeks: 1 } }) },
  checks: [notNull(), between(0, 1000)],
  async compute({ inputs, warehouse, week }) {
    const result = await sql<{ received: number }>`
      select count(*)::int as received
      from ${inputs.records.ref}
      where not is_test
        and first_received_at >= ${week.startsAt}::timestamptz
        and first_received_at < ${week.endsAt}::timestamptz`.execute(warehouse);
    return result.rows[0]?.received ?? 0;
  },
});
