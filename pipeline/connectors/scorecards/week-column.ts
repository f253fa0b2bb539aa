import type { PipelineGraph } from '../../../graph/build.ts';
import { kpiNumberLabel } from '../../../graph/ids.ts';
import type { IsoWeek } from '../../../graph/iso-week.ts';
import { statusOf } from '../../../graph/targets.ts';
import type { Kysely } from 'kysely';
import { domainKpis } from '../../project.ts';
import { readScorecardWeek } from '../warehouse/scorecards.ts';
import { latestRestatements } from '../../engine/value-history.ts';
import type { WeekColumn } from './layout.ts';

/**
 * What a domain's publish writes for a week, from the store: each KPI's value, its status when
 * the KPI has a target, the week before's value for the change, and its latest restatement when
 * a published value changed. KPIs in number order.
 */
export async function weekColumnOf(db: Kysely<any>, graph: PipelineGraph, domain: string, week: IsoWeek): Promise<WeekColumn> {
  const before = week.add(-1);
  const valuesOf = async (of: IsoWeek) => new Map((await readScorecardWeek(db, domain, of)).map((row) => [row.kpiNumber, row.value]));
  const kpis = domainKpis(graph, domain);
  const [current, previous, restated] = await Promise.all([valuesOf(week), valuesOf(before), latestRestatements(db, kpis.map((kpi) => kpi.id), week.id)]);
  return {
    header: week.lastSunday.toString(),
    kpis: kpis.map(({ id, declaration }) => {
      const number = kpiNumberLabel(declaration.number);
      const value = current.get(number) ?? null;
      return {
        number,
        name: declaration.name,
        unit: declaration.unit,
        value,
        ...(declaration.target ? { status: statusOf(value, declaration.target, week.year) } : {}),
        previous: { week: before.id, value: previous.get(number) ?? null },
        ...(restated.has(id) ? { restated: { on: restated.get(id)!.restatedAt.slice(0, 10), was: restated.get(id)!.previous } } : {}),
      };
    }),
  };
}
