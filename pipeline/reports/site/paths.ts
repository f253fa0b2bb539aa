import { dirname, join } from 'node:path';
import type { PipelineNode } from '../../../graph/build.ts';
import type { Config } from '../../config.ts';
import { PROD } from '../../environments/names.ts';

/** Where each page of the site is, relative to its root. Node ids never become URL schemes (`table:x` is `table-x`). */
export const INDEX_PAGE = 'index.html';
export const GRAPH_PAGE = 'graph.html';
export const DIFF_PAGE = 'diff.html';
export const ASSETS = 'assets';

export const domainPage = (domain: string) => `domain/${domain}.html`;
export const kpiPage = (id: string) => `kpi/${id}.html`;
export const sourcePage = (id: string) => `source/${id.replace(':', '-')}.html`;
export const modelPage = (id: string) => `model/${id}.html`;

/** A node's own page: a KPI's, its domain's scorecard for a publish, a model's, a source's. */
export function nodePage(node: PipelineNode): string {
  switch (node.kind) {
    case 'kpi':
      return kpiPage(node.id);
    case 'publish':
      return domainPage(node.declaration.domain);
    case 'model':
      return modelPage(node.id);
    case 'table':
    case 'sheet':
      return sourcePage(node.id);
  }
}

/**
 * Where `docs` writes by default: `site` beside the scorecard workbooks (out/site); another
 * environment's site is a folder of prod's (out/site/dev), as its workbooks are (out/scorecards/dev).
 */
export function defaultSiteDir(config: Config): string {
  if (config.environment === PROD) return join(dirname(config.paths.scorecards), 'site');
  return join(dirname(dirname(config.paths.scorecards)), 'site', config.environment);
}
