import type { Config } from '../../config.ts';

/** Where a domain's scorecard can go: its local workbook, its Google spreadsheet. Each is a publish task of its own. */
export type Destination = NonNullable<Config['scorecards'][string]['publish']>[number];

const ALL: readonly Destination[] = ['workbook', 'google'];

/**
 * The destinations the configuration gives a domain: the local workbook always, and the
 * Google spreadsheet when `scorecards.<domain>` names one, unless its `publish` list keeps
 * fewer. (A run without Google credentials publishes to the workbook only.)
 */
export function configuredDestinations(config: Pick<Config, 'scorecards'>, domain: string): Destination[] {
  const target = config.scorecards[domain];
  if (!target) return ['workbook'];
  return ALL.filter((destination) => (target.publish ?? ALL).includes(destination));
}

/** How a Google destination is named in messages and fingerprints. */
export const googleDestination = (spreadsheetId: string) => `Google spreadsheet ${spreadsheetId}`;
