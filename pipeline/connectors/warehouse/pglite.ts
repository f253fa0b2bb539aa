import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import type { Warehouse } from './warehouse.ts';

/** The embedded warehouse in `dir`, or in memory when `dir` is undefined. `created` is true for a new store. */
export async function openPglite(dir: string | undefined): Promise<{ warehouse: Warehouse; created: boolean }> {
  const created = dir === undefined || !existsSync(join(dir, 'PG_VERSION'));
  if (dir !== undefined) await mkdir(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const db = new Kysely({ dialect: new PGliteDialect({ pglite }) });
  return {
    created,
    warehouse: {
      engine: 'pglite',
      db,
      location: dir ?? 'memory',
      close: () => db.destroy(),
    },
  };
}
