/**
 * `pnpm bench [--quick]`: every figure next to its peer's or its bound, measured in the same
 * run, as medians with min and max; printed as a markdown table and written to
 * bench/results.json. It reports and does not judge: a target not met exits 0, a crash does
 * not. `--quick` is CI's smoke run (one sample each, smaller graphs, a short backfill, the bin
 * only, not also through pnpm).
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { makespan, planTime, schedulerOverhead } from './engine.ts';
import { markdownTable } from './measure.ts';
import type { Row } from './measure.ts';
import { BIN, backfill, checksumCost, commandTimes, concurrencySpeedUp, embeddedWarehouse, exampleTimes, postgresWarehouse, runProcess, thousandKpiTimes } from './processes.ts';
import type { BenchWarehouse } from './processes.ts';

const quick = process.argv.includes('--quick');
const turns = quick ? 1 : 5;
const postgresUrl = process.env.KPI_TEST_POSTGRES_URL || process.env.DATABASE_URL || undefined;
const notes: string[] = [];
const rows: Row[] = [];
/** Progress on stderr, so a long run shows where it is; the results go to stdout at the end. */
const step = (what: string) => process.stderr.write(`bench: ${what}\n`);

// The bin rebuilds a stale engine before it runs: once here, so that no sample pays for it.
await runProcess(BIN.command, ['--help'], {});

step('scheduler overhead against p-graph');
rows.push(await schedulerOverhead(quick ? 2_000 : 10_000, turns));
step('makespan against the best possible schedule');
for (const size of quick ? [200] : [200, 600]) rows.push(...(await makespan(size, quick ? 1 : 3)));
step('plan time');
rows.push(...(await planTime(1_000, { label: 'target for 10,000, scaled', ms: 30 }, turns)));
// The target is stated at 10,000: the quick run measures it too (one sample, under 2 s).
rows.push(...(await planTime(10_000, { label: 'target', ms: 300 }, turns)));

step('pipeline test on the demo examples');
rows.push(...(await exampleTimes(turns)));

const warehouses: BenchWarehouse[] = [await embeddedWarehouse()];
if (postgresUrl) warehouses.push(await postgresWarehouse(postgresUrl));
else notes.push('PostgreSQL rows skipped: set KPI_TEST_POSTGRES_URL (a server where databases may be created) or DATABASE_URL.');
try {
  for (const warehouse of warehouses) {
    step(`whole-process times on ${warehouse.engine}`);
    rows.push(...(await commandTimes(warehouse, turns, { viaPnpm: !quick })));
  }
  // Embedded, the 1,000-KPI project's commands take seconds each: the quick run leaves them out.
  if (quick) notes.push('1,000-KPI project: the quick run measures 2 of its 10 domains, on PostgreSQL only; `pnpm bench` runs all 10, on both warehouses.');
  for (const warehouse of warehouses.filter((each) => !quick || each.engine === 'postgres')) {
    step(`the 1,000-KPI project on ${warehouse.engine}`);
    rows.push(...(await thousandKpiTimes(warehouse, quick ? 2 : 10, turns)));
  }
  const weeks = quick ? '2025-W01..2025-W08' : '2024-W01..2025-W52';
  for (const warehouse of warehouses) {
    step(`backfill ${weeks} on ${warehouse.engine}`);
    rows.push(...(await backfill(warehouse, weeks, quick ? 1 : 3)));
  }
  for (const warehouse of warehouses.filter((each) => each.engine === 'postgres')) {
    step('speed-up over --concurrency 1 on postgres');
    rows.push(...(await concurrencySpeedUp(warehouse, turns)));
  }
  if (postgresUrl) {
    step('table checksum cost on postgres');
    rows.push(await checksumCost(postgresUrl, quick ? 100_000 : 1_000_000, turns));
  }
} finally {
  for (const warehouse of warehouses) await warehouse.cleanup();
}

const judged = rows.map((row) => ({ ...row, ...verdict(row) }));
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.versions.node}, load average ${loadavg()[0]!.toFixed(1)} at the end`;
console.log(`${quick ? 'Quick run' : 'Run'} on ${machine}; medians (min–max) of ${turns} sample${turns === 1 ? '' : 's'} each\n`);
console.log(markdownTable(judged));
for (const note of notes) console.log(`\n${note}`);
await writeFile(
  join(import.meta.dirname, 'results.json'),
  `${JSON.stringify({ at: new Date().toISOString(), quick, machine, rows: judged, notes }, null, 2)}\n`,
);

/** Whether the ratio's median meets the row's target (`≤ 1.00`, `< 1.00`, `≥ 1.80 …`). */
function verdict(row: Row): { met?: boolean } {
  const match = /^(≤|<|≥)\s*([\d.]+)/.exec(row.target);
  if (!match) return {};
  const bound = Number(match[2]);
  const ratio = row.ratio.median;
  return { met: match[1] === '≤' ? ratio <= bound : match[1] === '<' ? ratio < bound : ratio >= bound };
}
