import { sql } from 'kysely';
import type { Kysely, OperationNodeSource, Compilable } from 'kysely';

/** An insert or update not yet sent: it can go alone or join others in one statement. */
export type Write = OperationNodeSource & Compilable & { execute(): Promise<unknown> };

/**
 * Sends several writes as one statement, each a data-modifying WITH query: one round trip
 * instead of a transaction's four or more, and, being one statement, they all land or none does.
 */
export async function writeAtOnce(db: Kysely<any>, writes: readonly Write[]): Promise<void> {
  if (writes.length === 0) return;
  if (writes.length === 1) {
    await writes[0]!.execute();
    return;
  }
  // Kysely's types follow each WITH query's columns; these return none, so the chain is typed loosely.
  let query: any = db;
  writes.forEach((write, index) => {
    query = query.with(`write_${index}`, () => write);
  });
  await query.selectNoFrom(sql<number>`1`.as('written')).execute();
}
