import { defineKpi, notNull, between, sql, table } from 'kpi-factory';

/** Completed offboarding forms submitted during the week (Monday to Sunday, local time). */
export default defineKpi({
  domain: 'success',
  number: 6,
  name: 'Offboarding Forms Completed',
  tags: ['weekly'],
  unit: 'integer',
  details: 'Count of offboarding form submissions with status completed, submitted Monday 00:00 to Sunday 24:00 local time',
  // Only the week's own submissions decide its freshness: a late row reruns that week alone.
  inputs: { submissions: table('stg_forms.offboarding_submissions', { window: { column: 'submitted_at', weeks: 1 } }) },
  checks: [notNull(), between(0, 500)],
  async compute({ inputs, warehouse, week }) {
    const result = await sql<{ completed: number }>`
      select count(*)::int as completed
      from ${inputs.submissions.ref}
      where lower(trim(form_status)) = 'completed'
        and submitted_at >= ${week.startsAt}::timestamptz
        and submitted_at < ${week.endsAt}::timestamptz`.execute(warehouse);
    return result.rows[0]?.completed ?? 0;
  },
});
