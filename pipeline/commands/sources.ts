import { Temporal } from 'temporal-polyfill';
import { nodesOf } from '../../graph/build.ts';
import { EXIT } from '../exit-codes.ts';
import { loadProject } from '../project/project.ts';
import { displayPath, table } from '../reports/summary.ts';
import { freshnessRules, localMinute, readLoad } from '../source-freshness/source-freshness.ts';
import type { LoadStatus } from '../source-freshness/source-freshness.ts';
import { readConfig, writeJson } from './context.ts';
import { nodesDirOf } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';

/** A source as `sources --json` lists it; fields are a contract (add, never rename). */
export interface SourceReport {
  readonly source: string;
  readonly kind: 'table' | 'sheet';
  /** The column the loader stamps; null without a freshness rule. */
  readonly loadedAt: string | null;
  /** ISO instant of the latest load; null without a rule or without rows. */
  readonly lastLoaded: string | null;
  readonly ageHours: number | null;
  readonly warnAfterHours: number | null;
  readonly errorAfterHours: number | null;
  /** `none`: no freshness rule (a sheet, or a table the configuration's `sources` does not name). */
  readonly status: LoadStatus | 'none';
  /** The nodes that read it. */
  readonly readBy: readonly string[];
  /** Where a sheet is read from. */
  readonly location: string | null;
}

/**
 * `sources`: each source the project reads, with its latest load and freshness against its
 * rule (dbt's `source freshness`), measured now. Reads only. Exit 1 when one is past
 * `errorAfter`, as a run would block what reads it.
 */
export async function sourcesCommand(flags: { config?: string; nodes?: string; json?: boolean }): Promise<void> {
  const config = await readConfig(flags);
  const project = await loadProject(config, nodesDirOf(flags));
  const rules = freshnessRules(config);
  const now = Temporal.Now.instant();
  const sources = nodesOf(project.graph).flatMap((node) => (node.kind === 'table' || node.kind === 'sheet' ? [node] : []));
  const readBy = (id: string) => project.graph.outNeighbors(id).sort();
  const loads = await withWarehouse(config, async (warehouse) =>
    Promise.all(sources.map(async (node) => (node.kind === 'table' && rules.has(node.table) ? readLoad(warehouse.db, node.table, rules.get(node.table)!, now) : undefined))),
  );
  const reports: SourceReport[] = sources.map((node, index) => {
    const load = loads[index];
    const sheet = node.kind === 'sheet' ? config.sheets[node.source] : undefined;
    return {
      source: node.kind === 'table' ? node.table : node.source,
      kind: node.kind,
      loadedAt: load?.loadedAt ?? null,
      lastLoaded: load?.lastLoaded ?? null,
      ageHours: load?.ageHours === null || load === undefined ? null : Math.round(load.ageHours * 10) / 10,
      warnAfterHours: load?.warnAfterHours ?? null,
      errorAfterHours: load?.errorAfterHours ?? null,
      status: load?.status ?? 'none',
      readBy: readBy(node.id),
      location: sheet ? (sheet.google ? `Google spreadsheet ${sheet.google.spreadsheetId} [${sheet.google.tab}]` : displayPath(sheet.file ?? '')) : null,
    };
  });
  if (reports.some((report) => report.status === 'error')) process.exitCode = EXIT.failed;
  if (flags.json) return writeJson(reports);
  const hours = (value: number | null) => (value === null ? '' : `${value} h`);
  const lines = table(
    ['source', 'kind', 'loaded at', 'last loaded', 'age', 'warn after', 'error after', 'freshness', 'read by'],
    reports.map((report) => [
      report.source,
      report.kind,
      report.loadedAt ?? '',
      report.lastLoaded === null ? (report.loadedAt === null ? '' : 'never') : localMinute(report.lastLoaded, config.timeZone),
      hours(report.ageHours),
      hours(report.warnAfterHours),
      hours(report.errorAfterHours),
      report.status === 'none' ? 'no rule' : report.status,
      `${report.readBy.length} ${report.readBy.length === 1 ? 'node' : 'nodes'}`,
    ]),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
