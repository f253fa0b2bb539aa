import type { WeekValue } from '../../graph/declare.ts';
import { kpiNumberLabel } from '../../graph/ids.ts';
import type { IsoWeek } from '../../graph/iso-week.ts';
import { readStoredValues } from '../connectors/warehouse/scorecards.ts';
import type { Warehouse } from '../connectors/warehouse/warehouse.ts';
import { fallsBack } from '../environments/layers.ts';

/** Values of one domain: ISO week → KPI number label (`05`) → value. */
type DomainValues = Map<string, Map<string, number | null>>;

/**
 * The stored scorecard values of a session's domains, read in one query per domain when it
 * opens and kept current as the run stores values (the run holds the only writer's lock).
 * Freshness, lookback inputs and publishes read them here instead of asking the warehouse once
 * per task.
 */
export class StoredValues {
  private constructor(private readonly domains: Map<string, DomainValues>) {}

  /** In an environment other than prod, its own values over prod's (see environments/layers.ts). */
  static async load(warehouse: Pick<Warehouse, 'db' | 'prod'>, domains: readonly string[]): Promise<StoredValues> {
    const loaded = new Map<string, DomainValues>();
    for (const domain of domains) {
      const values: DomainValues = new Map();
      for (const db of fallsBack(warehouse) ? [warehouse.prod, warehouse.db] : [warehouse.db]) {
        for (const row of await readStoredValues(db, domain)) weekOf(values, row.week).set(row.kpiNumber, row.value);
      }
      loaded.set(domain, values);
    }
    return new StoredValues(loaded);
  }

  /** Whether the KPI has a row for the week (its value may be null). */
  has(domain: string, kpiNumber: number, week: IsoWeek): boolean {
    return this.domains.get(domain)?.get(week.id)?.has(kpiNumberLabel(kpiNumber)) ?? false;
  }

  /** A KPI's values for the given weeks, in the order given; a week with no row has value null. */
  read(domain: string, kpiNumber: number, weeks: readonly IsoWeek[]): WeekValue[] {
    const label = kpiNumberLabel(kpiNumber);
    return weeks.map((week) => ({ week: week.id, value: this.domains.get(domain)?.get(week.id)?.get(label) ?? null }));
  }

  /** Every stored value of a domain for one week, by KPI number label. */
  week(domain: string, week: IsoWeek): ReadonlyMap<string, number | null> {
    return this.domains.get(domain)?.get(week.id) ?? new Map();
  }

  /** The weeks the KPI has a row for (its value may be null). */
  weeksOf(domain: string, kpiNumber: number): string[] {
    const label = kpiNumberLabel(kpiNumber);
    return [...(this.domains.get(domain) ?? new Map<string, Map<string, number | null>>())].flatMap(([week, kpis]) => (kpis.has(label) ? [week] : []));
  }

  /** Call once the value is committed. */
  remember(domain: string, kpiNumber: number, week: IsoWeek, value: number | null): void {
    let values = this.domains.get(domain);
    if (!values) {
      values = new Map();
      this.domains.set(domain, values);
    }
    weekOf(values, week.id).set(kpiNumberLabel(kpiNumber), value);
  }
}

function weekOf(values: DomainValues, week: string): Map<string, number | null> {
  let kpis = values.get(week);
  if (!kpis) {
    kpis = new Map();
    values.set(week, kpis);
  }
  return kpis;
}
