import { SelectorError } from '../../graph/errors.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import type { Config } from '../config.ts';
import { valueHistory } from '../engine/value-history.ts';
import { loadProject } from '../project/project.ts';
import { localTime } from '../reports/run-reports.ts';
import { table } from '../reports/summary.ts';
import { formatValue } from '../units.ts';
import { withWarehouse } from './read-warehouse.ts';

/** `history <node> --week W`: every value a KPI-week has had, newest first, with its run, code version and input fingerprints. */
export async function printValueHistory(config: Config, nodeId: string, weekId: string, json: boolean): Promise<void> {
  const project = await loadProject(config);
  const node = project.graph.hasNode(nodeId) ? project.graph.getNodeAttributes(nodeId) : undefined;
  if (node?.kind !== 'kpi') throw new SelectorError(`${nodeId} is not a KPI of the current graph: history --week lists a KPI's values`);
  const week = IsoWeek.parse(weekId);
  const versions = (await withWarehouse(config, (warehouse) => valueHistory(warehouse.db, nodeId, week.id), () => [])).map((version) => ({
    ...version,
    computedAt: localTime(version.computedAt, config.timeZone)!,
  }));
  if (json) {
    process.stdout.write(`${JSON.stringify(versions, null, 2)}\n`);
    return;
  }
  if (versions.length === 0) {
    process.stdout.write(`${nodeId} has no value for ${week.id} yet\n`);
    return;
  }
  const lines = table(
    ['computed', 'value', 'run', 'code', 'code hash', 'inputs', 'why'],
    versions.map((version) => [
      version.computedAt,
      formatValue(version.value, node.declaration.unit),
      version.runId,
      version.codeVersion ?? '',
      version.fingerprint?.code ?? '',
      Object.entries(version.fingerprint?.inputs ?? {})
        .map(([input, fingerprint]) => `${input}=${fingerprint.slice(0, 8)}`)
        .join(' '),
      version.reason ?? '',
    ]),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
