/**
 * The CLI as users start it, one whole process per sample: `node_modules/.bin/kpi` (the bin,
 * on the built engine) and `pnpm pipeline`, on the embedded warehouse and on PostgreSQL. Each
 * process's peak memory is read from /proc just before it exits (peak-memory.mjs).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, utimes } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../pipeline/config.ts';
import { tableFingerprint } from '../pipeline/engine/fingerprint.ts';
import { processStat } from '../pipeline/engine/processes.ts';
import { loadFixtures } from '../pipeline/connectors/warehouse/fixtures.ts';
import { migrate } from '../pipeline/connectors/warehouse/migrations.ts';
import { openPostgres } from '../pipeline/connectors/warehouse/postgres.ts';
import { openWarehouse } from '../pipeline/connectors/warehouse/warehouse.ts';
import { createLogger } from '../pipeline/log.ts';
import { constant, inTurns, ratios, summarize, timed } from './measure.ts';
import type { Row } from './measure.ts';
import { BENCH_WEEK, KPIS_PER_DOMAIN, generateProject } from './thousand.ts';

const REPO = join(import.meta.dirname, '..');
const PEAK_MEMORY_HOOK = join(import.meta.dirname, 'peak-memory.mjs');
const PGLITE_ALONE = join(import.meta.dirname, 'pglite-alone.mjs');
const POSTGRES_ALONE = join(import.meta.dirname, 'postgres-alone.mjs');

export interface Launcher {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

export const BIN: Launcher = { name: 'kpi bin', command: join(REPO, 'node_modules', '.bin', 'kpi'), args: [] };
export const PNPM: Launcher = { name: 'pnpm pipeline', command: 'pnpm', args: ['pipeline'] };

export interface ProcessSample {
  readonly ms: number;
  /** The peak resident memory of the engine's own process (not pnpm's), in MB. */
  readonly peakMb: number;
  /** The CPU time of the engine process's main thread, user and system: the part that cannot run in parallel. */
  readonly cpuMs: number;
  /** The CPU time of the whole engine process, every thread. */
  readonly processCpuMs: number;
  readonly stdout: string;
}

