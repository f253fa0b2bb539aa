import { definePublish } from 'kpi-factory';

/** The Applications scorecard: the careers-form funnel, one column per week. */
export default definePublish({ domain: 'applications', scorecard: 'Applications' });
