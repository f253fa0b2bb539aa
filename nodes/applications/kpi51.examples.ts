import { examples } from 'kpi-factory';

// The KPI reads the records model: one row per application, as applications.records builds it.
export default examples('applications.kpi51', [
  {
    name: 'an application first delivered Sunday 23:59 local counts, one at Monday 00:00 does not',
    week: '2026-W10',
    given: {
      records: [
        { record_id: 'r1', first_received_at: '2026-03-08T23:59:00+01:00', is_test: false, interviewed: false },
        { record_id: 'r2', first_received_at: '2026-03-09T00:00:00+01:00', is_test: false, interviewed: false },
        { record_id: 'r3', first_received_at: '2026-03-02T00:00:00+01:00', is_test: false, interviewed: false },
      ],
    },
    // r1 and r3 (Monday 00:00 opens the week); r2 is W11 in Madrid.
    expect: 2,
  },
  {
    name: 'staff test submissions are left out',
    week: '2026-W10',
    given: {
      records: [
        { record_id: 'r1', first_received_at: '2026-03-03T10:00:00+01:00', is_test: true, interviewed: false },
        { record_id: 'r2', first_received_at: '2026-03-03T11:00:00+01:00', is_test: false, interviewed: true },
      ],
    },
    // r2 only.
    expect: 1,
  },
  {
    name: 'ISO week 2026-W53 counts the applications of 28 December to 3 January',
    week: '2026-W53',
    given: {
      records: [
        { record_id: 'r1', first_received_at: '2026-12-27T23:59:00+01:00', is_test: false, interviewed: false },
        { record_id: 'r2', first_received_at: '2027-01-03T23:59:00+01:00', is_test: false, interviewed: false },
      ],
    },
    // r2: r1 is the Sunday of W52.
    expect: 1,
  },
]);
