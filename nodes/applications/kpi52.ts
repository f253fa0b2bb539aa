import { between, defineKpi, model, sql } from 'kpi-factory';

/**
 * Of the week's applications (KPI 51's), the share invited to an interview, as known when the
 * KPI is computed. Interview invitations arrive days later, often the next week, so a week's
 * value rises as late updates land: a rerun after them restates it.
 */
export default defineKpi({
  domain: 'applications',
  number: 52,
  name: 'Conversion to interview',
  tags: ['weekly'],
  unit: 'percent',
  details: 'Applications of the week with an Interview status in any delivery received so far / applications of the week',
  target: { direction: 'higher', green: 0.3, amber: 0.2 },
  inputs: { records: model('applications.records', { window: { column: 'first_received_at', weeks: 1 } }) },
  checks: [between(0, 1)],
  async compute({ inputs, warehouse, week }) {
    const result = await sql<{ interviewed: number; received: number }>`
      select count(*) filter (where interviewed)::int as interviewed, count(*)::int as received
      from ${inputs.records.ref}
      where not is_test
        and first_received_at >= ${week.startsAt}::timestamptz
        and first_received_at < ${week.endsAt}::timestamptz`.execute(warehouse);
    const { interviewed = 0, received = 0 } = result.rows[0] ?? {};
    return received === 0 ? null : interviewed / received;
  },
});
