import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Warehouse } from './warehouse.ts';

/** A PostgreSQL warehouse at `url` (a `postgres://` connection string). */
export function openPostgres(url: string): Warehouse {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return { engine: 'postgres', db, location: redact(url), close: () => db.destroy() };
}

/** The URL without its password, for logs and messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres (unparseable DATABASE_URL)';
  }
}
