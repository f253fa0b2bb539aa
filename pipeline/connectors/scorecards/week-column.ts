import type { PipelineGraph } from '../../../graph/build.ts';
import { kpiNumberLabel } from '../../../graph/ids.ts';
import type { IsoWeek } from '../../../graph/iso-week.ts';
import { statusOf } from '../../../graph/targets.ts';
import { domainKpis } from '../../project/project.ts';
import type { LatestRestatements } from '../../engine/value-history.ts';
import type { StoredValues } from '../../engine/stored-values.ts';
import type { WeekColumn } from './layout.ts';

/** What a week's column is made of: the run's stored values and latest restatements. */
export interface WeekColumnSources {
  readonly values: StoredValues;
  readonly restatements: LatestRestatements;
  /** A warning the run gave a KPI-week's value (a source past its warnAfter), if any. */
  readonly warningOf?: (nodeId: string, week: string) => string | undefined;
}

/**
 * What a domain's publish writes for a week: each KPI's value, its status when the KPI has a
 * target, the week before's value for the change, and its latest restatement when a published
 * value changed. KPIs in number order.
 */
export function weekColumnOf(graph: PipelineGraph, domain: string, week: IsoWeek, { values, restatements, warningOf }: WeekColumnSources): WeekColumn {
  const before = week.add(-1);
  const current = values.week(domain, week);
  const previous = values.week(domain, before);
  return {
    header: week.lastSunday.toString(),
    kpis: domainKpis(graph, domain).map(({ id, declaration }) => {
      const number = kpiNumberLabel(declaration.number);
      const value = current.get(number) ?? null;
      const restated = restatements.of(id, week.id);
      const warning = warningOf?.(id, week.id);
      return {
        number,
        name: declaration.name,
        unit: declaration.unit,
        value,
        ...(declaration.target ? { status: statusOf(value, declaration.target, week.year) } : {}),
        previous: { week: before.id, value: previous.get(number) ?? null },
        ...(restated ? { restated: { on: restated.restatedAt.slice(0, 10), was: restated.previous } } : {}),
        ...(warning ? { warning } : {}),
      };
    }),
  };
}
