import { kpiId } from '../../graph/ids.ts';
import { describeTable } from '../connectors/warehouse/catalog.ts';
import { loadProject } from '../project/project.ts';
import { scaffoldKpi } from '../project/scaffold.ts';
import { readConfig } from './context.ts';
import { withWarehouse } from './read-warehouse.ts';
import { nodesDirOf } from './options.ts';

/** `new <domain> <number> <name> [--from table:… | sheet:… | kpi:…]`: scaffold a KPI file (and the domain's publish file, for a new domain). */
export async function newCommand(domain: string, number: string, name: string, flags: { config?: string; nodes?: string; from?: string }): Promise<void> {
  const config = await readConfig(flags);
  const nodesDir = nodesDirOf(flags) ?? config.paths.nodes;
  const written = await scaffoldKpi({
    nodesDir,
    root: config.paths.root,
    project: await loadProject(config, nodesDir),
    sheets: config.sheets,
    domain,
    number: Number(number),
    name,
    ...(flags.from === undefined ? {} : { from: flags.from }),
    // Read-only, as `status` reads: beside a run on PostgreSQL; on the embedded store only when no run holds it.
    describeTable: (table) => withWarehouse(config, async (warehouse) => ({ location: warehouse.location, columns: await describeTable(warehouse.db, table) })),
  });
  for (const file of written) process.stdout.write(`created ${file}\n`);
  const next = flags.from === undefined ? 'declare its inputs and compute' : 'finish its compute (see the TODO)';
  process.stdout.write(`next: ${next}, then pnpm pipeline plan --select ${kpiId(domain, Number(number))}\n`);
}