/** Starts one process and waits for it; a non-zero exit is a crash of the benchmark. */
export async function runProcess(command: string, args: readonly string[], env: Record<string, string>): Promise<ProcessSample> {
  const memoryLog = join(tmpdir(), `kpi-bench-memory-${randomBytes(4).toString('hex')}.jsonl`);
  const start = performance.now();
  const child = spawn(command, args, {
    cwd: REPO,
    env: { ...process.env, DATABASE_URL: '', ...env, NODE_OPTIONS: `--import ${PEAK_MEMORY_HOOK}`, KPI_PEAK_MEMORY_LOG: memoryLog },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`);
  const peaks = (await readFile(memoryLog, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { script: string; peakKb: number; mainThreadCpuMs: number; processCpuMs: number });
  await rm(memoryLog, { force: true });
  const engine = peaks.find((peak) => peak.script.endsWith('kpi.js') || peak.script.endsWith('-alone.mjs'));
  return { ms, peakMb: (engine?.peakKb ?? Number.NaN) / 1024, cpuMs: engine?.mainThreadCpuMs ?? Number.NaN, processCpuMs: engine?.processCpuMs ?? Number.NaN, stdout };
}

const launch = (launcher: Launcher, args: readonly string[], env: Record<string, string>) => runProcess(launcher.command, [...launcher.args, ...args], env);

/** A warehouse with the demo source data and nothing computed, copied or cloned anew for every run that must start from scratch. */
export interface BenchWarehouse {
  readonly engine: 'embedded' | 'postgres';
  /**
   * Process time targets of the demo's `plan` and of its all-fresh weekly rerun, and of the
   * 1,000-KPI project's commands (see thousandKpiTimes) where the issue states them.
   */
  readonly targetMs: { readonly plan: number; readonly freshRun: number; readonly thousand?: ThousandTargets };
  /** A new copy of the seeded warehouse, with its own state and scorecard folders. */
  fresh(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
  /** What the floor process does, e.g. `node + PGlite opening the store, one query`. */
  readonly floorLabel: string;
  /**
   * The floor under every command on the warehouse of `env` (a copy from `fresh`): Node
   * starting, opening or connecting to it and sending one query, as a whole process.
   */
  floor(env: Record<string, string>): Promise<ProcessSample>;
  /** The CPU time the warehouse server has used so far (PostgreSQL on this machine), or undefined where it cannot be read. */
  serverCpuMs?(): Promise<number | undefined>;
  cleanup(): Promise<void>;
}

/**
 * The CPU time of every `postgres` process on this machine, the exited ones included (a
 * backend's time passes to the postmaster's children's time when it is reaped): undefined
 * when none can be seen, e.g. a server on another machine.
 */
async function postgresServerCpuMs(): Promise<number | undefined> {
  const servers = (await readdir('/proc').catch(() => [] as string[]))
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      const stat = processStat(Number(pid));
      return stat?.name === 'postgres' ? [stat] : [];
    });
  return servers.length === 0 ? undefined : (servers.reduce((sum, stat) => sum + stat.cpuTicks, 0) * 1000) / TICKS_PER_SECOND;
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

const silent = () => createLogger({ level: 'silent' });

const warehouseName = (warehouse: BenchWarehouse) => (warehouse.engine === 'embedded' ? 'embedded warehouse (PGlite)' : 'PostgreSQL');

export async function embeddedWarehouse(): Promise<BenchWarehouse> {
  const seed = await mkdtemp(join(tmpdir(), 'kpi-bench-seed-'));
  const config = await loadConfig({ file: join(REPO, 'kpi.config.json'), explicit: true }, { KPI_STATE_DIR: seed, DATABASE_URL: '' });
  await (await openWarehouse(config, silent())).close();
  return {
    engine: 'embedded',
    targetMs: { plan: 1500, freshRun: 1500 },
    async fresh() {
      const dir = await mkdtemp(join(tmpdir(), 'kpi-bench-'));
      await cp(seed, join(dir, 'state'), { recursive: true });
      return { env: { KPI_STATE_DIR: join(dir, 'state'), KPI_SCORECARD_DIR: join(dir, 'scorecards') }, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
    floorLabel: 'node + PGlite opening the store, one query',
    floor: (env) => runProcess(process.execPath, [PGLITE_ALONE, join(env.KPI_STATE_DIR!, 'warehouse')], env),
    cleanup: () => rm(seed, { recursive: true, force: true }),
  };
}

/** On the server of `serverUrl`: a seeded template database, cloned for every fresh warehouse. */
export async function postgresWarehouse(serverUrl: string): Promise<BenchWarehouse> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const databaseUrl = (name: string) => Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const template = `kpi_bench_seed_${randomBytes(4).toString('hex')}`;
  const clones: string[] = [];
  await admin.query(`create database ${template}`);
  const seed = openPostgres(databaseUrl(template), silent());
  try {
    await migrate(seed.db);
    await loadFixtures(seed.db, join(REPO, 'fixtures', 'warehouse'));
  } finally {
    await seed.close();
  }
  return {
    engine: 'postgres',
    targetMs: { plan: 700, freshRun: 400, thousand: { changedPlan: 2000, plan: 600, freshRun: 1000 } },
    serverCpuMs: postgresServerCpuMs,
    async fresh() {
      const name = `kpi_bench_${randomBytes(4).toString('hex')}`;
      await admin.query(`create database ${name} template ${template}`);
      clones.push(name);
      const dir = await mkdtemp(join(tmpdir(), 'kpi-bench-'));
      return {
        env: { DATABASE_URL: databaseUrl(name), KPI_STATE_DIR: join(dir, 'state'), KPI_SCORECARD_DIR: join(dir, 'scorecards') },
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
    floorLabel: 'node + connecting to PostgreSQL, one query',
    floor: (env) => runProcess(process.execPath, [POSTGRES_ALONE], env),
    async cleanup() {
      for (const name of [...clones, template]) await dropWhenIdle(admin, name);
      await admin.end();
    },
  };
}

/**
 * `--help`, `plan`, the all-fresh weekly rerun and the first weekly run, through the bin and
 * through pnpm, with the engine process's peak memory; `plan` and the rerun also against the
 * warehouse's floor, and on the embedded warehouse the peak memory against what PGlite alone
 * takes to open the same store.
 */
export async function commandTimes(warehouse: BenchWarehouse, turns: number, options: { viaPnpm: boolean }): Promise<Row[]> {
  const section = `Whole process, ${warehouseName(warehouse)}`;
  const rows: Row[] = [];
  const { env, cleanup } = await warehouse.fresh();
  try {
    // The first run on a warehouse holding only the demo data: every KPI of the weekly run computed.
    const firstRuns: ProcessSample[] = [];
    for (let turn = 0; turn < turns; turn++) {
      const copy = await warehouse.fresh();
      try {
        firstRuns.push(await launch(BIN, ['run'], copy.env));
      } finally {
        await copy.cleanup();
      }
    }
    await launch(BIN, ['run'], env);

    const commands: { name: string; args: string[]; targetMs?: number }[] = [
      { name: '`--help`', args: ['--help'], targetMs: 300 },
      { name: '`plan`', args: ['plan'], targetMs: warehouse.targetMs.plan },
      { name: 'weekly `run`, all fresh', args: ['run'], targetMs: warehouse.targetMs.freshRun },
    ];
    let freshRuns: ProcessSample[] = [];
    let plans: ProcessSample[] = [];
    for (const command of commands) {
      const bin: ProcessSample[] = [];
      const viaPnpm: ProcessSample[] = [];
      if (options.viaPnpm) {
        await inTurns(
          turns,
          async () => (bin.push(await launch(BIN, command.args, env)), 0),
          async () => (viaPnpm.push(await launch(PNPM, command.args, env)), 0),
        );
      } else {
        for (let turn = 0; turn < turns; turn++) bin.push(await launch(BIN, command.args, env));
      }
      const binMs = bin.map((sample) => sample.ms);
      const target = command.targetMs ?? Number.NaN;
      rows.push({
        section,
        measure: `${command.name}, ${BIN.name}`,
        unit: 'ms',
        ours: summarize(binMs),
        against: { label: 'target', value: constant(target) },
        ratio: ratios(binMs, [target]),
        target: '≤ 1.00',
      });
      if (options.viaPnpm) {
        rows.push({
          section,
          measure: `${command.name}, ${PNPM.name}`,
          unit: 'ms',
          ours: summarize(viaPnpm.map((sample) => sample.ms)),
          against: { label: BIN.name, value: summarize(binMs) },
          ratio: ratios(viaPnpm.map((sample) => sample.ms), binMs),
          target: '',
        });
      }
      if (command.args[0] === 'run') freshRuns = bin;
      if (command.args[0] === 'plan') plans = bin;
    }
    rows.push({
      section,
      measure: `first weekly \`run\` (every KPI computed), ${BIN.name}`,
      unit: 'ms',
      ours: summarize(firstRuns.map((sample) => sample.ms)),
      against: { label: 'all-fresh rerun', value: summarize(freshRuns.map((sample) => sample.ms)) },
      ratio: ratios(firstRuns.map((sample) => sample.ms), freshRuns.map((sample) => sample.ms)),
      target: '',
    });
    const floors: ProcessSample[] = [];
    for (let turn = 0; turn < turns; turn++) floors.push(await warehouse.floor(env));
    for (const [name, samples] of [['`plan`', plans], ['weekly `run`, all fresh', freshRuns]] as const) {
      rows.push({
        section,
        measure: `${name}, ${BIN.name}, against the floor`,
        unit: 'ms',
        ours: summarize(samples.map((sample) => sample.ms)),
        against: { label: warehouse.floorLabel, value: summarize(floors.map((sample) => sample.ms)) },
        ratio: ratios(samples.map((sample) => sample.ms), floors.map((sample) => sample.ms)),
        target: '',
      });
    }
    if (warehouse.engine === 'embedded') {
      const alone = floors.map((sample) => sample.peakMb);
      for (const [name, samples] of [['weekly `run`, all fresh', freshRuns], ['first weekly `run`', firstRuns]] as const) {
        const peaks = samples.map((sample) => sample.peakMb);
        rows.push({
          section,
          measure: `peak memory, ${name}`,
          unit: 'MB',
          ours: summarize(peaks),
          against: { label: 'PGlite alone opening the store', value: summarize(alone) },
          ratio: ratios(peaks, alone),
          target: '≤ 1.30',
        });
      }
    } else {
      rows.push({
        section,
        measure: 'peak memory, weekly `run`, all fresh',
        unit: 'MB',
        ours: summarize(freshRuns.map((sample) => sample.peakMb)),
        against: { label: 'first weekly run', value: summarize(firstRuns.map((sample) => sample.peakMb)) },
        ratio: ratios(freshRuns.map((sample) => sample.peakMb), firstRuns.map((sample) => sample.peakMb)),
        target: '',
      });
    }
  } finally {
    await cleanup();
  }
  return rows;
}

