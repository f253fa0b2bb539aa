import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError } from '../config.ts';
import type { Config } from '../config.ts';
import { diffEnvironments } from '../environments/diff.ts';
import { inEnvironment, requireEnvironment } from '../environments/environment.ts';
import { STOP_EXIT_CODES, onStopRequest } from '../engine/stop-requests.ts';
import type { StopReason } from '../engine/stop-requests.ts';
import { loadProject } from '../project/project.ts';
import type { Project } from '../project/project.ts';
import { readSiteModel } from '../reports/site/model.ts';
import { defaultSiteDir } from '../reports/site/paths.ts';
import { serveFolder } from '../reports/site/serve.ts';
import { writeSite } from '../reports/site/write-site.ts';
import { displayPath } from '../reports/summary.ts';
import { readConfig } from './context.ts';
import { withWarehouse } from './read-warehouse.ts';
import { nodesDirOf } from './options.ts';

export interface DocsFlags {
  config?: string;
  nodes?: string;
  out?: string;
  against?: string;
  serve?: boolean;
  port?: number;
}

/** `docs [--env NAME] [--against ENV] [--out DIR] [--serve [--port N]]`: the static site of the scorecards, the KPIs and the graph. */
export async function docsCommand(flags: DocsFlags): Promise<void> {
  const config = await readConfig(flags);
  if (flags.against === config.environment) throw new ConfigError(`--against ${flags.against}: an environment is compared with another one`);
  const project = await loadProject(config, nodesDirOf(flags));
  const out = resolve(flags.out ?? defaultSiteDir(config));
  const index = await generateSite(config, project, out, flags.against);
  process.stdout.write(`site: ${displayPath(index)} (open it in a browser; it works offline)\n`);
  if (!flags.serve) return;
  const server = await serveFolder(out, flags.port ?? 8000);
  process.stdout.write(`serving ${displayPath(out)} on http://127.0.0.1:${(server.address() as AddressInfo).port}/ (Ctrl-C to stop)\n`);
  // Until stopped, and with the exit code of the signal that stopped it, as schedule does.
  const reason = await new Promise<StopReason>((stopped) => {
    const dispose = onStopRequest((why) => {
      dispose();
      server.close(() => stopped(why));
      server.closeAllConnections();
    });
  });
  process.exitCode = STOP_EXIT_CODES[reason];
}

/**
 * Reads the warehouse as a reader (never beside a run on an embedded store) and writes the site
 * to `out`; returns its index page. With `against`, the site also lists every KPI-week whose
 * value differs from that environment's, read in the same hold as the rest.
 */
export async function generateSite(config: Config, project: Project, out: string, against?: string): Promise<string> {
  const model = await withWarehouse(config, async (warehouse) => {
    if (against !== undefined) await requireEnvironment(warehouse.prod, against, '--against: ');
    const site = await readSiteModel(config, project, warehouse);
    if (against === undefined) return site;
    const theirs = { db: inEnvironment(warehouse.prod, against), prod: warehouse.prod };
    const kpis = new Set(site.kpis.keys());
    const diff = await diffEnvironments(project, { ours: { name: config.environment, warehouse }, theirs: { name: against, warehouse: theirs } }, kpis, undefined);
    return { ...site, diff };
  });
  return writeSite(model, out);
}
