/**
 * Promotion: prod takes the values an environment computed. A prod run is planned for exactly
 * those KPI-weeks and the publishes of their weeks; a KPI-week whose fingerprint in prod (code,
 * declaration, inputs, week) equals the one the environment computed it with takes the
 * environment's value without computing (see TaskRunnerOptions.adopt); the others are computed.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { IsoWeek } from '../../graph/iso-week.ts';
import { RefusedError } from '../errors.ts';
import { NODE_RUNS, RUNS } from '../engine/ledger.ts';
import type { Fingerprint } from '../engine/fingerprint.ts';
import type { Project } from '../project/project.ts';
import type { Selection } from '../engine/run.ts';
import { counted } from '../words.ts';

/** A value an environment computed, as prod may take it. */
export interface Promotable {
  readonly fingerprint: string;
  readonly value: number | null;
  readonly runId: string;
}

export interface Promotion {
  /** The KPI-weeks to take and the publishes of their weeks: the plan of the promoting run. */
  readonly only: NonNullable<Selection['only']>;
  /** By task id (`success.kpi06@2026-W03`). */
  readonly values: ReadonlyMap<string, Promotable>;
  /** The code version (git commit) of the environment's latest run among them, for prod's ledger. */
  readonly codeVersion?: string;
}

interface ComputedRow {
  task_id: string;
  node_id: string;
  iso_week: string;
  value: number | null;
  fingerprint: string;
  fingerprint_parts: unknown;
  run_id: string;
  code_version: string | null;
}

/**
 * The KPI-weeks of the selection whose latest node-run in the environment computed their value
 * (`succeeded`; a later `fresh` in the environment keeps it). Refuses when the checkout's code of
 * one of those KPIs is not the code the environment ran: a value is only promoted with its code.
 */
export async function promotionOf(environmentDb: Kysely<any>, environment: string, project: Project, selected: ReadonlySet<string>): Promise<Promotion> {
  const { rows } = await sql<ComputedRow>`
    select latest.task_id, latest.node_id, latest.iso_week, computed.value, computed.fingerprint, computed.fingerprint_parts, computed.run_id, r.code_version
    from (
      select distinct on (task_id) task_id, node_id, iso_week, status from ${NODE_RUNS}
      where status <> 'pending' and iso_week is not null order by task_id, seq desc
    ) latest
    join lateral (
      select value, fingerprint, fingerprint_parts, run_id, seq from ${NODE_RUNS} n
      where n.task_id = latest.task_id and n.status = 'succeeded' order by n.seq desc limit 1
    ) computed on true
    join ${RUNS} r on r.run_id = computed.run_id
    where latest.status in ('succeeded', 'fresh')
    order by computed.seq`.execute(environmentDb);
  const computed = rows.filter((row) => selected.has(row.node_id) && project.graph.hasNode(row.node_id) && project.graph.getNodeAttributes(row.node_id).kind === 'kpi');
  const differing = new Map<string, { ran: string; checkout: string }>();
  for (const row of computed) {
    const node = project.graph.getNodeAttributes(row.node_id);
    if (node.kind !== 'kpi') continue;
    const parts = (typeof row.fingerprint_parts === 'string' ? JSON.parse(row.fingerprint_parts) : row.fingerprint_parts) as Fingerprint;
    const checkout = await project.code.hash(node.file);
    if (parts.code !== checkout) differing.set(row.node_id, { ran: parts.code, checkout });
  }
  if (differing.size > 0) {
    const list = [...differing].map(([id, code]) => `${id} (${environment} ran code ${code.ran.slice(0, 8)}, the checkout has ${code.checkout.slice(0, 8)})`);
    throw new RefusedError(
      `promote ${environment}: the code of ${counted(differing.size, 'KPI')} differs from the code ${environment} computed with: ${list.join('; ')}. Run ${environment} again with this checkout (pipeline run --env ${environment} …), or check out the code it ran`,
    );
  }
  const publishes = new Set<string>();
  const only: { nodeId: string; week: IsoWeek }[] = [];
  for (const row of computed) {
    const week = IsoWeek.parse(row.iso_week);
    only.push({ nodeId: row.node_id, week });
    const node = project.graph.getNodeAttributes(row.node_id);
    const publish = node.kind === 'kpi' ? `${node.declaration.domain}.publish` : undefined;
    if (publish && project.graph.hasNode(publish) && !publishes.has(`${publish}@${week.id}`)) {
      publishes.add(`${publish}@${week.id}`);
      only.push({ nodeId: publish, week });
    }
  }
  // Publishes after the KPIs they read, in week order: the plan adds the edges (see planTasks).
  only.sort((a, b) => Number(a.nodeId.endsWith('.publish')) - Number(b.nodeId.endsWith('.publish')) || a.week.compare(b.week));
  const latest = computed.at(-1);
  return {
    only,
    values: new Map(computed.map((row) => [row.task_id, { fingerprint: row.fingerprint, value: row.value === null ? null : Number(row.value), runId: row.run_id }])),
    ...(latest?.code_version ? { codeVersion: latest.code_version } : {}),
  };
}
