import { between, defineKpi, kpi } from 'kpi-factory';
import { total } from './_weeks.ts';

/**
 * The hiring funnel's yield over a quarter: hires (Recruitment KPI 42) per application received
 * through the careers form (Applications KPI 51), both over the week and the eleven before.
 */
export default defineKpi({
  domain: 'leadership',
  number: 63,
  name: 'Hire yield (12 weeks)',
  tags: ['board'],
  unit: 'percent',
  details: 'Recruitment KPI 42 summed over 12 weeks / Applications KPI 51 summed over the same 12 weeks',
  inputs: {
    hires: kpi('recruitment.kpi42', { weeks: 12 }),
    received: kpi('applications.kpi51', { weeks: 12 }),
  },
  checks: [between(0, 1)],
  compute({ inputs }) {
    const hires = total(inputs.hires);
    const received = total(inputs.received);
    return hires === null || !received ? null : hires / received;
  },
});
