import { definePublish } from 'kpi-factory';

/** The Recruitment scorecard: hiring KPIs from the applicant-tracking extract, one column per week. */
export default definePublish({ domain: 'recruitment', scorecard: 'Recruitment' });
