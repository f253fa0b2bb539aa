import { between, defineKpi, kpi } from 'kpi-factory';
import { total } from './_weeks.ts';

/**
 * Whether the careers form brings enough candidates for the hiring in progress: applications
 * received over the last 4 weeks (Applications KPI 51) per position open at the week's end
 * (Recruitment KPI 41). No value when no position is open.
 */
export default defineKpi({
  domain: 'leadership',
  number: 62,
  name: 'Applications per open position (4 weeks)',
  tags: ['board'],
  unit: 'decimal',
  details: 'Applications KPI 51 summed over the week and the 3 before / Recruitment KPI 41 of the week',
  inputs: {
    received: kpi('applications.kpi51', { weeks: 4 }),
    open: kpi('recruitment.kpi41'),
  },
  checks: [between(0, 1000)],
  compute({ inputs }) {
    const received = total(inputs.received);
    const open = inputs.open[0]?.value ?? null;
    return received === null || !open ? null : received / open;
  },
});
