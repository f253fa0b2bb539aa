import { kpiNumberLabel } from '../../../graph/ids.ts';
import type { IsoWeek } from '../../../graph/iso-week.ts';
import { compareCodePoints } from '../../../graph/text.ts';
import type { Config } from '../../config.ts';
import type { Connectors } from '../factory.ts';
import { columnLetter } from './a1.ts';
import { tabName } from '../scorecards/layout.ts';
import { cleanRange } from './clean.ts';
import type { Project } from '../../project/project.ts';
import { domainKpis } from '../../project/project.ts';
import { counted } from '../../words.ts';

export interface CheckLine {
  readonly ok: boolean;
  readonly text: string;
}

/**
 * Verifies every configured Google range and scorecard spreadsheet and says what a publish of
 * `week` would write where, without writing anything.
 */
export async function checkSheets(config: Config, project: Project, week: IsoWeek, connectors: Connectors): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  for (const [name, source] of Object.entries(config.sheets).sort(([a], [b]) => compareCodePoints(a, b))) {
    if (!source.google) continue;
    try {
      const range = await connectors.sheets.read(name, source);
      const rows = cleanRange(name, range, source.columns, source.decimalSeparator);
      lines.push({ ok: true, text: `source ${name}: ${range.location}: ${counted(rows.length, 'row')}, every column found and clean` });
    } catch (error) {
      lines.push({ ok: false, text: `source ${name}: ${(error as Error).message}` });
    }
  }
  for (const domain of project.domains) {
    const sink = connectors.googleSinkFor(domain);
    if (!sink) continue;
    const kpis = domainKpis(project.graph, domain).map(({ declaration }) => ({
      number: kpiNumberLabel(declaration.number),
      name: declaration.name,
      unit: declaration.unit,
      value: null,
    }));
    const tab = tabName(week.year);
    try {
      const { tabExists, plan } = await sink.preview(domain, tab, { header: week.lastSunday.toString(), kpis });
      const column = `${columnLetter(plan.weekColumn)} (${plan.insertColumnAt !== undefined ? 'inserted' : 'week'} ${week.lastSunday})`;
      const added = plan.addedRows.length > 0 ? `; new rows for KPI ${plan.addedRows.join(', ')}` : '';
      lines.push({
        ok: true,
        text: `scorecard ${domain}: spreadsheet ${config.scorecards[domain]!.spreadsheetId}, tab ${tab}${tabExists ? '' : ' (to be created)'}, column ${column}, ${counted(kpis.length, 'KPI row')}${added}`,
      });
    } catch (error) {
      lines.push({ ok: false, text: `scorecard ${domain}: ${(error as Error).message}` });
    }
  }
  return lines;
}
