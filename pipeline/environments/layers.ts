/**
 * What a run in an environment other than prod reads where the environment has not computed
 * something itself: prod's ledger and values. A change to KPI 6 run in `dev` recomputes KPI 6
 * and what reads it there; every other task finds prod's node-run and is fresh, reading prod's
 * value. Models are the exception: a KPI reads a model's table in its own environment, so an
 * environment builds its models itself.
 */
import type { Warehouse } from '../connectors/warehouse/warehouse.ts';
import type { History } from '../engine/fingerprint.ts';
import { checkFailedTasks, loadHistory, tasksRunIn } from '../engine/ledger.ts';

type Layers = Pick<Warehouse, 'db' | 'prod'>;

/** Whether the handle works in an environment of its own, which falls back on prod. */
export const fallsBack = (warehouse: Layers) => warehouse.db !== warehouse.prod;

/** Each task's history in the environment, or in prod where the environment has none (never for a model: see above). */
export async function historyOf(warehouse: Layers, taskIds: readonly string[], isModelTask: (taskId: string) => boolean): Promise<Map<string, History>> {
  const own = await loadHistory(warehouse.db, taskIds);
  if (!fallsBack(warehouse)) return own;
  const fromProd = await loadHistory(warehouse.prod, taskIds.filter((id) => !own.has(id) && !isModelTask(id)));
  for (const [id, history] of fromProd) own.set(id, history);
  return own;
}

/** Task ids whose stored value failed an `error` check: the environment's own, and prod's that the environment has not run since. */
export async function checkFailedOf(warehouse: Layers): Promise<Set<string>> {
  const own = await checkFailedTasks(warehouse.db);
  if (!fallsBack(warehouse)) return own;
  const prods = await checkFailedTasks(warehouse.prod);
  const ranHere = await tasksRunIn(warehouse.db, [...prods]);
  for (const id of prods) if (!ranHere.has(id)) own.add(id);
  return own;
}
