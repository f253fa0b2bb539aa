import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/** A column of a warehouse table, as information_schema names its type (`date`, `timestamp with time zone`, …). */
export interface TableColumn {
  readonly name: string;
  readonly type: string;
}

/** The columns of `schema.table` (a view counts) in their order, or undefined when the warehouse has no such table. */
export async function describeTable(db: Kysely<any>, table: string): Promise<TableColumn[] | undefined> {
  const [schema, name] = table.split('.') as [string, string];
  const found = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.tables where table_schema = ${schema} and table_name = ${name}`.execute(db);
  if ((found.rows[0]?.n ?? 0) === 0) return undefined;
  const columns = await sql<TableColumn>`
    select column_name as name, data_type as type from information_schema.columns
    where table_schema = ${schema} and table_name = ${name} order by ordinal_position`.execute(db);
  return columns.rows;
}
