import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { ReadOnlyWarehouse } from '../../connectors/warehouse/warehouse.ts';
import { nodesOf } from '../../../graph/build.ts';
import type { PipelineNode } from '../../../graph/build.ts';
import type { InputDeclaration, Unit } from '../../../graph/declare.ts';
import { kpiNumberLabel } from '../../../graph/ids.ts';
import { IsoWeek } from '../../../graph/iso-week.ts';
import { selectNodes } from '../../../graph/select.ts';
import { statusOf } from '../../../graph/targets.ts';
import type { Status, Target } from '../../../graph/targets.ts';
import type { Config } from '../../config.ts';
import type { EnvironmentDiff } from '../../environments/diff.ts';
import { fallsBack } from '../../environments/layers.ts';
import { PROD } from '../../environments/names.ts';
import { readStoredValues } from '../../connectors/warehouse/scorecards.ts';
import type { StoredValue } from '../../connectors/warehouse/scorecards.ts';
import { freshnessRules, readLoad } from '../../source-freshness/source-freshness.ts';
import type { SourceLoad } from '../../source-freshness/source-freshness.ts';
import { Temporal } from 'temporal-polyfill';
import { currentInstant, localTimestamp } from '../../dates.ts';
import { listRestatements } from '../../engine/value-history.ts';
import type { Restatement } from '../../engine/value-history.ts';
import { nodeHistory } from '../../engine/ledger.ts';
import type { NodeRunRow } from '../../engine/ledger.ts';
import { defaultScorecardName, domainKpis, publishOf } from '../../project/project.ts';
import type { Project } from '../../project/project.ts';

/** Everything the site shows, read once from the project and the warehouse. */
export interface SiteModel {
  /** Local time of the configured time zone, `YYYY-MM-DDTHH:MM:SS`. */
  readonly generatedAt: string;
  readonly timeZone: string;
  readonly domains: readonly DomainModel[];
  readonly kpis: ReadonlyMap<string, KpiModel>;
  /** Every node of the graph, KPIs included, with its recent runs. */
  readonly nodes: readonly NodeModel[];
  readonly edges: readonly { readonly from: string; readonly to: string }[];
  /** The environment the values are from, when not prod: every page says so. */
  readonly environment?: string;
  /** The values that differ from another environment's (`docs --against`), for the differences page. */
  readonly diff?: EnvironmentDiff;
}

export interface DomainModel {
  readonly id: string;
  readonly scorecard: string;
  readonly kpis: readonly KpiModel[];
  /** The last week with a stored value, if any. */
  readonly latestWeek?: IsoWeek;
}

export interface NodeModel {
  readonly id: string;
  readonly node: PipelineNode;
  /** Newest first. */
  readonly runs: readonly NodeRunRow[];
  readonly upstream: readonly string[];
  readonly downstream: readonly string[];
  /** A model's file and its source text. */
  readonly file?: { readonly path: string; readonly source: string };
  /** A table's latest load against its freshness rule, when it has one. */
  readonly load?: SourceLoad;
}

/** One stored week of a KPI. */
export interface WeekPoint {
  readonly week: IsoWeek;
  readonly value: number | null;
  readonly status: Status;
}

export interface KpiModel {
  readonly id: string;
  readonly domain: string;
  /** Zero-padded, as on the scorecards: `05`. */
  readonly number: string;
  readonly name: string;
  readonly details: string;
  readonly unit: Unit;
  readonly target?: Target;
  /** The file, relative to the repository. */
  readonly file: string;
  readonly source: string;
  readonly inputs: readonly { readonly name: string; readonly node: string; readonly reads: string }[];
  readonly checks: readonly string[];
  /** Every stored week, oldest first. */
  readonly points: readonly WeekPoint[];
  /** Newest first. */
  readonly restatements: readonly Restatement[];
}

/** How many runs of each node the site lists. */
const RECENT_RUNS = 20;

