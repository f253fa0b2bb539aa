import { average, between, defineKpi, kpi } from 'kpi-factory';

/** The 4-week moving average of KPI 6: this week and the three before. */
export default defineKpi({
  domain: 'success',
  number: 5,
  name: '4 Week Ave. Offboarding Forms Completed',
  tags: ['weekly'],
  unit: 'decimal',
  details: 'Mean of KPI 06 over the week and the three weeks before it',
  inputs: { forms: kpi('success.kpi06', { weeks: 4 }) },
  checks: [between(0, 500)],
  compute: ({ inputs }) => average(inputs.forms),
});