/** The size the 1,000-KPI targets are stated for: 10 domains × 99 KPIs. */
const THOUSAND_DOMAINS = 10;

export interface ThousandTargets {
  /** `plan` after every node file changed. */
  readonly changedPlan: number;
  /** `plan` with nothing changed. */
  readonly plan: number;
  /** The all-fresh `run` of one week. */
  readonly freshRun: number;
}

/**
 * The generated project of `domainCount` domains × 99 KPIs (bench/thousand.ts) on a warehouse of
 * its own, one week through the bin: `plan` after every node file changed (each compiled again),
 * `plan` with nothing changed, the all-fresh `run` after one that computed everything, and the
 * first `run`; each in turns with the warehouse's floor, and against the warehouse's targets
 * where it has them, judged only at the size they are stated for.
 */
export async function thousandKpiTimes(warehouse: BenchWarehouse, domainCount: number, turns: number): Promise<Row[]> {
  const project = await generateProject(domainCount);
  const { env, cleanup } = await warehouse.fresh();
  try {
    const kpi = (args: readonly string[], environment = env) => launch(BIN, [...args, '--config', project.config, '--week', BENCH_WEEK], environment);
    const floorMs = async () => (await warehouse.floor(env)).ms;
    // Compiled once here (`ls` opens no warehouse): only the plans after a change compile.
    await launch(BIN, ['ls', '--config', project.config], env);
    const firstRuns = await inTurns(
      turns,
      async () => {
        const copy = await warehouse.fresh();
        try {
          return (await kpi(['run'], copy.env)).ms;
        } finally {
          await copy.cleanup();
        }
      },
      floorMs,
    );
    const firstTasks = tasksRun((await kpi(['run', '--json'])).stdout);
    const freshTasks = (JSON.parse((await kpi(['plan', '--format', 'json'])).stdout) as { summary: { tasks: number } }).summary.tasks;
    const changedPlans = await inTurns(
      turns,
      async () => {
        const now = new Date();
        await Promise.all(project.nodeFiles.map((file) => utimes(file, now, now)));
        return (await kpi(['plan'])).ms;
      },
      floorMs,
    );
    const plans = await inTurns(turns, async () => (await kpi(['plan'])).ms, floorMs);
    const freshRuns = await inTurns(turns, async () => (await kpi(['run'])).ms, floorMs);

    const kpis = domainCount * KPIS_PER_DOMAIN;
    const atTargetSize = domainCount === THOUSAND_DOMAINS;
    const section = `1,000-KPI project${atTargetSize ? '' : `, ${domainCount} of its ${THOUSAND_DOMAINS} domains`}, ${warehouseName(warehouse)}`;
    const targets = warehouse.targetMs.thousand;
    const measures: { name: string; samples: { ours: number[]; peer: number[] }; targetMs?: number }[] = [
      { name: `\`plan\`, first after every node file changed (${kpis.toLocaleString('en')} compiled)`, samples: changedPlans, targetMs: targets?.changedPlan },
      { name: '`plan`, nothing changed', samples: plans, targetMs: targets?.plan },
      { name: `all-fresh \`run\` of one week (${freshTasks.toLocaleString('en')} tasks)`, samples: freshRuns, targetMs: targets?.freshRun },
      { name: `first \`run\` of one week (${firstTasks.toLocaleString('en')} tasks, every KPI computed)`, samples: firstRuns },
    ];
    const rows: Row[] = [];
    for (const { name, samples, targetMs } of measures) {
      if (targetMs !== undefined) {
        rows.push({
          section,
          measure: `${name}, ${BIN.name}`,
          unit: 'ms',
          ours: summarize(samples.ours),
          against: { label: atTargetSize ? 'target' : `target for ${THOUSAND_DOMAINS} domains`, value: constant(targetMs) },
          ratio: ratios(samples.ours, [targetMs]),
          // A smaller project (the quick run's) is reported against the target, not judged by it.
          target: atTargetSize ? '≤ 1.00' : '',
        });
      }
      rows.push({
        section,
        measure: `${name}, ${BIN.name}, against the floor`,
        unit: 'ms',
        ours: summarize(samples.ours),
        against: { label: warehouse.floorLabel, value: summarize(samples.peer) },
        ratio: ratios(samples.ours, samples.peer),
        target: '',
      });
    }
    return rows;
  } finally {
    await cleanup();
    await project.cleanup();
  }
}

