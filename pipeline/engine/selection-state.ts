import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { RunResult, SelectionState } from '../../graph/select.ts';
import { SelectorError } from '../../graph/errors.ts';
import type { Project } from '../project/project.ts';
import { declarationHash } from './fingerprint.ts';
import { NODE_RUNS, RUNS } from './ledger.ts';
import type { Warehouse } from '../connectors/warehouse/warehouse.ts';
import { fallsBack } from '../environments/layers.ts';

/** A node-run's status as dbt's `result:` names it; `abandoned` (never finished) is none of them. */
const RESULT_OF: Readonly<Record<string, RunResult>> = { succeeded: 'success', fresh: 'success', failed: 'error', 'check failed': 'fail', blocked: 'blocked' };

export interface StateRequest {
  /** Read what `state:modified` needs. */
  readonly state: boolean;
  /** Read what `result:` needs. */
  readonly result: boolean;
  /** The run to compare with (`--state`); default the latest. */
  readonly runId?: string;
}

/**
 * What `state:` and `result:` selectors match, from the ledger: a node is modified when its
 * code or declaration differ from those of its last successful node-run (up to the run
 * compared with), or when it never succeeded; its results are the outcomes of its tasks in
 * that run. `db` is undefined for a warehouse no run has written to: everything is modified.
 */
export async function readSelectionState(warehouse: Pick<Warehouse, 'db' | 'prod'> | undefined, project: Project, request: StateRequest): Promise<SelectionState> {
  const db = warehouse?.db;
  const run = db === undefined ? undefined : await runCompared(db, request.runId);
  if (request.runId !== undefined && run === undefined) throw new SelectorError(`--state ${request.runId}: no such run in the ledger (see \`history\`)`);
  // In an environment, a node it has never run compares with prod's (see environments/layers.ts); against a given run, with that run only.
  const fallback = warehouse && request.runId === undefined && fallsBack(warehouse) ? warehouse.prod : undefined;
  return {
    modified: request.state ? await modifiedNodes(db, project, request.runId === undefined ? undefined : run?.seq, fallback) : new Set(),
    results: request.result && run !== undefined && db !== undefined ? await runResults(db, run.runId) : new Map(),
  };
}

/** The run and its last node-run's sequence number, which bounds what counts as before it. */
async function runCompared(db: Kysely<any>, runId: string | undefined): Promise<{ runId: string; seq: string | null } | undefined> {
  const { rows } = await sql<{ run_id: string; seq: string | null }>`
    select r.run_id, (select max(n.seq)::text from ${NODE_RUNS} n where n.run_id = r.run_id) as seq
    from ${RUNS} r
    where ${runId === undefined ? sql`true` : sql`r.run_id = ${runId}`}
    order by r.started_at desc limit 1`.execute(db);
  const row = rows[0];
  return row && { runId: row.run_id, seq: row.seq };
}

async function modifiedNodes(db: Kysely<any> | undefined, project: Project, upToSeq: string | null | undefined, fallback: Kysely<any> | undefined): Promise<Set<string>> {
  const nodes = project.graph.filterNodes((_id, node) => node.kind === 'kpi' || node.kind === 'publish' || node.kind === 'model');
  const last = new Map<string, { code: string | null; declaration: string | null }>();
  const readLast = async (from: Kysely<any>, ids: readonly string[]) => {
    if (ids.length === 0) return;
    const bound = upToSeq === undefined ? sql`` : sql`and seq <= ${upToSeq ?? '0'}::bigint`;
    const { rows } = await sql<{ node_id: string; code: string | null; declaration: string | null }>`
      select distinct on (node_id) node_id, fingerprint_parts->>'code' as code, fingerprint_parts->>'declaration' as declaration
      from ${NODE_RUNS}
      where node_id = any(${ids}::text[]) and status in ('succeeded', 'fresh') and fingerprint_parts is not null ${bound}
      order by node_id, seq desc`.execute(from);
    for (const row of rows) last.set(row.node_id, row);
  };
  if (db !== undefined) await readLast(db, nodes);
  if (fallback !== undefined) await readLast(fallback, nodes.filter((id) => !last.has(id)));
  const modified = new Set<string>();
  for (const id of nodes) {
    const node = project.graph.getNodeAttributes(id);
    if (node.kind === 'table' || node.kind === 'sheet') continue;
    const previous = last.get(id);
    if (previous === undefined || previous.declaration !== declarationHash(node.declaration) || previous.code !== (await project.code.hash(node.file))) modified.add(id);
  }
  return modified;
}

async function runResults(db: Kysely<any>, runId: string): Promise<Map<string, Set<RunResult>>> {
  const { rows } = await sql<{ node_id: string; status: string }>`
    select distinct node_id, status from ${NODE_RUNS} where run_id = ${runId}`.execute(db);
  const results = new Map<string, Set<RunResult>>();
  for (const row of rows) {
    const result = RESULT_OF[row.status];
    if (result === undefined) continue;
    const outcomes = results.get(row.node_id) ?? new Set<RunResult>();
    outcomes.add(result);
    results.set(row.node_id, outcomes);
  }
  return results;
}
