import { kpiId } from '../../graph/ids.ts';
import { loadProject } from '../project.ts';
import { scaffoldKpi } from '../scaffold.ts';
import { readConfig } from './context.ts';
import { nodesDirOf } from './options.ts';

/** `new <domain> <number> <name>`: scaffold a KPI file (and the domain's publish file, for a new domain). */
export async function newCommand(domain: string, number: string, name: string, flags: { config?: string; nodes?: string }): Promise<void> {
  const config = await readConfig(flags);
  const nodesDir = nodesDirOf(flags) ?? config.paths.nodes;
  const written = await scaffoldKpi(nodesDir, config.paths.root, await loadProject(config, nodesDir), domain, Number(number), name);
  for (const file of written) process.stdout.write(`created ${file}\n`);
  process.stdout.write(`next: declare its inputs and compute, then pnpm pipeline plan --select ${kpiId(domain, Number(number))}\n`);
}
