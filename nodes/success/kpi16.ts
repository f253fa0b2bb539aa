import { defineKpi, notNull, sheet } from 'kpi-factory';

/** New replacement processes for existing clients, as the CSMs log them in the CS weekly report. */
export default defineKpi({
  domain: 'success',
  number: 16,
  name: 'New replacement processes for existing clients',
  tags: ['weekly'],
  unit: 'integer',
  details: 'Sum of "New replacement processes" in the CS weekly report for entries dated Monday to Sunday',
  inputs: { report: sheet('cs_weekly_report') },
  checks: [notNull()],
  async compute({ inputs, duck, week }) {
    const [row] = await duck.all<{ total: number }>(
      `select coalesce(sum(new_replacements), 0)::double as total
       from ${inputs.report.table}
       where entry_date between ?::date and ?::date`,
      [week.monday, week.lastSunday],
    );
    return row?.total ?? 0;
  },
});
