import { definePublish } from 'kpi-factory';

/** The Success scorecard: every success KPI of the week, one column per week. */
export default definePublish({ domain: 'success', scorecard: 'Success' });
