import { examples } from 'kpi-factory';

export default examples('success.kpi05', [
  {
    name: 'the mean of the week and the three before',
    week: '2026-W10',
    given: { forms: { '2026-W07': 2, '2026-W08': 4, '2026-W09': 6, '2026-W10': 8 } },
    // (2 + 4 + 6 + 8) / 4.
    expect: 5,
  },
  {
    name: 'a week without a value leaves the 4-week average without one',
    week: '2026-W10',
    given: { forms: { '2026-W07': 2, '2026-W08': 4, '2026-W10': 8 } },
    // W09 has no value: an average of 3 weeks would pass for a 4-week one.
    expect: null,
    reason: 'incomplete window',
  },
  {
    name: 'a week with 0 forms is a value and counts in the average',
    week: '2026-W10',
    given: { forms: { '2026-W07': 0, '2026-W08': 0, '2026-W09': 0, '2026-W10': 4 } },
    // 4 / 4, not 4 / 1.
    expect: 1,
  },
  {
    name: 'the window crosses the year through ISO week 2026-W53',
    week: '2027-W02',
    given: { forms: { '2026-W52': 1, '2026-W53': 2, '2027-W01': 3, '2027-W02': 6 } },
    // The 4 weeks before 2027-W02 are W52, W53, W01, W02: (1 + 2 + 3 + 6) / 4.
    expect: 3,
  },
  {
    name: 'an average above 500 fails its check',
    week: '2026-W10',
    given: { forms: { '2026-W07': 600, '2026-W08': 600, '2026-W09': 600, '2026-W10': 600 } },
    // between(0, 500) is an error check.
    expect: { error: /outside 0\.\.500/ },
  },
]);
