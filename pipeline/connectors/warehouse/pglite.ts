import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import type { Connection } from './warehouse.ts';

/** The embedded warehouse in `dir`, or in memory when `dir` is undefined. */
export async function openPglite(dir: string | undefined): Promise<{ warehouse: Connection }> {
  if (dir !== undefined) await mkdir(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const db = new Kysely({ dialect: new PGliteDialect({ pglite }) });
  return {
    warehouse: {
      engine: 'pglite',
      db,
      location: dir ?? 'memory',
      // In this process: it cannot go away.
      lost: new AbortController().signal,
      close: () => db.destroy(),
    },
  };
}