/** Reads what the site shows. Only reads: the caller holds the warehouse as a reader. */
export async function readSiteModel(config: Config, project: Project, warehouse: ReadOnlyWarehouse): Promise<SiteModel> {
  const { graph } = project;
  const { db, hasLedger } = warehouse;
  const restatements = hasLedger ? await listRestatements(db, { limit: 1_000_000 }) : [];
  const kpis = new Map<string, KpiModel>();
  const domains: DomainModel[] = [];
  for (const domain of project.domains) {
    const stored = await valuesOf(warehouse, domain);
    const models: KpiModel[] = [];
    for (const { id, file, declaration } of domainKpis(graph, domain)) {
      const number = kpiNumberLabel(declaration.number);
      const points = stored
        .filter((row) => row.kpiNumber === number)
        .map((row) => {
          const week = IsoWeek.parse(row.week);
          return { week, value: row.value, status: statusOf(row.value, declaration.target, week.year) };
        });
      const model: KpiModel = {
        id,
        domain,
        number,
        name: declaration.name,
        details: declaration.details ?? '',
        unit: declaration.unit,
        ...(declaration.target ? { target: declaration.target } : {}),
        file: relative(config.paths.root, resolve(config.paths.root, file)),
        source: await readFile(resolve(config.paths.root, file), 'utf8'),
        inputs: Object.entries(declaration.inputs).map(([name, input]) => ({ name, ...describeInput(input) })),
        checks: (declaration.checks ?? []).map((check) => check.name),
        points,
        restatements: restatements.filter((restatement) => restatement.nodeId === id),
      };
      kpis.set(id, model);
      models.push(model);
    }
    const latest = stored.at(-1)?.week;
    domains.push({
      id: domain,
      scorecard: publishOf(graph, domain)?.scorecard ?? defaultScorecardName(domain),
      kpis: models,
      ...(latest ? { latestWeek: IsoWeek.parse(latest) } : {}),
    });
  }
  const nodes: NodeModel[] = [];
  const rules = freshnessRules(config);
  const now = Temporal.Now.instant();
  for (const node of nodesOf(graph).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const file = node.kind === 'model' ? relative(config.paths.root, resolve(config.paths.root, node.file)) : undefined;
    const rule = node.kind === 'table' ? rules.get(node.table) : undefined;
    const load = node.kind === 'table' && rule ? await readLoad(db, node.table, rule, now) : undefined;
    nodes.push({
      id: node.id,
      node,
      ...(file === undefined ? {} : { file: { path: file, source: await readFile(resolve(config.paths.root, file), 'utf8') } }),
      ...(load ? { load } : {}),
      runs: hasLedger ? await nodeHistory(db, node.id, { limit: RECENT_RUNS }) : [],
      upstream: [...selectNodes(graph, [`+${node.id}`])].filter((id) => id !== node.id).sort(),
      downstream: [...selectNodes(graph, [`${node.id}+`])].filter((id) => id !== node.id).sort(),
    });
  }
  return {
    generatedAt: localTimestamp(currentInstant(), config.timeZone),
    timeZone: config.timeZone,
    domains,
    kpis,
    nodes,
    edges: graph.mapEdges((_edge, _attributes, from, to) => ({ from, to })),
    ...(config.environment === PROD ? {} : { environment: config.environment }),
  };
}

/**
 * A domain's values as its environment reads and publishes them: its own over prod's (see
 * environments/layers.ts), so its site shows what its workbooks do. Oldest week first.
 */
async function valuesOf(warehouse: ReadOnlyWarehouse, domain: string): Promise<StoredValue[]> {
  const own = await readStoredValues(warehouse.db, domain);
  if (!fallsBack(warehouse)) return own;
  const key = (value: StoredValue) => `${value.week} ${value.kpiNumber}`;
  const owned = new Set(own.map(key));
  const fromProd = (await readStoredValues(warehouse.prod, domain)).filter((value) => !owned.has(key(value)));
  return [...fromProd, ...own].sort((a, b) => key(a).localeCompare(key(b)));
}

/** The node an input reads and how much of it. */
function describeInput(input: InputDeclaration): { node: string; reads: string } {
  switch (input.kind) {
    case 'table':
    case 'model': {
      const scope = [
        input.columns ? `columns ${input.columns.join(', ')}` : '',
        input.window ? `rows whose ${input.window.column} is in the ${input.window.weeks} weeks to the week computed` : '',
        input.kind === 'table' && input.changeColumn ? `changes seen by ${input.changeColumn}` : '',
      ].filter(Boolean);
      return { node: input.kind === 'table' ? `table:${input.table}` : input.model, reads: scope.join('; ') || 'the whole table' };
    }
    case 'sheet':
      return { node: `sheet:${input.source}`, reads: 'the cleaned rows of the range' };
    case 'kpi':
      return {
        node: input.kpi,
        reads: `${input.weeks === 1 ? 'the same week' : `the ${input.weeks} weeks to the week computed`}${input.partial ? ', missing weeks allowed' : ''}`,
      };
  }
}
