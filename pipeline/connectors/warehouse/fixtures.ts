import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { isValidName, isValidTableName } from '../../../graph/ids.ts';
import { RefusedError } from '../../errors.ts';

const BATCH_ROWS = 500;

/** What seeding did to one table: `loaded` into an empty one, `replaced` other rows, found it `unchanged`. */
export interface SeededTable {
  readonly table: string;
  readonly rows: number;
  readonly outcome: 'loaded' | 'replaced' | 'unchanged';
}

/**
 * Loads demo source data: `schema.sql` (the staging tables' DDL) and one `<schema>.<table>.csv`
 * per table, empty cells as NULL, all in one transaction. A table that already holds exactly
 * these rows is left as it is; one that holds other rows is refused (nothing is written) unless
 * `replace`, which empties it first. Used for a new embedded warehouse, by `seed` and by the tests.
 */
export async function loadFixtures(db: Kysely<any>, dir: string, options: { readonly replace?: boolean } = {}): Promise<SeededTable[]> {
  const ddl = await readFile(join(dir, 'schema.sql'), 'utf8');
  const files = (await readdir(dir)).filter((name) => name.endsWith('.csv')).sort();
  return db.transaction().execute(async (trx) => {
    // One statement at a time: the extended protocol (PGlite's and pg's with parameters) takes one per query.
    for (const statement of splitStatements(ddl)) await sql.raw(statement).execute(trx);
    const seeded: SeededTable[] = [];
    const occupied: string[] = [];
    for (const [index, file] of files.entries()) {
      const table = file.slice(0, -'.csv'.length);
      if (!isValidTableName(table)) throw new Error(`${join(dir, file)}: file name must be <schema>.<table>.csv`);
      const rows: Record<string, string | null>[] = parse(await readFile(join(dir, file)), {
        columns: true,
        cast: (value) => (value === '' ? null : value),
      });
      const held = await rowCount(trx, table);
      if (held === 0) {
        await insertRows(trx, table, rows);
        seeded.push({ table, rows: rows.length, outcome: 'loaded' });
        continue;
      }
      // The demo rows go to a scratch copy of the table first, so what the table holds can be compared with them.
      const scratch = `kpi_seed_${index}`;
      await sql`create temporary table ${sql.id(scratch)} (like ${sql.table(table)} including defaults) on commit drop`.execute(trx);
      await insertRows(trx, scratch, rows);
      if (held === rows.length && (await sameRows(trx, table, scratch, Object.keys(rows[0] ?? {})))) {
        seeded.push({ table, rows: rows.length, outcome: 'unchanged' });
      } else if (options.replace) {
        await sql`truncate ${sql.table(table)}`.execute(trx);
        await sql`insert into ${sql.table(table)} select * from ${sql.id(scratch)}`.execute(trx);
        seeded.push({ table, rows: rows.length, outcome: 'replaced' });
      } else {
        occupied.push(`${table} (${held} rows)`);
      }
    }
    if (occupied.length > 0) {
      throw new RefusedError(
        `the warehouse already holds other data in ${occupied.join(', ')}: the demo data would be mixed with it, so nothing was written. ` +
          'Seed an empty warehouse, or add --replace to empty those tables and load the demo data in their place.',
      );
    }
    await trx
      .insertInto('kpi_ledger.meta')
      .values({ key: FIXTURES_LOADED, value: dir })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: dir }))
      .execute();
    return seeded;
  });
}

const FIXTURES_LOADED = 'fixtures_loaded';

/** Whether the demo data has been loaded into this warehouse (in the same transaction as the data). */
export async function fixturesLoaded(db: Kysely<any>): Promise<boolean> {
  const row = await db.selectFrom('kpi_ledger.meta').select('value').where('key', '=', FIXTURES_LOADED).executeTakeFirst();
  return row !== undefined;
}

async function insertRows(db: Kysely<any>, table: string, rows: readonly Record<string, string | null>[]): Promise<void> {
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    await db.insertInto(table).values(rows.slice(start, start + BATCH_ROWS)).execute();
  }
}

async function rowCount(db: Kysely<any>, table: string): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
  return result.rows[0]?.n ?? 0;
}

/** The same rows, duplicates counted, compared as text so that any column type compares (json has no equality). */
/**
 * Whether a table holds exactly the scratch copy's rows, in the file's columns: a column the
 * loader stamps itself (`_airbyte_extracted_at`, the time of loading) is not the demo's data.
 */
async function sameRows(db: Kysely<any>, table: string, scratch: string, columns: readonly string[]): Promise<boolean> {
  for (const column of columns) if (!isValidName(column)) throw new Error(`${table}: column "${column}" must be lower case letters, digits and _`);
  const row = (alias: string) => sql`row(${sql.join(columns.map((column) => sql.ref(`${alias}.${column}`)))})::text`;
  const result = await sql<{ differ: boolean }>`
    select exists (select ${row('t')} from ${sql.table(table)} t except all select ${row('s')} from ${sql.id(scratch)} s)
        or exists (select ${row('s')} from ${sql.id(scratch)} s except all select ${row('t')} from ${sql.table(table)} t) as differ`.execute(db);
  return result.rows[0]?.differ === false;
}

/** Statements of a DDL file: split on semicolons at line ends, comments dropped. */
function splitStatements(ddl: string): string[] {
  return ddl
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
}
