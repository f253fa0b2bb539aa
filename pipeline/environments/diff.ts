/**
 * The value diff of two environments: every KPI-week whose value differs, with its status
 * against the KPI's target in each, whether its scorecard cell would show something else, and
 * per scorecard how many cells change and how many of them cross a threshold.
 */
import type { KpiDeclaration, Unit } from '../../graph/declare.ts';
import { IsoWeek } from '../../graph/iso-week.ts';
import { statusOf } from '../../graph/targets.ts';
import type { Status } from '../../graph/targets.ts';
import type { Warehouse } from '../connectors/warehouse/warehouse.ts';
import { StoredValues } from '../engine/stored-values.ts';
import { sameValue } from '../engine/value-history.ts';
import type { Project } from '../project/project.ts';
import { formatValue } from '../units.ts';

/** A KPI-week's value in one environment; `present` false when that environment holds no row for it. */
export interface SideValue {
  readonly present: boolean;
  readonly value: number | null;
  /** As its scorecard cell shows it, in the KPI's unit. */
  readonly display: string;
  readonly status: Status;
}

export interface ValueDifference {
  readonly nodeId: string;
  readonly domain: string;
  readonly name: string;
  readonly week: string;
  readonly unit: Unit;
  /** The environment compared (`dev`) and what it is compared against (`prod`). */
  readonly ours: SideValue;
  readonly theirs: SideValue;
  /** ours − theirs, when both have a number. */
  readonly change: number | null;
  /** Whether the scorecard cell would show something else: a change smaller than the cell's rounding does not. */
  readonly cellChanges: boolean;
  /** Whether the status against the target differs (on target, near, off). */
  readonly crossesThreshold: boolean;
}

export interface ScorecardDiff {
  readonly domain: string;
  readonly cellsChanged: number;
  readonly crossingThreshold: number;
}

export interface EnvironmentDiff {
  readonly environment: string;
  readonly against: string;
  readonly differences: readonly ValueDifference[];
  readonly scorecards: readonly ScorecardDiff[];
}

/** What one side holds: its own values over prod's, and which KPI-weeks are its own. */
interface Side {
  readonly values: StoredValues;
  readonly own: StoredValues;
}

async function sideOf(warehouse: Pick<Warehouse, 'db' | 'prod'>, domains: readonly string[]): Promise<Side> {
  return { values: await StoredValues.load(warehouse, domains), own: await StoredValues.load({ db: warehouse.db, prod: warehouse.db }, domains) };
}

/**
 * Compares two environments over the selected KPIs and weeks (every stored week when `weeks` is
 * undefined). Each reads prod where it has computed nothing, so only the KPI-weeks either one
 * computed itself can differ.
 */
export async function diffEnvironments(
  project: Project,
  sides: { readonly ours: { name: string; warehouse: Pick<Warehouse, 'db' | 'prod'> }; readonly theirs: { name: string; warehouse: Pick<Warehouse, 'db' | 'prod'> } },
  selected: ReadonlySet<string>,
  weeks: ReadonlySet<string> | undefined,
): Promise<EnvironmentDiff> {
  const kpis = [...selected].flatMap((id) => {
    const node = project.graph.getNodeAttributes(id);
    return node.kind === 'kpi' ? [{ id, declaration: node.declaration }] : [];
  });
  const domains = [...new Set(kpis.map((kpi) => kpi.declaration.domain))].sort();
  const ours = await sideOf(sides.ours.warehouse, domains);
  const theirs = await sideOf(sides.theirs.warehouse, domains);
  const differences: ValueDifference[] = [];
  for (const { id, declaration } of kpis.sort((a, b) => a.id.localeCompare(b.id))) {
    const candidates = new Set([...ours.own.weeksOf(declaration.domain, declaration.number), ...theirs.own.weeksOf(declaration.domain, declaration.number)]);
    for (const week of [...candidates].sort()) {
      if (weeks && !weeks.has(week)) continue;
      const difference = compare(id, declaration, IsoWeek.parse(week), ours.values, theirs.values);
      if (difference) differences.push(difference);
    }
  }
  const scorecards = domains.map((domain) => {
    const changed = differences.filter((difference) => difference.domain === domain && difference.cellChanges);
    return { domain, cellsChanged: changed.length, crossingThreshold: changed.filter((difference) => difference.crossesThreshold).length };
  });
  return { environment: sides.ours.name, against: sides.theirs.name, differences, scorecards };
}

function compare(nodeId: string, declaration: KpiDeclaration, week: IsoWeek, ours: StoredValues, theirs: StoredValues): ValueDifference | undefined {
  const side = (values: StoredValues): SideValue => {
    const present = values.has(declaration.domain, declaration.number, week);
    const value = present ? values.read(declaration.domain, declaration.number, [week])[0]!.value : null;
    return { present, value, display: present ? formatValue(value, declaration.unit) : '(none)', status: statusOf(value, declaration.target, week.year) };
  };
  const a = side(ours);
  const b = side(theirs);
  if (a.present === b.present && sameValue(a.value, b.value)) return undefined;
  return {
    nodeId,
    domain: declaration.domain,
    name: declaration.name,
    week: week.id,
    unit: declaration.unit,
    ours: a,
    theirs: b,
    change: a.value !== null && b.value !== null ? a.value - b.value : null,
    cellChanges: a.display !== b.display,
    crossesThreshold: a.status !== b.status,
  };
}
