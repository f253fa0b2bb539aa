import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { isValidTableName } from '../../../graph/ids.ts';

const BATCH_ROWS = 500;

/**
 * Loads demo source data: `schema.sql` (the staging tables' DDL) and one `<schema>.<table>.csv`
 * per table, empty cells as NULL. Used for a new embedded warehouse and by the tests.
 */
export async function loadFixtures(db: Kysely<any>, dir: string): Promise<void> {
  const ddl = await readFile(join(dir, 'schema.sql'), 'utf8');
  await db.transaction().execute(async (trx) => {
    // One statement at a time: the extended protocol (PGlite's and pg's with parameters) takes one per query.
    for (const statement of splitStatements(ddl)) await sql.raw(statement).execute(trx);
    for (const file of (await readdir(dir)).filter((name) => name.endsWith('.csv')).sort()) {
      const table = file.slice(0, -'.csv'.length);
      if (!isValidTableName(table)) throw new Error(`${join(dir, file)}: file name must be <schema>.<table>.csv`);
      const rows: Record<string, string | null>[] = parse(await readFile(join(dir, file)), {
        columns: true,
        cast: (value) => (value === '' ? null : value),
      });
      for (let start = 0; start < rows.length; start += BATCH_ROWS) {
        await trx.insertInto(table).values(rows.slice(start, start + BATCH_ROWS)).execute();
      }
    }
    await trx.insertInto('kpi_ledger.meta').values({ key: FIXTURES_LOADED, value: dir }).execute();
  });
}

const FIXTURES_LOADED = 'fixtures_loaded';

/** Whether the demo data has been loaded into this warehouse (in the same transaction as the data). */
export async function fixturesLoaded(db: Kysely<any>): Promise<boolean> {
  const row = await db.selectFrom('kpi_ledger.meta').select('value').where('key', '=', FIXTURES_LOADED).executeTakeFirst();
  return row !== undefined;
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
