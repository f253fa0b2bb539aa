/**
 * The 1,000-KPI project of issue 22: 10 domains × 99 KPI files, written as a user writes them,
 * in a temporary folder with its own kpi.config.json. Every tenth KPI is the 4-week average of
 * the one before; the others count rows of a demo table in their week, each with a filter of
 * its own, so that no two KPIs send the same SQL.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..');

export const KPIS_PER_DOMAIN = 99;

/** The week the bench runs: inside the demo data, fixed so that every run measures the same work. */
export const BENCH_WEEK = '2026-W40';

export interface GeneratedProject {
  readonly root: string;
  /** Its kpi.config.json, for `--config`. */
  readonly config: string;
  readonly domains: readonly string[];
  /** Every KPI and publish file, absolute. */
  readonly nodeFiles: readonly string[];
  cleanup(): Promise<void>;
}

const domainName = (index: number) => `d${String(index + 1).padStart(2, '0')}`;
const kpiFileName = (number: number) => `kpi${String(number).padStart(2, '0')}`;

/** Writes the project into a new temporary folder: `domainCount` domains (d01, d02, …) of 99 KPIs and a publish file each. */
export async function generateProject(domainCount = 10): Promise<GeneratedProject> {
  const root = await mkdtemp(join(tmpdir(), 'kpi-thousand-'));
  const domains = Array.from({ length: domainCount }, (_, index) => domainName(index));
  const nodeFiles: string[] = [];
  for (const domain of domains) {
    const dir = join(root, 'nodes', domain);
    await mkdir(dir, { recursive: true });
    const files: [string, string][] = [[join(dir, 'publish.ts'), publishFile(domain)]];
    for (let number = 1; number <= KPIS_PER_DOMAIN; number++) {
      files.push([join(dir, `${kpiFileName(number)}.ts`), number % 10 === 0 ? averageFile(domain, number) : countFile(domain, number)]);
    }
    await Promise.all(files.map(([file, text]) => writeFile(file, text)));
    nodeFiles.push(...files.map(([file]) => file));
  }
  const config = join(root, 'kpi.config.json');
  await writeFile(
    config,
    `${JSON.stringify(
      {
        timeZone: 'Europe/Madrid',
        firstWeek: '2023-W51',
        stateDir: '.kpi',
        scorecardDir: 'out/scorecards',
        // The demo data, for an embedded warehouse that loads it on first use.
        fixturesDir: join(REPO, 'fixtures', 'warehouse'),
        nodesDir: 'nodes',
      },
      null,
      2,
    )}\n`,
  );
  return { root, config, domains, nodeFiles, cleanup: () => rm(root, { recursive: true, force: true }) };
}

const publishFile = (domain: string) => `import { definePublish } from 'kpi-factory';

/** The ${domain.toUpperCase()} scorecard: every KPI of the domain, one column per week. */
export default definePublish({ domain: '${domain}', scorecard: '${domain.toUpperCase()}' });
`;

function averageFile(domain: string, number: number): string {
  const upstream = `${domain}.${kpiFileName(number - 1)}`;
  return `import { average, defineKpi, kpi } from 'kpi-factory';

/** The 4-week moving average of KPI ${number - 1}: this week and the three before. */
export default defineKpi({
  domain: '${domain}',
  number: ${number},
  name: '4 Week Ave. of KPI ${number - 1}',
  unit: 'decimal',
  details: 'Mean of KPI ${number - 1} over the week and the three weeks before it',
  inputs: { values: kpi('${upstream}', { weeks: 4 }) },
  compute: ({ inputs }) => average(inputs.values),
});
`;
}

/** What a counting KPI reads and how it filters: its table input, and the condition after `where`. */
interface Count {
  readonly name: string;
  readonly details: string;
  readonly input: string;
  readonly condition: string;
}

const STATUSES = ['completed', 'draft', 'abandoned'];
const STAGES = ['hired', 'rejected', 'withdrawn', 'offer declined'];
const DEPARTMENTS = ['engineering', 'sales', 'operations', 'finance', 'customer success', 'people'];

