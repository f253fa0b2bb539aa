import { resolve } from 'node:path';
import { sql } from 'kysely';
import type { PipelineGraph, PipelineNode } from '../graph/build.ts';
import type { ComputeContext, InputDeclaration, KpiDeclaration, SheetHandle, TableHandle, WeekValue } from '../graph/declare.ts';
import { kpiNumberLabel } from '../graph/ids.ts';
import type { IsoWeek } from '../graph/iso-week.ts';
import type { Task } from '../graph/plan.ts';
import type { Config } from './config.ts';
import { openDuck } from './connectors/duckdb/duck.ts';
import type { Duck } from './connectors/duckdb/duck.ts';
import { tabName } from './connectors/scorecards/layout.ts';
import type { WeekColumn } from './connectors/scorecards/layout.ts';
import type { PublishReport, ScorecardSink } from './connectors/scorecards/scorecard-sink.ts';
import { cleanRange } from './connectors/sheets/clean.ts';
import type { SheetReader } from './connectors/sheets/sheet-source.ts';
import { readKpiValues, readScorecardWeek } from './connectors/warehouse/scorecards.ts';
import type { Warehouse } from './connectors/warehouse/warehouse.ts';
import { weekContext } from './dates.ts';
import { coerceError, NodeError, SourceError } from './errors.ts';
import type { Logger } from './log.ts';
import { domainKpis } from './project.ts';

/** What a task produced: a KPI's value, a publish report, or a source's row count. */
export type TaskValue =
  | { readonly kind: 'kpi'; readonly value: number | null }
  | { readonly kind: 'publish'; readonly report: PublishReport }
  | { readonly kind: 'source'; readonly rows: number };

export interface TaskRunnerOptions {
  readonly config: Config;
  readonly graph: PipelineGraph;
  readonly warehouse: Warehouse;
  readonly sheets: SheetReader;
  readonly sinkFor: (domain: string) => ScorecardSink;
  readonly log: Logger;
}

/**
 * Runs one task of any kind. Sheet sources are read once per run and shared by every KPI
 * that declared them; KPIs receive exactly what they declared through their context.
 */
export class TaskRunner {
  private readonly sheetHandles = new Map<string, Promise<SheetHandle>>();
  private duck: Promise<Duck> | undefined;

  constructor(private readonly options: TaskRunnerOptions) {}

  async run(task: Task, signal: AbortSignal): Promise<TaskValue> {
    const log = this.options.log.child({ node: task.node.id, ...(task.week ? { week: task.week.id } : {}) });
    try {
      return await this.dispatch(task, task.node, signal, log);
    } catch (thrown) {
      const error = coerceError(thrown);
      throw new NodeError(task.id, 'file' in task.node ? task.node.file : undefined, error);
    }
  }

  async close(): Promise<void> {
    if (this.duck) (await this.duck).close();
  }

  private async dispatch(task: Task, node: PipelineNode, signal: AbortSignal, log: Logger): Promise<TaskValue> {
    switch (node.kind) {
      case 'table':
        return { kind: 'source', rows: await this.checkTable(node.table) };
      case 'sheet':
        return { kind: 'source', rows: (await this.loadSheet(node.source, log)).rows.length };
      case 'kpi':
        return { kind: 'kpi', value: await this.computeKpi(node.declaration, weekOf(task), signal, log) };
      case 'publish':
        return { kind: 'publish', report: await this.publish(node.declaration.domain, weekOf(task), log) };
    }
  }

  /** A table source only has to exist; its rows are read by the KPIs' own queries. */
  private async checkTable(table: string): Promise<number> {
    const [schema, name] = table.split('.') as [string, string];
    const result = await sql<{ rows: number }>`
      select count(*)::int as rows from information_schema.tables where table_schema = ${schema} and table_name = ${name}`.execute(
      this.options.warehouse.db,
    );
    if ((result.rows[0]?.rows ?? 0) === 0) {
      throw new SourceError(`table ${table} does not exist in the warehouse (${this.options.warehouse.location})`);
    }
    return 0;
  }

  /** Reads a range once per run, however many KPIs use it. */
  private loadSheet(source: string, log: Logger): Promise<SheetHandle> {
    let handle = this.sheetHandles.get(source);
    if (!handle) {
      handle = this.readSheet(source, log);
      this.sheetHandles.set(source, handle);
    }
    return handle;
  }

