import { examples } from 'kpi-factory';

const positions = [
  { position_id: 'p1', department: 'Engineering' },
  { position_id: 'pt', department: 'Test' },
];

// 2026-W10 and the 11 weeks before: Monday 15 December 2025 00:00 to Monday 9 March 2026 00:00, Madrid time.
export default examples('recruitment.kpi44', [
  {
    name: 'offers decided in the 12 weeks count, open offers and earlier decisions do not',
    week: '2026-W10',
    given: {
      positions,
      applications: [
        { application_id: 'a1', candidate_id: 'c1', position_id: 'p1', offer_accepted_at: '2026-03-04T10:00:00Z' },
        { application_id: 'a2', candidate_id: 'c2', position_id: 'p1', offer_declined_at: '2026-01-10T10:00:00Z' },
        { application_id: 'a3', candidate_id: 'c3', position_id: 'p1', offer_accepted_at: '2025-12-14T22:59:00Z' },
        { application_id: 'a4', candidate_id: 'c4', position_id: 'p1', offer_at: '2026-03-05T10:00:00Z' },
        { application_id: 'a5', candidate_id: 'c5', position_id: 'pt', offer_accepted_at: '2026-03-04T10:00:00Z' },
      ],
    },
    // c1 accepted, c2 declined: 1 / 2. c3 accepted Sunday 14 December 23:59 local, before the window; c4 is open; c5 a test.
    expect: 0.5,
  },
  {
    name: 'an offer duplicated by the ATS re-sync counts once',
    week: '2026-W10',
    given: {
      positions,
      applications: [
        { application_id: 'a1', candidate_id: 'c1', position_id: 'p1', offer_accepted_at: '2026-03-04T10:00:00Z' },
        { application_id: 'a1-resync', candidate_id: 'c1', position_id: 'p1', offer_accepted_at: '2026-03-04T10:00:00Z' },
        { application_id: 'a2', candidate_id: 'c2', position_id: 'p1', offer_declined_at: '2026-03-05T10:00:00Z' },
      ],
    },
    // 1 / 2, not 2 / 3.
    expect: 0.5,
  },
  {
    name: 'no offer decided gives no value',
    week: '2026-W10',
    given: { positions, applications: [{ application_id: 'a1', candidate_id: 'c1', position_id: 'p1', offer_at: '2026-03-04T10:00:00Z' }] },
    // 0 / 0.
    expect: null,
  },
]);
