import { definePublish } from 'kpi-factory';

/** The Leadership scorecard: composite KPIs read from the other scorecards, one column per week. */
export default definePublish({ domain: 'leadership', scorecard: 'Leadership' });