interface RunFinished {
  readonly event: 'run finished';
  readonly counts: Record<string, number>;
  readonly durationMs: number;
}

function runFinished(stdout: string): RunFinished {
  const event = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { event: string })
    .find((parsed) => parsed.event === 'run finished');
  if (!event) throw new Error('the run printed no `run finished` event');
  return event as RunFinished;
}

/** How many tasks a `run --json` ran or found fresh, whatever their outcome. */
function tasksRun(stdout: string): number {
  return Object.values(runFinished(stdout).counts).reduce((sum, count) => sum + count, 0);
}

/** A backfill of every domain from scratch: node-runs recorded per second of the whole process, from its start. */
export async function backfill(warehouse: BenchWarehouse, weeks: string, turns: number): Promise<Row[]> {
  const rates: number[] = [];
  const cpuRates: number[] = [];
  const machineRates: number[] = [];
  const cores = availableParallelism();
  let nodeRuns = 0;
  for (let turn = 0; turn < turns; turn++) {
    const { env, cleanup } = await warehouse.fresh();
    try {
      const serverBefore = await warehouse.serverCpuMs?.();
      const sample = await launch(BIN, ['run', '--weeks', weeks, '--yes', '--json'], env);
      const serverAfter = await warehouse.serverCpuMs?.();
      nodeRuns = tasksRun(sample.stdout);
      rates.push(nodeRuns / (sample.ms / 1000));
      cpuRates.push(nodeRuns / (sample.cpuMs / 1000));
      if (serverBefore !== undefined && serverAfter !== undefined) machineRates.push(nodeRuns / ((sample.processCpuMs + serverAfter - serverBefore) / 1000 / cores));
    } finally {
      await cleanup();
    }
  }
  const what = `${weeks} of every domain (${nodeRuns.toLocaleString('en')} node-runs), ${warehouse.engine}`;
  return [
    { section: 'Backfill', measure: `${what}, from process start`, unit: 'node-runs/s', ours: summarize(rates), against: { label: 'target', value: constant(400) }, ratio: ratios(rates, [400]), target: '≥ 1.00' },
    // JavaScript and PGlite run on the engine's main thread: its CPU time per node-run caps the rate whatever the warehouse does.
    {
      section: 'Backfill',
      measure: `${what}, per second of the engine's main-thread CPU time (the ceiling)`,
      unit: 'node-runs/s',
      ours: summarize(cpuRates),
      against: { label: 'target', value: constant(400) },
      ratio: ratios(cpuRates, [400]),
      target: '',
    },
    // The engine and the server share the machine's cores: their CPU time together, spread over
    // every core, bounds the rate whatever the concurrency.
    ...(machineRates.length === 0
      ? []
      : [
          {
            section: 'Backfill',
            measure: `${what}, per second of the CPU time of the engine process and the PostgreSQL server together, over ${cores} cores (the machine's ceiling)`,
            unit: 'node-runs/s',
            ours: summarize(machineRates),
            against: { label: 'target', value: constant(400) },
            ratio: ratios(machineRates, [400]),
            target: '',
          },
        ]),
  ];
}

