import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
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

/** Runs the CLI as a user would (`pnpm pipeline …` is `tsx pipeline/cli.ts …`) in its own process. */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return spawnNode(['--import', 'tsx', join(REPO, 'pipeline', 'cli.ts'), ...args], env).done;
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
