import { examples } from 'kpi-factory';

export default examples('success.kpi16', [
  {
    name: 'entries dated Monday to Sunday count, the Sundays around the week do not',
    week: '2026-W10',
    given: {
      report: [
        { entry_date: '2026-03-01', client: 'Acme', new_replacements: 7 },
        { entry_date: '2026-03-02', client: 'Acme', new_replacements: 2 },
        { entry_date: '2026-03-08', client: 'Globex', new_replacements: 3 },
        { entry_date: '2026-03-09', client: 'Globex', new_replacements: 5 },
      ],
    },
    // 2 + 3: 1 March is the Sunday of W09, 9 March the Monday of W11.
    expect: 5,
  },
  {
    name: 'an entry without a number adds nothing, and a week without entries is 0',
    week: '2026-W10',
    given: { report: [{ entry_date: '2026-03-04', client: 'Acme', new_replacements: null }] },
    // coalesce(sum(null), 0).
    expect: 0,
  },
  {
    name: 'ISO week 2026-W53 takes the entries of 28 December to 3 January',
    week: '2026-W53',
    given: {
      report: [
        { entry_date: '2026-12-27', client: 'Acme', new_replacements: 8 },
        { entry_date: '2026-12-28', client: 'Acme', new_replacements: 1 },
        { entry_date: '2027-01-01', client: 'Globex', new_replacements: 4 },
        { entry_date: '2027-01-04', client: 'Globex', new_replacements: 9 },
      ],
    },
    // 1 + 4.
    expect: 5,
  },
]);
