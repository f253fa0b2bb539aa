import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Config } from '../config.ts';
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
  serve?: boolean;
  port?: number;
}

/** `docs [--out DIR] [--serve [--port N]]`: the static site of the scorecards, the KPIs and the graph. */
export async function docsCommand(flags: DocsFlags): Promise<void> {
  const config = await readConfig(flags);
  const project = await loadProject(config, nodesDirOf(flags));
  const out = resolve(flags.out ?? defaultSiteDir(config));
  const index = await generateSite(config, project, out);
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

/** Reads the warehouse as a reader (never beside a run on an embedded store) and writes the site to `out`; returns its index page. */
export async function generateSite(config: Config, project: Project, out: string): Promise<string> {
  const model = await withWarehouse(config, (warehouse) => readSiteModel(config, project, warehouse));
  return writeSite(model, out);
}
