import { examples } from 'kpi-factory';

/** The 12 weeks ending 2026-W10: 2025 has 52 ISO weeks, so they start at 2025-W51. */
const WEEKS = ['2025-W51', '2025-W52', '2026-W01', '2026-W02', '2026-W03', '2026-W04', '2026-W05', '2026-W06', '2026-W07', '2026-W08', '2026-W09', '2026-W10'];
const each = (value: number) => Object.fromEntries(WEEKS.map((week) => [week, value]));

export default examples('leadership.kpi63', [
  {
    name: 'hires per application over the 12 weeks',
    week: '2026-W10',
    given: { hires: each(1), received: each(10) },
    // 12 / 120.
    expect: 0.1,
  },
  {
    name: 'no application in 12 weeks gives no value',
    week: '2026-W10',
    given: { hires: each(0), received: each(0) },
    // 0 / 0.
    expect: null,
  },
  {
    name: 'a week of hires missing leaves no value',
    week: '2026-W10',
    given: { hires: { ...each(1), '2025-W51': null }, received: each(10) },
    // recruitment.kpi42 has no value for the first week of the window.
    expect: null,
    reason: 'recruitment.kpi42 has no value for 2025-W51',
  },
]);
