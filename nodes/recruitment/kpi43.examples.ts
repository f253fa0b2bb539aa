import { examples } from 'kpi-factory';

const positions = [{ position_id: 'p1', department: 'Engineering' }];

// 2026-W10 and the 3 weeks before: hires from Monday 9 February 00:00 to Monday 9 March 00:00, Madrid time.
export default examples('recruitment.kpi43', [
  {
    name: 'the mean over the 4 weeks\' hires, each hire once',
    week: '2026-W10',
    given: {
      positions,
      applications: [
        { application_id: 'a1', candidate_id: 'c1', position_id: 'p1', applied_at: '2026-02-01T10:00:00Z', hired_at: '2026-03-03T10:00:00Z' },
        { application_id: 'a1-resync', candidate_id: 'c1', position_id: 'p1', applied_at: '2026-02-01T10:00:00Z', hired_at: '2026-03-03T10:00:00Z' },
        { application_id: 'a2', candidate_id: 'c2', position_id: 'p1', applied_at: '2026-02-01T10:00:00Z', hired_at: '2026-02-11T10:00:00Z' },
      ],
    },
    // c1 took 30 days, c2 10: (30 + 10) / 2; counting the duplicate would give 23.33.
    expect: 20,
  },
  {
    name: 'days are calendar days in Madrid',
    week: '2026-W10',
    given: {
      positions,
      applications: [{ application_id: 'a1', candidate_id: 'c1', position_id: 'p1', applied_at: '2026-03-01T22:30:00Z', hired_at: '2026-03-01T23:30:00Z' }],
    },
    // Applied Sunday 23:30, hired Monday 00:30 local: 1 day (0 in UTC).
    expect: 1,
  },
  {
    name: 'a hire just before the 4 weeks leaves no value',
    week: '2026-W10',
    given: {
      positions,
      applications: [{ application_id: 'a1', candidate_id: 'c1', position_id: 'p1', applied_at: '2026-01-01T10:00:00Z', hired_at: '2026-02-08T22:59:00Z' }],
    },
    // Sunday 8 February 23:59 local is in W06: no hire, avg of nothing.
    expect: null,
  },
]);
