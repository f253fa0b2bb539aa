import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import type { ModelDeclaration, TableHandle } from '../../graph/declare.ts';
import { MODEL_SCHEMA, modelTable } from '../../graph/ids.ts';
import { DefinitionError } from '../../graph/errors.ts';
import { ownSchema, regclassText } from '../environments/environment.ts';

/** What a build did to the model's table. */
export interface ModelBuild {
  /** Rows the model holds now. */
  readonly rows: number;
  /** `all`: the table was replaced whole; otherwise the ISO weeks (of its time column) replaced, none when no row changed. */
  readonly replaced: 'all' | readonly string[];
}

export interface BuildOptions {
  /** Replace the table whole even where only some weeks changed (`--force`). */
  readonly whole: boolean;
  /** The configured time zone: a timestamp's ISO week is cut in it. */
  readonly timeZone: string;
}

/** `4,037 rows`, `2 weeks replaced (2026-W47, 2026-W48); 4,037 rows`, `no week changed; 4,037 rows`. */
export function describeBuild(build: ModelBuild): string {
  const rows = `${build.rows.toLocaleString('en')} ${build.rows === 1 ? 'row' : 'rows'}`;
  if (build.replaced === 'all') return rows;
  if (build.replaced.length === 0) return `no week changed; ${rows}`;
  const weeks = build.replaced.length <= 3 ? ` (${build.replaced.join(', ')})` : '';
  return `${build.replaced.length} ${build.replaced.length === 1 ? 'week' : 'weeks'} replaced${weeks}; ${rows}`;
}

/** A table or model input as a model's query reads it. */
export function tableHandle(db: Kysely<any>, table: string): TableHandle {
  return { name: table, ref: sql.table(table), selectFrom: () => db.selectFrom(table) };
}

/**
 * Materialises a model in one transaction, so that a reader never sees it half built: its
 * query fills a table beside the model's, which then replaces it whole or, for a model with a
 * time column, gives it the rows of the weeks whose rows changed (deleted and inserted).
 */
export async function materializeModel(db: Kysely<any>, id: string, declaration: ModelDeclaration, options: BuildOptions): Promise<ModelBuild> {
  const inputs = Object.fromEntries(
    Object.entries(declaration.inputs).map(([name, input]) => [name, tableHandle(db, input.kind === 'table' ? input.table : modelTable(input.model))]),
  );
  const query = declaration.query({ inputs: inputs as never, warehouse: db });
  const table = modelTable(id);
  const next = `${table}__next`;
  const create = sql`create table ${sql.table(next)} as ${query}`;
  if (create.compile(db).parameters.length > 0) {
    throw new DefinitionError([{ message: `model ${id}: its query takes no parameters (PostgreSQL creates a table from a query only without them); write constants with sql.lit(…)` }]);
  }
  return db.transaction().execute(async (trx) => {
    await sql`create schema if not exists ${sql.id(ownSchema(trx, MODEL_SCHEMA))}`.execute(trx);
    await sql`drop table if exists ${sql.table(next)}`.execute(trx);
    await create.execute(trx);
    const built = await columnsOf(trx, next);
    const { timeColumn } = declaration;
    const timeType = timeColumn === undefined ? undefined : built.find((column) => column.name === timeColumn)?.type;
    if (timeColumn !== undefined && timeType === undefined) {
      throw new DefinitionError([{ message: `model ${id}: its time column "${timeColumn}" is not among the columns of its rows (${built.map((column) => column.name).join(', ')})` }]);
    }
    const existing = await columnsOf(trx, table);
    const sameColumns = existing.length > 0 && JSON.stringify(existing) === JSON.stringify(built);
    let replaced: ModelBuild['replaced'] = 'all';
    if (options.whole || timeColumn === undefined || !sameColumns) {
      await sql`drop table if exists ${sql.table(table)}`.execute(trx);
      await sql`alter table ${sql.table(next)} rename to ${sql.id(table.slice(MODEL_SCHEMA.length + 1))}`.execute(trx);
    } else {
      const week = weekOf(timeColumn, timeType!, options.timeZone);
      const changed = await changedWeeks(trx, table, next, week);
      if (changed.length > 0) {
        // A row without a time has no week: its group is ''.
        await sql`delete from ${sql.table(table)} as t where coalesce(${week}, '') = any(${changed}::text[])`.execute(trx);
        await sql`insert into ${sql.table(table)} select * from ${sql.table(next)} as t where coalesce(${week}, '') = any(${changed}::text[])`.execute(trx);
      }
      await sql`drop table ${sql.table(next)}`.execute(trx);
      replaced = changed;
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(trx);
    return { rows: rows[0]?.n ?? 0, replaced };
  });
}

/** Whether a model has been built: its table exists. */
export async function modelBuilt(db: Kysely<any>, id: string): Promise<boolean> {
  const { rows } = await sql<{ exists: boolean }>`select to_regclass(${regclassText(db, modelTable(id))}) is not null as exists`.execute(db);
  return rows[0]?.exists === true;
}

/** The columns of a table with their types, in order; none when it does not exist. */
async function columnsOf(db: Kysely<any>, table: string): Promise<{ name: string; type: string }[]> {
  const { rows } = await sql<{ name: string; type: string }>`
    select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
    where attrelid = to_regclass(${regclassText(db, table)}) and attnum > 0 and not attisdropped order by attnum`.execute(db);
  return rows;
}

/** The ISO week (`2026-W47`) of a row's time column `t.<column>`, local in `timeZone` for a timestamp with time zone. */
function weekOf(column: string, type: string, timeZone: string): RawBuilder<string> {
  const value = sql.ref(`t.${column}`);
  const local = type === 'timestamp with time zone' ? sql`${value} at time zone ${timeZone}` : value;
  return sql<string>`to_char(${local}, 'IYYY-"W"IW')`;
}

/** The weeks whose rows differ between the model's table and the new build (counts and an order-independent checksum per week). */
async function changedWeeks(db: Kysely<any>, table: string, next: string, week: RawBuilder<string>): Promise<string[]> {
  const summary = (source: string) =>
    sql`select coalesce(${week}, '') as week, count(*) as n, sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint) as checksum from ${sql.table(source)} as t group by 1`;
  const { rows } = await sql<{ week: string }>`
    select coalesce(old.week, new.week) as week
    from (${summary(table)}) as old full join (${summary(next)}) as new on old.week = new.week
    where old.n is distinct from new.n or old.checksum is distinct from new.checksum
    order by 1`.execute(db);
  return rows.map((row) => row.week);
}
