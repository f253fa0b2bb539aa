import { average, between, defineKpi, kpi } from 'kpi-factory';
import { total } from './_weeks.ts';

/** Two hires a week is the hiring plan. */
const HIRES_TARGET_4_WEEKS = 8;
/** A quarter of applicants reaching an interview is the funnel's target. */
const CONVERSION_TARGET = 0.25;

/**
 * One 0-100 number for the business: half retention (1 - the 52-week churn of Success KPI 32),
 * a quarter hiring (Recruitment KPI 42's hires over 4 weeks against the plan, capped at the
 * plan) and a quarter applicant funnel (Applications KPI 52 averaged over 4 weeks against its
 * target, capped). No value when any part has none.
 */
export default defineKpi({
  domain: 'leadership',
  number: 61,
  name: 'Company health index',
  tags: ['board'],
  unit: 'decimal',
  details: '100 x (0.5 x (1 - churn) + 0.25 x min(1, hires 4w / 8) + 0.25 x min(1, mean conversion 4w / 0.25))',
  target: { direction: 'higher', green: 85, amber: 75 },
  inputs: {
    churn: kpi('success.kpi32'),
    hires: kpi('recruitment.kpi42', { weeks: 4 }),
    conversion: kpi('applications.kpi52', { weeks: 4 }),
  },
  checks: [between(0, 100)],
  compute({ inputs }) {
    const churn = inputs.churn[0]?.value ?? null;
    const hires = total(inputs.hires);
    const conversion = average(inputs.conversion);
    if (churn === null || hires === null || conversion === null) return null;
    const retention = 1 - churn;
    const hiring = Math.min(1, hires / HIRES_TARGET_4_WEEKS);
    const funnel = Math.min(1, conversion / CONVERSION_TARGET);
    return 100 * (0.5 * retention + 0.25 * hiring + 0.25 * funnel);
  },
});