/**
 * The weekly run with every KPI computed (`--force`, the KPIs' real queries) at
 * `--concurrency 1`, as the old scripts ran them one after another, against the default
 * concurrency: the speed-up, for the whole process and for the run itself.
 */
export async function concurrencySpeedUp(warehouse: BenchWarehouse, turns: number): Promise<Row[]> {
  const { env, cleanup } = await warehouse.fresh();
  try {
    await launch(BIN, ['run'], env);
    const one: ProcessSample[] = [];
    const standard: ProcessSample[] = [];
    await inTurns(
      turns,
      async () => (standard.push(await launch(BIN, ['run', '--force', '--json'], env)), 0),
      async () => (one.push(await launch(BIN, ['run', '--force', '--json', '--concurrency', '1'], env)), 0),
    );
    const whole = (samples: ProcessSample[]) => samples.map((sample) => sample.ms);
    const runOnly = (samples: ProcessSample[]) => samples.map((sample) => runFinished(sample.stdout).durationMs);
    const section = `Concurrency, ${warehouse.engine}`;
    const rows: Row[] = ([['whole process', whole], ['run phase (warehouse open to last task)', runOnly]] as const).map(([what, pick]) => ({
      section,
      measure: `weekly \`run --force\` at the default concurrency, ${what}`,
      unit: 'ms',
      ours: summarize(pick(standard)),
      against: { label: '`--concurrency 1`', value: summarize(pick(one)) },
      ratio: ratios(pick(standard), pick(one), true),
      target: '≥ 1.80 (speed-up)',
    }));
    // JavaScript runs on the engine's main thread: however many queries the server runs at once, the
    // process cannot finish before that thread's CPU time, so no speed-up exceeds wall / CPU at concurrency 1.
    const cpu = one.map((sample) => sample.cpuMs);
    rows.push({
      section,
      measure: 'the best speed-up possible: the engine\'s main-thread CPU time at `--concurrency 1`, against its whole-process time',
      unit: 'ms',
      ours: summarize(cpu),
      against: { label: '`--concurrency 1`, whole process', value: summarize(whole(one)) },
      ratio: ratios(cpu, whole(one), true),
      target: '',
    });
    return rows;
  } finally {
    await cleanup();
  }
}

