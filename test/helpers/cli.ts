import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO } from './environment.ts';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI as a user would (`pnpm pipeline …` is `tsx pipeline/cli.ts …`) in its own process. */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'pipeline', 'cli.ts'), ...args], {
      cwd: REPO,
      env: { ...process.env, KPI_LOG_LEVEL: 'info', DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
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