  private async readSheet(source: string, log: Logger): Promise<SheetHandle> {
    const config = this.options.config.sheets[source];
    if (!config) throw new SourceError(`sheet source "${source}" is not configured`);
    const range = await this.options.sheets.read(source, { ...config, file: resolve(this.options.config.paths.root, config.file) });
    const rows = cleanRange(source, range, config.columns);
    const duck = await this.openDuck();
    await duck.registerTable(source, Object.values(config.columns), rows);
    log.info({ rows: rows.length, from: range.location }, `sheet source ${source} loaded into DuckDB table ${source}`);
    return { source, table: source, rows };
  }

  private async computeKpi(declaration: KpiDeclaration, week: IsoWeek, signal: AbortSignal, log: Logger): Promise<number | null> {
    const inputs: Record<string, TableHandle | SheetHandle | readonly WeekValue[]> = {};
    for (const [name, input] of Object.entries(declaration.inputs)) inputs[name] = await this.resolveInput(input, week, log);
    const context: ComputeContext<Record<string, InputDeclaration>> = {
      week: weekContext(week, this.options.config.timeZone),
      inputs: inputs as ComputeContext<Record<string, InputDeclaration>>['inputs'],
      warehouse: this.options.warehouse.db,
      duck: await this.openDuck(),
      log: {
        info: (message, fields) => log.info(fields ?? {}, message),
        warn: (message, fields) => log.warn(fields ?? {}, message),
        debug: (message, fields) => log.debug(fields ?? {}, message),
      },
      signal,
    };
    const raw = await declaration.compute(context);
    const value = raw === null || raw === undefined ? null : Number(raw);
    if (value !== null && !Number.isFinite(value)) throw new Error(`compute returned ${String(raw)}, not a finite number`);
    for (const check of declaration.checks ?? []) {
      const failure = check.test(value);
      if (failure) throw new Error(`check ${check.name} failed: ${failure}`);
    }
    return value;
  }

  private async resolveInput(input: InputDeclaration, week: IsoWeek, log: Logger): Promise<TableHandle | SheetHandle | readonly WeekValue[]> {
    const db = this.options.warehouse.db;
    switch (input.kind) {
      case 'table':
        return { name: input.table, ref: sql.table(input.table), selectFrom: () => db.selectFrom(input.table) };
      case 'sheet':
        return this.loadSheet(input.source, log);
      case 'kpi': {
        const upstream = this.options.graph.getNodeAttributes(input.kpi);
        if (upstream.kind !== 'kpi') throw new Error(`input ${input.kpi} is not a KPI`);
        const weeks = Array.from({ length: input.weeks }, (_, back) => week.add(back - input.weeks + 1));
        const firstWeek = this.options.config.firstWeek;
        if (firstWeek !== undefined && weeks[0]!.id < firstWeek) {
          log.warn({ input: input.kpi, from: weeks[0]!.id, firstWeek }, `reads ${input.kpi} from ${weeks[0]!.id}, before the first week with source data (${firstWeek}): those weeks have no value`);
        }
        return readKpiValues(db, upstream.declaration.domain, upstream.declaration.number, weeks);
      }
    }
  }

  private async publish(domain: string, week: IsoWeek, log: Logger): Promise<PublishReport> {
    const stored = new Map((await readScorecardWeek(this.options.warehouse.db, domain, week)).map((row) => [row.kpiNumber, row.value]));
    const column: WeekColumn = {
      header: week.lastSunday.toString(),
      kpis: domainKpis(this.options.graph, domain).map(({ declaration }) => {
        const number = kpiNumberLabel(declaration.number);
        return { number, name: declaration.name, unit: declaration.unit, value: stored.get(number) ?? null };
      }),
    };
    const report = await this.options.sinkFor(domain).publish(domain, tabName(week.year), column);
    if (report.emptyKpis.length > 0) {
      log.warn({ kpis: report.emptyKpis }, `no value for KPI ${report.emptyKpis.join(', ')} in ${week.id}: cells left empty`);
    }
    log.info({ location: report.location, tab: report.tab, column: report.weekColumn }, `published ${domain} ${week.id}`);
    return report;
  }

  private openDuck(): Promise<Duck> {
    this.duck ??= openDuck();
    return this.duck;
  }
}

function weekOf(task: Task): IsoWeek {
  if (!task.week) throw new Error(`task ${task.id} has no week`);
  return task.week;
}
