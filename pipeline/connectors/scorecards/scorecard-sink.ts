import type { WeekColumn } from './layout.ts';

/** What a publish did, for the log and the summary. */
export interface PublishReport {
  /** Where, without credentials: a file path or a spreadsheet id. */
  readonly location: string;
  readonly tab: string;
  readonly weekColumn: number;
  readonly addedRows: readonly string[];
  /** Where each KPI's value went, by KPI number: `E5`. */
  readonly valueCells: Readonly<Record<string, string>>;
  readonly emptyKpis: readonly string[];
}

/** Writes one week's column of a domain's scorecard. Publishing the same column twice gives the same sheet. */
export interface ScorecardSink {
  publish(domain: string, tab: string, column: WeekColumn): Promise<PublishReport>;
  /**
   * Where a domain's scorecard goes, as part of the publish task's fingerprint: a new
   * destination, or a local workbook that was deleted, makes the publish stale.
   */
  destination(domain: string): string;
}
