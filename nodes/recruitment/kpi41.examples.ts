import { examples } from 'kpi-factory';

// 2026-W10 ends at Monday 9 March 00:00 in Madrid, Sunday 8 March 23:00 UTC (the ATS extract's timestamps are UTC).
export default examples('recruitment.kpi41', [
  {
    name: 'a position closed at Monday 00:00 local is still open at the week\'s end, one closed Sunday 23:59 is not',
    week: '2026-W10',
    given: {
      positions: [
        { position_id: 'p1', department: 'Engineering', opened_at: '2026-01-05T09:00:00Z', closed_at: '2026-03-08T23:00:00Z' },
        { position_id: 'p2', department: 'Engineering', opened_at: '2026-01-05T09:00:00Z', closed_at: '2026-03-08T22:59:00Z' },
        { position_id: 'p3', department: 'Sales', opened_at: '2026-03-08T22:30:00Z', closed_at: null },
      ],
    },
    // p1 (closed when the week had ended) and p3 (opened Sunday 23:30 local); a UTC cut would drop p1.
    expect: 2,
  },
  {
    name: 'test positions and drafts never opened are left out, a position without department is not',
    week: '2026-W10',
    given: {
      positions: [
        { position_id: 'p1', department: ' TEST ', opened_at: '2026-01-05T09:00:00Z' },
        { position_id: 'p2', department: 'Test', opened_at: '2026-01-05T09:00:00Z' },
        { position_id: 'p3', department: 'Engineering', opened_at: null },
        { position_id: 'p4', department: null, opened_at: '2026-01-05T09:00:00Z' },
        { position_id: 'p5', department: 'Engineering', opened_at: '2026-02-02T09:00:00Z' },
      ],
    },
    // p4 and p5.
    expect: 2,
  },
]);
