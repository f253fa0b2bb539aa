/**
 * KPI values computed for the tests straight from the staging tables, independently of the KPI
 * files: weeks from PostgreSQL's own ISO week parsing (`to_date(…, 'IYYY-IW')`), local days from
 * its time zone conversion, and the fixtures' cleaning rules (fixtures/README.md) written anew.
 */
import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import { IsoWeek } from '../../graph/iso-week.ts';

const TIME_ZONE = 'Europe/Madrid';

type Db = Kysely<any>;

/** The Monday of `2026-W47` as a date. */
const mondayOf = (week: string): RawBuilder<unknown> => sql`to_date(${week.replace('-W', '-')}, 'IYYY-IW')`;
/** The local calendar day of a timestamp column. */
const localDay = (column: string): RawBuilder<unknown> => sql`(${sql.ref(column)} at time zone ${TIME_ZONE})::date`;

/** `week` and the `count - 1` weeks before it, oldest first. */
export function weeksEndingWith(week: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => IsoWeek.parse(week).add(i - count + 1).id);
}

async function one<T>(db: Db, query: RawBuilder<T>): Promise<T> {
  const { rows } = await query.execute(db);
  return rows[0]!;
}

// ---------------------------------------------------------------- success

/** Clients that lost an agreement over clients with one alive, in the 52 weeks to last Sunday. */
export async function churn(db: Db, week: string): Promise<number> {
  const row = await one(db, sql<{ rate: number }>`
    with bounds as (select ${mondayOf(week)} + 6 as last_day),
    customer as (
      select client_id, upper(btrim(status)) as status, start_date, end_date
      from stg_hubspot.agreements
      where upper(btrim(client_category)) = 'CUSTOMER' and start_date is not null
    )
    select (count(distinct client_id) filter (
              where status in ('TERMINATED', 'CANCELLED') and end_date > last_day - 364 and end_date <= last_day))::float8
         / (count(distinct client_id) filter (
              where start_date <= last_day and coalesce(end_date, 'infinity'::date) > last_day - 364))::float8 as rate
    from customer, bounds`);
  return Number(row.rate);
}

// ---------------------------------------------------------------- recruitment

/** Real positions (not the test department), by id. */
const realPositions = sql`(select position_id from stg_ats.positions where upper(btrim(coalesce(department, ''))) <> 'TEST')`;

/** One row per candidate and position on a real position, whatever the re-sync duplicated. */
const realApplications = sql`(
  select candidate_id, position_id, min(applied_at) as applied_at, min(hired_at) as hired_at,
         min(offer_accepted_at) as offer_accepted_at, min(offer_declined_at) as offer_declined_at
  from stg_ats.applications
  where position_id in ${realPositions}
  group by candidate_id, position_id)`;

/** Real positions whose local opening day is on or before the week's Sunday and that had not closed by then. */
export async function openPositions(db: Db, week: string): Promise<number> {
  const row = await one(db, sql<{ n: number }>`
    select count(*)::int as n
    from stg_ats.positions
    where position_id in ${realPositions}
      and opened_at is not null
      and ${localDay('opened_at')} <= ${mondayOf(week)} + 6
      and (closed_at is null or ${localDay('closed_at')} > ${mondayOf(week)} + 6)`);
  return row.n;
}

/** Hires whose local hire day falls in the week. */
export async function hires(db: Db, week: string): Promise<number> {
  const row = await one(db, sql<{ n: number }>`
    select count(*)::int as n from ${realApplications} a
    where ${localDay('hired_at')} between ${mondayOf(week)} and ${mondayOf(week)} + 6`);
  return row.n;
}

/** Mean local days from application to hire over the hires of the week and the 3 before. */
export async function timeToHire(db: Db, week: string): Promise<number | null> {
  const row = await one(db, sql<{ days: number | null }>`
    select avg(${localDay('hired_at')} - ${localDay('applied_at')})::float8 as days from ${realApplications} a
    where ${localDay('hired_at')} between ${mondayOf(week)} - 21 and ${mondayOf(week)} + 6`);
  return row.days === null ? null : Number(row.days);
}

/** Accepted over accepted and declined offers, decided in the week and the 11 before. */
export async function offerAcceptance(db: Db, week: string): Promise<number | null> {
  const row = await one(db, sql<{ accepted: number; decided: number }>`
    select count(*) filter (where ${localDay('offer_accepted_at')} between ${mondayOf(week)} - 77 and ${mondayOf(week)} + 6)::int as accepted,
           count(*) filter (where ${localDay('offer_accepted_at')} between ${mondayOf(week)} - 77 and ${mondayOf(week)} + 6
                               or ${localDay('offer_declined_at')} between ${mondayOf(week)} - 77 and ${mondayOf(week)} + 6)::int as decided
    from ${realApplications} a`);
  return row.decided === 0 ? null : row.accepted / row.decided;
}

// ---------------------------------------------------------------- applications

/**
 * One row per Airtable record with the local day of its first delivery, and whether a delivery
 * says Interview. Keys are matched by their letters only ("Record ID", " record_id" → RECORDID).
 * With `asOfWeekEnd`, only what had been received when `week` ended is seen.
 */
function applicationRecords(week: string, asOfWeekEnd: boolean): RawBuilder<unknown> {
  const seen = asOfWeekEnd ? sql`where ${localDay('received_at')} <= ${mondayOf(week)} + 6` : sql``;
  return sql`(
    select max(v.value) filter (where v.key = 'RECORDID') over (partition by s.id) as record_id, s.id, s.received_at, v.key, v.value
    from stg_webhooks.form_submissions s,
         lateral (select regexp_replace(upper(key), '[^A-Z]', '', 'g') as key, btrim(value) as value from jsonb_each_text(s.payload)) v
    ${seen})`;
}

async function applicationWeek(db: Db, week: string, asOfWeekEnd = false): Promise<{ received: number; interviewed: number }> {
  return one(db, sql<{ received: number; interviewed: number }>`
    with deliveries as ${applicationRecords(week, asOfWeekEnd)},
    records as (
      select record_id,
             min(received_at) as first_received_at,
             bool_or(key = 'NAME' and upper(value) like 'TEST%') as is_test,
             bool_or(key = 'STATUS' and upper(value) = 'INTERVIEW') as interviewed
      from deliveries group by record_id
    )
    select count(*)::int as received, count(*) filter (where interviewed)::int as interviewed
    from records
    where not is_test and ${localDay('first_received_at')} between ${mondayOf(week)} and ${mondayOf(week)} + 6`);
}

/** Applications first received in the week, staff tests left out. */
export async function applicationsReceived(db: Db, week: string): Promise<number> {
  return (await applicationWeek(db, week)).received;
}

/** The week's applications that reached an interview, over them; `asOfWeekEnd` as the data stood on the next Monday 00:00. */
export async function conversion(db: Db, week: string, asOfWeekEnd = false): Promise<number | null> {
  const { received, interviewed } = await applicationWeek(db, week, asOfWeekEnd);
  return received === 0 ? null : interviewed / received;
}

/** PostgreSQL's own least-squares slope of weekly applications over the week and the 7 before. */
export async function applicationsTrend(db: Db, week: string): Promise<number | null> {
  const counts = await Promise.all(weeksEndingWith(week, 8).map((id) => applicationsReceived(db, id)));
  const row = await one(db, sql<{ slope: number | null }>`
    select regr_slope(n, x)::float8 as slope
    from unnest(${counts}::int[]) with ordinality as t(n, x)`);
  return row.slope === null ? null : Number(row.slope);
}