/** The content checksum of table fingerprints (tableFingerprint) against a plain `count(*)`, per million rows. */
export async function checksumCost(serverUrl: string, rows: number, turns: number): Promise<Row> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `kpi_bench_rows_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  const warehouse = openPostgres(Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString(), silent());
  try {
    await sql`
      create table bench_rows as
      select n as id, md5(n::text) as client, (n % 997)::numeric / 7 as amount, timestamptz '2024-01-01' + n * interval '1 minute' as created_at
      from generate_series(1, ${sql.lit(rows)}) as n`.execute(warehouse.db);
    await sql`vacuum analyze bench_rows`.execute(warehouse.db);
    const perMillion = (ms: number) => (ms * 1_000_000) / rows;
    const samples = await inTurns(
      turns,
      async () => perMillion(await timed(() => tableFingerprint(warehouse.db, 'public.bench_rows'))),
      async () => perMillion(await timed(() => sql`select count(*) from bench_rows`.execute(warehouse.db))),
    );
    return {
      section: 'Table fingerprint',
      measure: `content checksum of ${rows.toLocaleString('en')} rows on PostgreSQL, per million rows`,
      unit: 'ms',
      ours: summarize(samples.ours),
      against: { label: '`count(*)`', value: summarize(samples.peer) },
      ratio: ratios(samples.ours, samples.peer),
      target: '',
    };
  } finally {
    await warehouse.close();
    await dropWhenIdle(admin, name);
    await admin.end();
  }
}

/**
 * A pool's end() resolves before its server processes exit, and a forced drop that ends one
 * whose client is still closing makes that client throw: wait for them to go first.
 */
async function dropWhenIdle(admin: pg.Client, name: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
    if (rows[0]?.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await admin.query(`drop database if exists ${name} with (force)`);
}

/**
 * `pipeline test` on the demo's examples, the whole process through the bin (each on an
 * in-memory PGlite of its own, so no warehouse is needed): its time against the 3 s target,
 * and examples per second.
 */
export async function exampleTimes(turns: number): Promise<Row[]> {
  // The first command after a schema change makes the examples' store and keeps it: not measured.
  await runProcess(BIN.command, ['test'], {});
  const samples: { ms: number; examples: number }[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const sample = await runProcess(BIN.command, ['test'], {});
    const passed = /^(\d+) passed, 0 failed$/m.exec(sample.stdout);
    if (!passed) throw new Error(`pipeline test did not pass every example:\n${sample.stdout.slice(-2000)}`);
    samples.push({ ms: sample.ms, examples: Number(passed[1]) });
  }
  const times = samples.map((sample) => sample.ms);
  const rates = samples.map((sample) => (sample.examples * 1000) / sample.ms);
  const what = `\`pipeline test\`, the demo's ${samples[0]!.examples} examples, kpi bin`;
  return [
    { section: 'KPI examples', measure: what, unit: 'ms', ours: summarize(times), against: { label: 'target', value: constant(3000) }, ratio: ratios(times, [3000]), target: '≤ 1.00' },
    {
      section: 'KPI examples',
      measure: `${what}, examples per second from process start`,
      unit: 'examples/s',
      ours: summarize(rates),
      against: { label: 'all of them in 3 s', value: constant((samples[0]!.examples * 1000) / 3000) },
      ratio: ratios(rates, [(samples[0]!.examples * 1000) / 3000]),
      target: '',
    },
  ];
}
