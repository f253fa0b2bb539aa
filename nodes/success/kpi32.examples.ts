import { examples } from 'kpi-factory';

// 2026-W10 ends Sunday 8 March: the 52-week window runs from 10 March 2025 to 8 March 2026.
export default examples('success.kpi32', [
  {
    name: 'churn counts clients, not agreements',
    week: '2026-W10',
    given: {
      exposure: [
        { agreement_id: 'a1', client_id: 'c1', client_category: 'customer', status: 'terminated', start_date: '2024-01-01', end_date: '2025-06-30' },
        { agreement_id: 'a2', client_id: 'c1', client_category: 'customer', status: 'cancelled', start_date: '2024-02-01', end_date: '2025-09-30' },
        { agreement_id: 'a3', client_id: 'c2', client_category: 'customer', status: 'active', start_date: '2024-01-01', end_date: null },
      ],
    },
    // c1 churned (twice) out of c1 and c2 exposed: 1 / 2. By agreements it would be 2 / 3.
    expect: 0.5,
  },
  {
    name: 'a client that lost one of its two agreements has churned',
    week: '2026-W10',
    given: {
      exposure: [
        { agreement_id: 'a1', client_id: 'c1', client_category: 'customer', status: ' Terminated ', start_date: '2024-01-01', end_date: '2025-06-30' },
        { agreement_id: 'a2', client_id: 'c1', client_category: 'customer', status: 'active', start_date: '2024-01-01', end_date: null },
        { agreement_id: 'a3', client_id: 'c2', client_category: 'customer', status: 'active', start_date: '2024-01-01', end_date: null },
      ],
    },
    // c1 of c1 and c2, whatever the spelling of the status: 1 / 2 (by agreements: 1 / 3).
    expect: 0.5,
  },
  {
    name: 'internal clients and agreements without a start date are left out',
    week: '2026-W10',
    given: {
      exposure: [
        { agreement_id: 'a1', client_id: 'c1', client_category: ' Customer ', status: 'terminated', start_date: '2024-01-01', end_date: '2025-12-31' },
        { agreement_id: 'a2', client_id: 'c2', client_category: 'Customer', status: 'active', start_date: '2024-01-01', end_date: null },
        { agreement_id: 'a3', client_id: 'c3', client_category: 'Internal', status: 'terminated', start_date: '2024-01-01', end_date: '2025-12-31' },
        { agreement_id: 'a4', client_id: 'c4', client_category: 'customer', status: 'terminated', start_date: null, end_date: '2025-12-31' },
        { agreement_id: 'a5', client_id: 'c5', client_category: 'customer', status: 'active', start_date: '2025-01-01', end_date: null },
      ],
    },
    // Churned c1, exposed c1, c2 and c5: 1 / 3.
    expect: 1 / 3,
  },
  {
    name: 'an agreement ended on the window\'s first day churns, one ended the day before is outside it',
    week: '2026-W10',
    given: {
      exposure: [
        { agreement_id: 'a1', client_id: 'c1', client_category: 'customer', status: 'terminated', start_date: '2024-01-01', end_date: '2025-03-10' },
        { agreement_id: 'a2', client_id: 'c2', client_category: 'customer', status: 'terminated', start_date: '2024-01-01', end_date: '2025-03-09' },
        { agreement_id: 'a3', client_id: 'c3', client_category: 'customer', status: 'active', start_date: '2024-01-01', end_date: null },
      ],
    },
    // c2 was gone before the window: churned c1 of exposed c1 and c3.
    expect: 0.5,
  },
  {
    name: 'no customer exposed gives no value rather than a division by zero',
    week: '2026-W10',
    given: { exposure: [{ agreement_id: 'a1', client_id: 'c1', client_category: 'internal', status: 'active', start_date: '2024-01-01' }] },
    // 0 exposed clients.
    expect: null,
  },
]);
