import { defineModel, sql, table } from 'kpi-factory';

/**
 * One row per application (Airtable record) from the raw webhook deliveries, as known now:
 * `record_id`, `first_received_at` (its first delivery, which dates the application),
 * `is_test` (a staff test: the name starts with "test") and `interviewed` (some delivery
 * carried the Interview status). Payload keys changed style over time and carry stray spaces,
 * so they are compared trimmed, lower-case, spaces as underscores ("Record ID" is record_id).
 * Duplicate deliveries and later status updates of a record collapse into its one row.
 * Built once per run, when the deliveries changed; the applications KPIs read its rows.
 */
export default defineModel({
  domain: 'applications',
  name: 'records',
  details: 'One row per Airtable record: first delivery, staff test or not, interviewed or not',
  inputs: { submissions: table('stg_webhooks.form_submissions', { changeColumn: 'id' }) },
  timeColumn: 'first_received_at',
  query: ({ inputs }) => sql`
    with fields as (
      select s.id, s.received_at, replace(lower(trim(f.key)), ' ', '_') as key, trim(f.value) as value
      from ${inputs.submissions.ref} s
      cross join lateral jsonb_each_text(s.payload) f
    ),
    deliveries as (
      select id, received_at,
             max(value) filter (where key = 'record_id') as record_id,
             lower(max(value) filter (where key = 'name')) as name,
             lower(max(value) filter (where key = 'status')) as status
      from fields
      group by id, received_at
    )
    select record_id,
           min(received_at) as first_received_at,
           bool_or(name like 'test%') as is_test,
           bool_or(status = 'interview') as interviewed
    from deliveries
    group by record_id`,
});
