import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { buildEngine, isBuildCurrent } from '../../bin/build.js';
import { REPO } from './environment.ts';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `node <args>` in the repository with the test's environment; `done` has what it printed and its exit code. */
export function spawnNode(args: readonly string[], env: Record<string, string>): { child: ChildProcessWithoutNullStreams; done: Promise<CliResult> } {
  return spawnCommand(process.execPath, args, env);
}

/** `pnpm <args>` exactly as typed in a clone (the project's .npmrc applies), with the test's environment. */
export function runPnpm(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return spawnCommand('pnpm', args, env).done;
}

function spawnCommand(command: string, args: readonly string[], env: Record<string, string>): { child: ChildProcessWithoutNullStreams; done: Promise<CliResult> } {
  const child = spawn(command, args, {
    cwd: REPO,
    // An empty DATABASE_URL keeps a developer's own warehouse out of the tests.
    env: { ...process.env, KPI_LOG_LEVEL: 'info', DATABASE_URL: '', ...env },
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

/**
 * Node's arguments that run the CLI as `pnpm pipeline` does: the bin, on the engine built into
 * dist/ (see runCli). `pnpm test` builds it first; a test file run on its own builds it here if
 * the sources changed, so no test runs an old build.
 */
export const CLI = [join(REPO, 'bin', 'kpi.js')];
if (!isBuildCurrent()) await buildEngine();

/** Two years of the Success scorecard, forced: a run long enough to act on while it runs. */
export const BACKFILL = ['run', '--target', 'success.publish', '--weeks', '2024-W01..2025-W52', '--yes', '--force'];

/** Two years of every scorecard, forced: several seconds even on PostgreSQL, for faults injected on a clock. */
export const LONG_BACKFILL = ['run', '--weeks', '2024-W01..2025-W52', '--yes', '--force'];

/** Runs the CLI in its own process as a user would, without pnpm's own start-up (see runPnpm). */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return spawnNode([...CLI, ...args], env).done;
}

/** Starts the CLI and resolves once its run holds the warehouse (its "run <id>: N tasks" line). */
export async function startHolding(args: readonly string[], env: Record<string, string>) {
  const started = spawnNode([...CLI, ...args], env);
  const runId = await untilStderr(started, (stderr) => /"msg":"run (\S+): \d+ tasks"/.exec(stderr)?.[1], 'holding the warehouse');
  return { ...started, runId };
}

/**
 * Resolves with what `find` finds in what a started CLI printed on stderr so far, once it finds
 * something; rejects if the CLI exits first. For acting on a run at a known point rather than
 * after a guessed delay.
 */
export function untilStderr<T>(started: ReturnType<typeof spawnNode>, find: (stderr: string) => T | undefined, what: string): Promise<T> {
  let stderr = '';
  return new Promise((resolve, reject) => {
    started.child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const found = find(stderr);
      if (found !== undefined) resolve(found);
    });
    void started.done.then((result) => reject(new Error(`exited ${result.code} before ${what}: ${result.stderr}`)));
  });
}

/**
 * A copy of a nodes folder inside the repository (under the ignored `.tmp/`), so its files
 * still resolve the `kpi-factory` package the way the real `nodes/` do.
 */
export async function copyNodes(from: string): Promise<string> {
  await mkdir(join(REPO, '.tmp'), { recursive: true });
  const dir = await mkdtemp(join(REPO, '.tmp', 'nodes-'));
  await cp(from, dir, { recursive: true });
  return dir;
}
