/** A value diff (see environments/diff.ts) as a person reads it: a terminal table, or Markdown for a pull-request comment. */
import type { Status } from '../../graph/targets.ts';
import type { EnvironmentDiff, ValueDifference } from '../environments/diff.ts';
import { formatValue } from '../units.ts';
import { counted } from '../words.ts';
import type { DiffFormat } from './diff-formats.ts';
import { table } from './summary.ts';


const STATUS_WORDS: Record<Status, string> = { green: 'on target', amber: 'near', red: 'off', none: '-' };

/** `+4`, `-1.20%`: the change in the KPI's unit, signed. */
export function changeText(difference: ValueDifference): string {
  if (difference.change === null) return difference.ours.value === null ? 'no value now' : 'had no value';
  const text = formatValue(difference.change, difference.unit);
  return difference.change > 0 ? `+${text}` : text;
}

/** `on target → off`, or one status when it did not change. */
export function statusText(difference: ValueDifference): string {
  const [theirs, ours] = [STATUS_WORDS[difference.theirs.status], STATUS_WORDS[difference.ours.status]];
  return theirs === ours ? theirs : `${theirs} → ${ours}`;
}

/** What a KPI-week's difference is when one side holds no row for it. */
function presence(diff: EnvironmentDiff, difference: ValueDifference): string | undefined {
  if (!difference.theirs.present) return `only in ${diff.environment}`;
  if (!difference.ours.present) return `only in ${diff.against}`;
  return undefined;
}

function rowsOf(diff: EnvironmentDiff): string[][] {
  return diff.differences.map((difference) => [
    difference.nodeId,
    difference.week,
    difference.theirs.display,
    difference.ours.display,
    presence(diff, difference) ?? changeText(difference),
    statusText(difference),
    difference.cellChanges ? 'changes' : 'same',
  ]);
}

const header = (diff: EnvironmentDiff) => ['kpi', 'week', diff.against, diff.environment, 'change', 'status', 'cell'];

function scorecardLines(diff: EnvironmentDiff): string[] {
  return diff.scorecards
    .filter((scorecard) => scorecard.cellsChanged > 0 || diff.differences.some((difference) => difference.domain === scorecard.domain))
    .map((scorecard) => `${scorecard.domain}: ${counted(scorecard.cellsChanged, 'cell')} ${scorecard.cellsChanged === 1 ? 'changes' : 'change'}, ${scorecard.crossingThreshold} ${scorecard.crossingThreshold === 1 ? 'crosses' : 'cross'} a threshold`);
}

export function formatDiff(diff: EnvironmentDiff, format: DiffFormat): string {
  if (format === 'json') return `${JSON.stringify(diff, null, 2)}\n`;
  const same = `${diff.environment} and ${diff.against} hold the same values for the selection`;
  if (format === 'markdown') {
    if (diff.differences.length === 0) return `### Values: \`${diff.environment}\` against \`${diff.against}\`\n\n${same}.\n`;
    const cells = (row: readonly string[]) => `| ${row.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
    return [
      `### Values: \`${diff.environment}\` against \`${diff.against}\``,
      '',
      ...scorecardLines(diff).map((line) => `- **${line.replace(':', '**:')}`),
      '',
      cells(header(diff)),
      '|---|---|---:|---:|---:|---|---|',
      ...rowsOf(diff).map(cells),
      '',
    ].join('\n');
  }
  if (diff.differences.length === 0) return `${same}\n`;
  return [
    `${diff.environment} against ${diff.against}: ${counted(diff.differences.length, 'KPI-week')} differ`,
    ...table(header(diff), rowsOf(diff)),
    '',
    ...scorecardLines(diff),
    '',
  ].join('\n');
}
