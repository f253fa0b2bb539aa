import { examples } from 'kpi-factory';

export default examples('leadership.kpi62', [
  {
    name: 'four weeks of applications per position open at the week\'s end',
    week: '2026-W10',
    given: { received: { '2026-W07': 10, '2026-W08': 20, '2026-W09': 30, '2026-W10': 40 }, open: { '2026-W10': 4 } },
    // 100 / 4.
    expect: 25,
  },
  {
    name: 'no open position gives no value, not a division by zero',
    week: '2026-W10',
    given: { received: { '2026-W07': 10, '2026-W08': 20, '2026-W09': 30, '2026-W10': 40 }, open: { '2026-W10': 0 } },
    // 100 / 0.
    expect: null,
  },
  {
    name: 'a week of applications missing leaves no value, across ISO week 2026-W53',
    week: '2027-W01',
    given: { received: { '2026-W52': 10, '2026-W53': 20, '2027-W01': 30 }, open: { '2027-W01': 2 } },
    // The 4 weeks are 2026-W51, W52, W53 and 2027-W01: W51 has no value.
    expect: null,
    reason: 'applications.kpi51 has no value for 2026-W51',
  },
]);
