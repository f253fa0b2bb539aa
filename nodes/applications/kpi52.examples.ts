import { examples } from 'kpi-factory';

export default examples('applications.kpi52', [
  {
    name: 'an interview status that arrived after the week still converts the week\'s application',
    week: '2026-W10',
    given: {
      // r1's Interview delivery landed in W11: the model's row carries it, dated by its first delivery.
      records: [
        { record_id: 'r1', first_received_at: '2026-03-03T10:00:00+01:00', is_test: false, interviewed: true },
        { record_id: 'r2', first_received_at: '2026-03-04T10:00:00+01:00', is_test: false, interviewed: false },
        { record_id: 'r3', first_received_at: '2026-03-05T10:00:00+01:00', is_test: false, interviewed: false },
        { record_id: 'r4', first_received_at: '2026-03-05T11:00:00+01:00', is_test: true, interviewed: true },
        { record_id: 'r5', first_received_at: '2026-02-25T10:00:00+01:00', is_test: false, interviewed: true },
      ],
    },
    // 1 of r1, r2 and r3: r4 is a test, r5 an application of W09.
    expect: 1 / 3,
  },
  {
    name: 'a week without applications has no value, not 0%',
    week: '2026-W10',
    given: { records: [{ record_id: 'r1', first_received_at: '2026-03-09T00:00:00+01:00', is_test: false, interviewed: true }] },
    // r1 is the first minute of W11: no application in W10.
    expect: null,
  },
]);
