import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';
import { codeVersion } from '../version.ts';

const PACKAGE_ROOT = packageRoot();

/**
 * `--version`: `kpi-factory 0.1.0`, with the commit (`+dirty` with local changes) when the
 * code runs from a checkout of its own repository. Loads nothing but the package file and git.
 */
export async function versionCommand(): Promise<void> {
  const { name, version } = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  // Installed inside another repository (node_modules), git would report that repository's commit.
  const commit = existsSync(join(PACKAGE_ROOT, '.git')) ? await codeVersion(PACKAGE_ROOT) : undefined;
  process.stdout.write(`${name} ${version}${commit ? ` (${commit})` : ''}\n`);
}
