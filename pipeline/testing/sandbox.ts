import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, sql } from 'kysely';
import type { PipelineGraph } from '../../graph/build.ts';
import { modelTable } from '../../graph/ids.ts';
import type { Config } from '../config.ts';
import type { Duck } from '../connectors/duckdb/duck.ts';
import { materializeModel } from '../models/materialize.ts';

/**
 * An embedded warehouse of the examples' own, in memory: the staging tables of the fixtures'
 * schema.sql without rows, and the models the tested KPIs read, built over them (so empty).
 * The user's warehouse is never opened.
 */
export interface Sandbox {
  /** A table's columns in order (`schema.table`, a model's `kpi_models.…`); undefined when there is no such table. */
  columns(table: string): readonly string[] | undefined;
  /** Runs `work` in a transaction that is always rolled back: every example starts from empty tables. */
  rolledBack<T>(work: (db: Kysely<any>) => Promise<T>): Promise<T>;
  /** The DuckDB that sheet inputs are registered in, opened at the first use. */
  duck(): Promise<Duck>;
  close(): Promise<void>;
}

/** Thrown to end an example's transaction: Kysely rolls back a transaction whose callback throws. */
class Rollback extends Error {}

export async function openSandbox(config: Config, graph: PipelineGraph, models: readonly string[]): Promise<Sandbox> {
  const pglite = await openStore(await readFile(join(config.paths.fixtures, 'schema.sql'), 'utf8'), config.paths.root);
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
  const built = new Set<string>();
  const build = async (id: string): Promise<void> => {
    if (built.has(id)) return;
    built.add(id);
    const node = graph.getNodeAttributes(id);
    if (node.kind !== 'model') return;
    for (const input of Object.values(node.declaration.inputs)) if (input.kind === 'model') await build(input.model);
    await materializeModel(db, id, node.declaration, { whole: true, timeZone: config.timeZone });
  };
  for (const id of models) await build(id);
  const { rows } = await sql<{ table: string; column: string }>`
    select n.nspname || '.' || c.relname as table, a.attname as column
    from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid
    where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
      and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
    order by 1, a.attnum`.execute(db);
  const columns = new Map<string, string[]>();
  for (const row of rows) columns.set(row.table, [...(columns.get(row.table) ?? []), row.column]);
  let duck: Promise<Duck> | undefined;
  return {
    columns: (table) => columns.get(table),
    async rolledBack(work) {
      let result: { value: Awaited<ReturnType<typeof work>> } | undefined;
      try {
        await db.transaction().execute(async (trx) => {
          result = { value: await work(trx) };
          throw new Rollback();
        });
      } catch (error) {
        if (!(error instanceof Rollback)) throw error;
      }
      return result!.value;
    },
    duck() {
      duck ??= import('../connectors/duckdb/duck.ts').then(({ openDuck }) => openDuck());
      return duck;
    },
    async close() {
      if (duck) (await duck).close();
      await db.destroy();
    },
  };
}

/**
 * A store holding the staging tables. Creating one costs seconds (initdb in WebAssembly), loading
 * a dump of one about a second: the dump is kept under node_modules/.cache, by the DDL and the
 * PGlite installed, and made again when either changes.
 */
async function openStore(ddl: string, root: string): Promise<PGlite> {
  const engine = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  const { mtimeMs, size } = await stat(engine);
  const key = createHash('sha256').update(`${engine}\0${mtimeMs}:${size}\0${ddl}\0${RELAX_CONSTRAINTS}`).digest('hex').slice(0, 16);
  const folder = join(root, 'node_modules', '.cache', 'kpi-factory', 'examples');
  const kept = join(folder, `${key}.tar.gz`);
  try {
    return await PGlite.create({ loadDataDir: new Blob([await readFile(kept)]) });
  } catch {
    // None kept yet, or unreadable: made below.
  }
  const pglite = await PGlite.create();
  // exec takes a whole script (the simple protocol), as psql would run the file.
  await pglite.exec(ddl);
  // Given rows hold only the columns that matter: keys and NOT NULL would make every example spell out the rest.
  await pglite.exec(RELAX_CONSTRAINTS);
  try {
    const dump = await pglite.dumpDataDir('gzip');
    await mkdir(dirname(kept), { recursive: true });
    // Renamed into place: a command starting meanwhile never loads half a dump.
    const temporary = `${kept}.${process.pid}`;
    await writeFile(temporary, new Uint8Array(await dump.arrayBuffer()));
    await rename(temporary, kept);
    for (const name of await readdir(folder)) if (name.endsWith('.tar.gz') && join(folder, name) !== kept) await rm(join(folder, name), { force: true });
  } catch {
    // Without a kept dump the next command creates the store again: slower, never wrong.
  }
  return pglite;
}

/** Every key, unique, check and foreign key constraint and every NOT NULL of the user's tables dropped (defaults stay). */
const RELAX_CONSTRAINTS = `
do $$
declare r record;
begin
  for r in
    select c.conrelid::regclass as tab, c.conname from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where n.nspname not in ('pg_catalog', 'information_schema') and c.contype in ('f', 'p', 'u', 'c')
    order by c.contype = 'f' desc
  loop
    execute format('alter table %s drop constraint if exists %I', r.tab, r.conname);
  end loop;
  for r in
    select table_schema, table_name, column_name from information_schema.columns
    where is_nullable = 'NO' and table_schema not in ('pg_catalog', 'information_schema')
  loop
    execute format('alter table %I.%I alter column %I drop not null', r.table_schema, r.table_name, r.column_name);
  end loop;
end $$;`;

/** The table a table or model input reads. */
export const tableOf = (input: { readonly kind: 'table'; readonly table: string } | { readonly kind: 'model'; readonly model: string }) =>
  input.kind === 'table' ? input.table : modelTable(input.model);
