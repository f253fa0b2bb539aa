import { examples } from 'kpi-factory';

export default examples('leadership.kpi61', [
  {
    name: 'on plan for hiring and the funnel, 10% churn',
    week: '2026-W10',
    given: {
      churn: { '2026-W10': 0.1 },
      hires: { '2026-W07': 2, '2026-W08': 2, '2026-W09': 2, '2026-W10': 2 },
      conversion: { '2026-W07': 0.25, '2026-W08': 0.25, '2026-W09': 0.25, '2026-W10': 0.25 },
    },
    // 100 x (0.5 x 0.9 + 0.25 x 8/8 + 0.25 x 0.25/0.25) = 95.
    expect: 95,
  },
  {
    name: 'hiring above plan is capped, a funnel at half its target counts half',
    week: '2026-W10',
    given: {
      churn: { '2026-W10': 0.2 },
      hires: { '2026-W07': 4, '2026-W08': 4, '2026-W09': 4, '2026-W10': 4 },
      conversion: { '2026-W07': 0.1, '2026-W08': 0.15, '2026-W09': 0.1, '2026-W10': 0.15 },
    },
    // 100 x (0.5 x 0.8 + 0.25 x min(1, 16/8) + 0.25 x 0.125/0.25) = 77.5.
    expect: 77.5,
  },
  {
    name: 'a week of conversion missing leaves no value',
    week: '2026-W10',
    given: {
      churn: { '2026-W10': 0.1 },
      hires: { '2026-W07': 2, '2026-W08': 2, '2026-W09': 2, '2026-W10': 2 },
      conversion: { '2026-W07': 0.25, '2026-W09': 0.25, '2026-W10': 0.25 },
    },
    // applications.kpi52 has no value for W08.
    expect: null,
    reason: 'applications.kpi52 has no value for 2026-W08',
  },
]);