const weeksOf = (weeks: number) => `${weeks} week${weeks === 1 ? '' : 's'}`;

/** A timestamp column in the week, Monday 00:00 to Sunday 24:00 local time, or in the `weeks` weeks ending with it. */
function inWeeks(column: string, weeks: number): string {
  const from = weeks === 1 ? `\${week.startsAt}::timestamptz` : `(\${week.monday}::date - ${7 * (weeks - 1)})::timestamp at time zone \${week.timeZone}`;
  return `${column} >= ${from} and ${column} < \${week.endsAt}::timestamptz`;
}

/**
 * A count over one of the four demo extracts, picked by the KPI's number; the number also picks
 * the filter, so that the 99 KPIs of a domain send 99 different queries.
 */
function countOf(number: number): Count {
  const step = Math.floor(number / 4);
  switch (number % 4) {
    case 0: {
      const status = STATUSES[Math.floor(step / 12) % STATUSES.length]!;
      const csm = `csm_${String((step % 12) + 1).padStart(2, '0')}`;
      return {
        name: `Offboarding forms ${status} by ${csm}`,
        details: `Offboarding form submissions with status ${status} by ${csm}, submitted Monday 00:00 to Sunday 24:00 local time`,
        input: `table('stg_forms.offboarding_submissions')`,
        condition: `lower(trim(form_status)) = '${status}' and submitted_by = '${csm}' and ${inWeeks('submitted_at', 1)}`,
      };
    }
    case 1: {
      const fee = 300 + number * 25;
      return {
        name: `Agreements alive at week end, fee from ${fee}`,
        details: `Agreements started by Sunday and not ended by then, with a monthly fee of at least ${fee}`,
        input: `table('stg_hubspot.agreements')`,
        condition: `start_date <= \${week.lastSunday}::date and (end_date is null or end_date > \${week.lastSunday}::date) and monthly_fee >= ${fee}`,
      };
    }
    case 2: {
      const stage = STAGES[step % STAGES.length]!;
      const weeks = Math.floor(step / STAGES.length) + 1;
      return {
        name: `Applications now ${stage}, ${weeksOf(weeks)}`,
        details: `Applications made in the ${weeksOf(weeks)} ending Sunday 24:00 local time whose stage is now ${stage}`,
        input: `table('stg_ats.applications', { changeColumn: 'updated_at' })`,
        condition: `lower(trim(stage)) = '${stage}' and ${inWeeks('applied_at', weeks)}`,
      };
    }
    default: {
      const department = DEPARTMENTS[step % DEPARTMENTS.length]!;
      const weeks = Math.floor(step / DEPARTMENTS.length) + 1;
      return {
        name: `Open ${department} positions, open ${weeks}+ weeks`,
        details: `Positions of ${department} open at the end of the week (Sunday 24:00 local), opened at least ${weeksOf(weeks)} before it ended`,
        input: `table('stg_ats.positions', { changeColumn: 'updated_at' })`,
        condition: `lower(trim(department)) = '${department}' and opened_at < \${week.endsAt}::timestamptz - interval '${weeksOf(weeks)}' and (closed_at is null or closed_at >= \${week.endsAt}::timestamptz)`,
      };
    }
  }
}

function countFile(domain: string, number: number): string {
  const count = countOf(number);
  return `import { defineKpi, notNull, sql, table } from 'kpi-factory';

/** ${count.details}. */
export default defineKpi({
  domain: '${domain}',
  number: ${number},
  name: '${count.name}',
  unit: 'integer',
  details: '${count.details}',
  inputs: { rows: ${count.input} },
  checks: [notNull()],
  async compute({ inputs, warehouse, week }) {
    const result = await sql<{ count: number }>\`
      select count(*)::int as count
      from \${inputs.rows.ref}
      where ${count.condition}\`.execute(warehouse);
    return result.rows[0]?.count ?? 0;
  },
});
`;
}
