import { examples } from 'kpi-factory';

// 2026-W10 runs Monday 2 March to Sunday 8 March; Madrid is UTC+1 then (summer time starts 29 March).
export default examples('success.kpi06', [
  {
    name: 'a form completed at Sunday 23:59 local counts, one at Monday 00:00 local does not',
    week: '2026-W10',
    given: {
      submissions: [
        { submission_id: 's1', submitted_at: '2026-03-08T23:59:00+01:00', form_status: 'completed' },
        { submission_id: 's2', submitted_at: '2026-03-09T00:00:00+01:00', form_status: 'completed' },
      ],
    },
    // s1 only: s2 belongs to 2026-W11 in Madrid, though it is still Sunday 23:00 in UTC.
    expect: 1,
  },
  {
    name: 'the status counts whatever its case and surrounding spaces, and only when completed',
    week: '2026-W10',
    given: {
      submissions: [
        { submission_id: 's1', submitted_at: '2026-03-03T10:00:00+01:00', form_status: ' Completed ' },
        { submission_id: 's2', submitted_at: '2026-03-04T10:00:00+01:00', form_status: 'COMPLETED' },
        { submission_id: 's3', submitted_at: '2026-03-05T10:00:00+01:00', form_status: 'completed' },
        { submission_id: 's4', submitted_at: '2026-03-05T11:00:00+01:00', form_status: 'Complete' },
        { submission_id: 's5', submitted_at: '2026-03-06T10:00:00+01:00', form_status: 'In progress' },
        { submission_id: 's6', submitted_at: '2026-03-06T11:00:00+01:00', form_status: null },
      ],
    },
    // s1, s2 and s3: "Complete" is not the same status, nor is a missing one.
    expect: 3,
  },
  {
    name: 'ISO week 2026-W53 runs from Monday 28 December to Sunday 3 January',
    week: '2026-W53',
    given: {
      submissions: [
        { submission_id: 's1', submitted_at: '2026-12-27T23:59:00+01:00', form_status: 'completed' },
        { submission_id: 's2', submitted_at: '2026-12-31T12:00:00+01:00', form_status: 'completed' },
        { submission_id: 's3', submitted_at: '2027-01-03T23:59:00+01:00', form_status: 'completed' },
        { submission_id: 's4', submitted_at: '2027-01-04T00:00:00+01:00', form_status: 'completed' },
      ],
    },
    // s2 and s3: s1 is the Sunday of W52, s4 the Monday of 2027-W01.
    expect: 2,
  },
  {
    name: 'a week without forms is 0, not no value',
    week: '2026-W10',
    given: {},
    // count(*) of no row.
    expect: 0,
  },
]);
