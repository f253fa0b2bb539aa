import { SelectorError } from '../../graph/errors.ts';
import type { PipelineNode } from '../../graph/build.ts';
import { modelTable, tableId } from '../../graph/ids.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import { checkContext, runChecks } from '../engine/checks.ts';
import type { CheckOutcome } from '../engine/checks.ts';
import { inputWeeks, tableInputKey } from '../engine/freshness.ts';
import { lastSucceeded } from '../engine/ledger.ts';
import { StoredValues } from '../engine/stored-values.ts';
import { modelBuilt } from '../models/materialize.ts';
import { publishedCells, valueHistory } from '../engine/value-history.ts';
import type { ValueVersion } from '../engine/value-history.ts';
import { loadProject } from '../project/project.ts';
import type { Project } from '../project/project.ts';
import type { Config } from '../config.ts';
import { sql } from 'kysely';
import { displayPath, table } from '../reports/summary.ts';
import { formatValue } from '../units.ts';
import { localTime } from '../reports/run-reports.ts';
import { readConfig, writeJson } from './context.ts';
import { withWarehouse } from './read-warehouse.ts';
import { nodesDirOf } from './options.ts';

/** Why a KPI-week's value is what it is: the stored value, the run that computed it, its inputs and checks, where it was published. */
export interface Explanation {
  readonly node: string;
  readonly week: string;
  readonly name: string;
  readonly unit: string;
  readonly file: string;
  readonly value: number | null;
  readonly display: string;
  /** The run that computed the stored value, with its code version and the fingerprints of what it read. */
  readonly computedBy: ValueVersion | null;
  readonly inputs: readonly { readonly name: string; readonly reads: string; readonly fingerprint: string | null; readonly values?: readonly { week: string; value: number | null; display: string }[] }[];
  /** The checks on the stored value, against the week before as stored now. */
  readonly checks: readonly CheckOutcome[];
  readonly published: readonly { readonly destination: string; readonly tab: string; readonly cell?: string; readonly value: number | null; readonly display: string; readonly publishedAt: string; readonly runId: string }[];
  /** How many values this KPI-week has had (see `history <node> --week`). */
  readonly versions: number;
}

/** `explain <node> --week W [--json]`. */
export async function explainCommand(nodeId: string, flags: { config?: string; nodes?: string; week?: string; json?: boolean }): Promise<void> {
  const config = await readConfig(flags);
  const project = await loadProject(config, nodesDirOf(flags));
  if (!project.graph.hasNode(nodeId)) throw new SelectorError(`there is no node ${nodeId}`);
  const node = project.graph.getNodeAttributes(nodeId);
  if (node.kind === 'model') return explainModel(config, project, node, flags.json === true);
  if (node.kind !== 'kpi') throw new SelectorError(`${nodeId} is not a KPI or a model: explain tells how a KPI's value came about, or a model's rows`);
  if (flags.week === undefined) throw new SelectorError('explain needs --week, e.g. --week 2026-W10');
  const week = IsoWeek.parse(flags.week);
  const { declaration } = node;
  const show = (value: number | null, unit = declaration.unit) => formatValue(value, unit);

  const explanation = await withWarehouse(config, async (warehouse): Promise<Explanation> => {
    const stored = await StoredValues.load(warehouse, project.domains);
    const [own] = stored.read(declaration.domain, declaration.number, [week]);
    const versions = (warehouse.hasLedger ? await valueHistory(warehouse.db, nodeId, week.id) : []).map((version) => ({ ...version, computedAt: localTime(version.computedAt, config.timeZone)! }));
    const computedBy = versions[0] ?? null;
    const fingerprints = computedBy?.fingerprint?.inputs ?? {};
    const inputs = await Promise.all(
      Object.entries(declaration.inputs).map(async ([name, input]) => {
        switch (input.kind) {
          case 'table':
          case 'model': {
            const scope = [
              input.columns ? `columns ${input.columns.join(', ')}` : '',
              input.window ? `rows whose ${input.window.column} is in the ${input.window.weeks} weeks to ${week.id}` : '',
            ].filter(Boolean);
            const source = input.kind === 'table' ? tableId(input.table) : input.model;
            return { name, reads: `${source}${scope.length > 0 ? ` (${scope.join('; ')})` : ''}`, fingerprint: fingerprints[tableInputKey(name, input)] ?? null };
          }
          case 'sheet':
            return { name, reads: `sheet:${input.source}`, fingerprint: fingerprints[`sheet:${input.source}`] ?? null };
          case 'kpi': {
            const upstream = project.graph.getNodeAttributes(input.kpi);
            if (upstream.kind !== 'kpi') throw new Error(`${input.kpi} is not a KPI`);
            const values = stored.read(upstream.declaration.domain, upstream.declaration.number, inputWeeks(input, week));
            const key = Object.keys(fingerprints).find((candidate) => candidate === input.kpi || candidate === `${input.kpi}[${name}]`);
            return {
              name,
              reads: `${input.kpi} (${input.weeks === 1 ? 'the same week' : `${input.weeks} weeks to ${week.id}`})`,
              fingerprint: key ? fingerprints[key]! : null,
              values: values.map((entry) => ({ ...entry, display: show(entry.value, upstream.declaration.unit) })),
            };
          }
        }
      }),
    );
    const value = own?.value ?? null;
    return {
      node: nodeId,
      week: week.id,
      name: declaration.name,
      unit: declaration.unit,
      file: node.file,
      value,
      display: show(value),
      computedBy,
      inputs,
      // A week never computed has no value to check: saying its checks passed would be false.
      checks: computedBy ? runChecks(declaration, value, await checkContext(stored, declaration, week)) : [],
      published: (warehouse.hasLedger ? await publishedCells(warehouse.db, nodeId, week.id) : []).map((cell) => ({ ...cell, display: show(cell.value), publishedAt: localTime(cell.publishedAt, config.timeZone)! })),
      versions: versions.length,
    };
  });
  process.stdout.write(flags.json ? `${JSON.stringify(explanation, null, 2)}\n` : `${formatExplanation(explanation)}\n`);
}

