import { examples } from 'kpi-factory';

export default examples('applications.kpi53', [
  {
    name: 'one more application each week is a slope of 1',
    week: '2026-W10',
    given: { received: { '2026-W03': 1, '2026-W04': 2, '2026-W05': 3, '2026-W06': 4, '2026-W07': 5, '2026-W08': 6, '2026-W09': 7, '2026-W10': 8 } },
    // y = x + 1 over the 8 weeks.
    expect: 1,
  },
  {
    name: 'a falling trend is negative, across ISO week 2026-W53',
    week: '2027-W04',
    given: { received: { '2026-W50': 16, '2026-W51': 14, '2026-W52': 12, '2026-W53': 10, '2027-W01': 8, '2027-W02': 6, '2027-W03': 4, '2027-W04': 2 } },
    // 2 fewer each week; the 8 weeks ending 2027-W04 include W53.
    expect: -2,
  },
  {
    name: 'a week without a value leaves the trend without one',
    week: '2026-W10',
    given: { received: { '2026-W03': 5, '2026-W04': 5, '2026-W05': 5, '2026-W06': 5, '2026-W08': 5, '2026-W09': 5, '2026-W10': 5 } },
    // W07 is missing and the input is not partial.
    expect: null,
    reason: 'incomplete window',
  },
]);
