import { examples } from 'kpi-factory';

const positions = [
  { position_id: 'p1', department: 'Engineering' },
  { position_id: 'p2', department: null },
  { position_id: 'pt', department: ' test ' },
];

export default examples('recruitment.kpi42', [
  {
    name: 'a hire duplicated by the ATS re-sync counts once; Sunday 23:59 local counts, Monday 00:00 does not',
    week: '2026-W10',
    given: {
      positions,
      applications: [
        { application_id: 'a1', candidate_id: 'c1', position_id: 'p1', hired_at: '2026-03-04T10:00:00Z' },
        { application_id: 'a1-resync', candidate_id: 'c1', position_id: 'p1', hired_at: '2026-03-04T10:00:00Z' },
        { application_id: 'a2', candidate_id: 'c2', position_id: 'p1', hired_at: '2026-03-08T22:59:00Z' },
        { application_id: 'a3', candidate_id: 'c3', position_id: 'p1', hired_at: '2026-03-08T23:00:00Z' },
      ],
    },
    // c1 once and c2 (Sunday 23:59 in Madrid); c3 was hired Monday 00:00 in Madrid, W11.
    expect: 2,
  },
  {
    name: 'hires for test positions or positions missing from the extract are left out',
    week: '2026-W10',
    given: {
      positions,
      applications: [
        { application_id: 'a1', candidate_id: 'c1', position_id: 'pt', hired_at: '2026-03-04T10:00:00Z' },
        { application_id: 'a2', candidate_id: 'c2', position_id: 'p2', hired_at: '2026-03-04T10:00:00Z' },
        { application_id: 'a3', candidate_id: 'c3', position_id: 'unknown', hired_at: '2026-03-04T10:00:00Z' },
      ],
    },
    // c2 only: a position without department is not a test one.
    expect: 1,
  },
  {
    name: 'ISO week 2026-W53 takes the hires of 28 December to 3 January',
    week: '2026-W53',
    given: {
      positions,
      applications: [
        { application_id: 'a1', candidate_id: 'c1', position_id: 'p1', hired_at: '2026-12-27T12:00:00Z' },
        { application_id: 'a2', candidate_id: 'c2', position_id: 'p1', hired_at: '2027-01-02T12:00:00Z' },
      ],
    },
    // c2: 27 December is the Sunday of W52.
    expect: 1,
  },
]);