function formatExplanation(explanation: Explanation): string {
  const { computedBy } = explanation;
  const lines = [
    `${explanation.node} ${explanation.week}: ${explanation.name} (${explanation.file})`,
    `value: ${explanation.display}`,
    computedBy
      ? `computed by run ${computedBy.runId} at ${computedBy.computedAt}, code ${computedBy.codeVersion ?? 'outside git'} (code hash ${computedBy.fingerprint?.code ?? '?'}), because: ${computedBy.reason ?? '?'}`
      : `never computed: run it with \`pipeline run --select ${explanation.node} --week ${explanation.week}\``,
    '',
    'inputs:',
    ...table(
      ['input', 'reads', 'fingerprint'],
      explanation.inputs.map((input) => [input.name, input.reads, input.fingerprint ?? '(not recorded)']),
    ).map((line) => `  ${line}`),
  ];
  for (const input of explanation.inputs) {
    if (input.values) lines.push(`  ${input.name}: ${input.values.map((entry) => `${entry.week} ${entry.display}`).join(', ')}`);
  }
  lines.push('', 'checks:');
  if (!computedBy) lines.push('  (not run: the week was never computed)');
  else if (explanation.checks.length === 0) lines.push('  (none declared)');
  for (const check of explanation.checks) {
    lines.push(`  ${check.check}${check.severity === 'warn' ? ' (warn)' : ''}: ${check.passed ? 'passed' : `FAILED, ${check.reason}`}`);
  }
  lines.push('', 'published:');
  if (explanation.published.length === 0) lines.push('  not yet');
  for (const cell of explanation.published) {
    lines.push(`  ${displayPath(cell.destination)} [${cell.tab}]${cell.cell ? ` cell ${cell.cell}` : ''}: ${cell.display} at ${cell.publishedAt} (run ${cell.runId})`);
  }
  lines.push('', `${explanation.versions} ${explanation.versions === 1 ? 'value' : 'values'} so far: history ${explanation.node} --week ${explanation.week}`);
  return lines.join('\n');
}

/** `explain <model>`: where its rows are, the build that made them (when, why, from which inputs), and what reads them. */
async function explainModel(config: Config, project: Project, node: Extract<PipelineNode, { kind: 'model' }>, json: boolean): Promise<void> {
  const { declaration } = node;
  const materialised = modelTable(node.id);
  const found = await withWarehouse(
    config,
    async (warehouse) => {
      const built = await modelBuilt(warehouse.db, node.id);
      const rows = built ? (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(materialised)}`.execute(warehouse.db)).rows[0]!.n : null;
      return { rows, build: warehouse.hasLedger ? await lastSucceeded(warehouse.db, node.id) : undefined };
    },
    () => ({ rows: null, build: undefined }),
  );
  const explanation = {
    node: node.id,
    kind: 'model',
    file: node.file,
    table: materialised,
    timeColumn: declaration.timeColumn ?? null,
    rows: found.rows,
    builtBy: found.build ? { runId: found.build.run_id, builtAt: localTime(found.build.finished_at, config.timeZone), reason: found.build.reason, code: found.build.fingerprint?.code ?? null } : null,
    inputs: Object.entries(declaration.inputs).map(([name, input]) => {
      const reads = input.kind === 'table' ? tableId(input.table) : input.model;
      const key = tableInputKey(name, { ...input, columns: undefined, window: undefined });
      return { name, reads, fingerprint: found.build?.fingerprint?.inputs[key] ?? null };
    }),
    readBy: project.graph.outNeighbors(node.id).sort(),
  };
  if (json) return writeJson(explanation);
  const { builtBy } = explanation;
  process.stdout.write(
    `${[
      `${node.id}: a model (${node.file}), ${declaration.details ?? 'a shared transform'}`,
      `rows: ${explanation.rows === null ? 'not built yet' : explanation.rows} in ${materialised}${declaration.timeColumn ? `, kept by ISO week of ${declaration.timeColumn}` : ''}`,
      builtBy
        ? `built by run ${builtBy.runId} at ${builtBy.builtAt}, code hash ${builtBy.code ?? '?'}, because: ${builtBy.reason ?? '?'}`
        : `never built: \`pipeline run --select ${node.id}\` builds it`,
      '',
      'inputs:',
      ...table(['input', 'reads', 'fingerprint'], explanation.inputs.map((input) => [input.name, input.reads, input.fingerprint ?? '(not recorded)'])).map((line) => `  ${line}`),
      '',
      `read by: ${explanation.readBy.join(', ') || 'nothing'}`,
    ].join('\n')}\n`,
  );
}
