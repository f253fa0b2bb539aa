import { between, defineKpi, kpi } from 'kpi-factory';

/**
 * The trend of weekly applications: the least-squares slope of KPI 51 over the week and the
 * seven before, in applications per week gained (or lost) each week. A slope rather than the
 * difference of two averages, so one unusual week moves it little.
 */
export default defineKpi({
  domain: 'applications',
  number: 53,
  name: 'Applications trend (8 weeks)',
  tags: ['weekly'],
  unit: 'decimal',
  details: 'Least-squares slope of KPI 51 over the week and the 7 before (weeks without a value skipped)',
  inputs: { received: kpi('applications.kpi51', { weeks: 8 }) },
  checks: [between(-100, 100)],
  compute({ inputs }) {
    const points = inputs.received.flatMap((entry, x) => (entry.value === null ? [] : [{ x, y: entry.value }]));
    if (points.length < 2) return null;
    const meanX = points.reduce((sum, p) => sum + p.x, 0) / points.length;
    const meanY = points.reduce((sum, p) => sum + p.y, 0) / points.length;
    const covariance = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
    const variance = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
    return covariance / variance;
  },
});
