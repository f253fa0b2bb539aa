import { Html } from './html.ts';

const WIDTH = 120;
const HEIGHT = 28;
const MARGIN = 3;

/**
 * A small line of the values, drawn at build time; a week without a value breaks the line.
 * `data-points` says how many weeks have a value.
 */
export function sparkline(values: readonly (number | null)[]): Html {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) return new Html('<span class="sparkline empty" data-points="0">no values</span>');
  const low = Math.min(...present);
  const high = Math.max(...present);
  const x = (index: number) => MARGIN + (values.length === 1 ? (WIDTH - 2 * MARGIN) / 2 : (index * (WIDTH - 2 * MARGIN)) / (values.length - 1));
  const y = (value: number) => (high === low ? HEIGHT / 2 : MARGIN + ((high - value) * (HEIGHT - 2 * MARGIN)) / (high - low));
  const runs: string[][] = [[]];
  values.forEach((value, index) => {
    if (value === null) runs.push([]);
    else runs.at(-1)!.push(`${x(index).toFixed(1)},${y(value).toFixed(1)}`);
  });
  const lines = runs.filter((run) => run.length > 1).map((run) => `<polyline points="${run.join(' ')}"/>`);
  const last = values.findLastIndex((value) => value !== null);
  const dot = `<circle cx="${x(last).toFixed(1)}" cy="${y(values[last]!).toFixed(1)}" r="2.5"/>`;
  return new Html(
    `<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" data-points="${present.length}" aria-hidden="true">${lines.join('')}${dot}</svg>`,
  );
}
