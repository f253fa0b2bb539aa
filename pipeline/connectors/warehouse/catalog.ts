import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { regclassText } from '../../environments/environment.ts';

/** A column of a warehouse table, its type as PostgreSQL names it without modifiers (`date`, `timestamp with time zone`, `numeric`, …). */
export interface TableColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * The columns of `schema.table` (a view counts) in their order, or undefined when the warehouse
 * has no such table. One query of the catalog: information_schema's views cost several times
 * more, an embedded warehouse most.
 */
export async function describeTable(db: Kysely<any>, table: string): Promise<TableColumn[] | undefined> {
  const { rows } = await sql<{ name: string | null; type: string | null }>`
    select a.attname as name, format_type(a.atttypid, null) as type
    from (select to_regclass(${regclassText(db, table)}) as oid) t
    left join pg_attribute a on a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped
    where t.oid is not null
    order by a.attnum`.execute(db);
  if (rows.length === 0) return undefined;
  return rows.flatMap((row) => (row.name === null || row.type === null ? [] : [{ name: row.name, type: row.type }]));
}
