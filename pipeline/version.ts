import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The git commit the run's code came from (`abc1234`, `+dirty` with local changes), or undefined outside git. */
export async function codeVersion(root: string): Promise<string | undefined> {
  try {
    const { stdout: commit } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
    const { stdout: changes } = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root });
    return `${commit.trim()}${changes.trim() ? '+dirty' : ''}`;
  } catch {
    return undefined;
  }
}
