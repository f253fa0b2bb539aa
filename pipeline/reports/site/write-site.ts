import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../package-root.ts';
import type { SiteModel } from './model.ts';
import { renderPages } from './pages.ts';
import { ASSETS, INDEX_PAGE } from './paths.ts';
import { siteCss } from './style.ts';

/** Left in every site this writes, so that replacing a folder never deletes one it did not write. */
const MARKER = '.kpi-factory-site';

/** Library files the pages load, copied from the installed packages: nothing comes from the network. */
const LIBRARY_ASSETS = ['uplot/dist/uPlot.iife.min.js', 'uplot/dist/uPlot.min.css'] as const;

export class SiteFolderError extends Error {
  readonly code = 'usage';
}

/**
 * Writes the site into a fresh folder beside `out` and swaps it in, so a reader never sees
 * half a site. The sites inside it (environments', out/site/dev in out/site) are kept. Returns
 * the index page's path.
 */
export async function writeSite(model: SiteModel, out: string): Promise<string> {
  const nested = await sitesIn(out);
  if (existsSync(out) && !existsSync(join(out, MARKER)) && (await readdir(out)).some((entry) => !nested.includes(entry))) {
    throw new SiteFolderError(`${out} is not empty and was not written by pipeline docs: choose another --out, or empty it`);
  }
  await mkdir(dirname(out), { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const fresh = `${out}.new-${suffix}`;
  try {
    for (const page of renderPages(model)) {
      await mkdir(dirname(join(fresh, page.path)), { recursive: true });
      await writeFile(join(fresh, page.path), page.html);
    }
    await mkdir(join(fresh, ASSETS), { recursive: true });
    await writeFile(join(fresh, ASSETS, 'site.css'), siteCss());
    await copyFile(join(packageRoot(), 'pipeline', 'reports', 'site', 'assets', 'kpi-chart.js'), join(fresh, ASSETS, 'kpi-chart.js'));
    const require = createRequire(import.meta.url);
    for (const asset of LIBRARY_ASSETS) await copyFile(require.resolve(asset), join(fresh, ASSETS, asset.split('/').at(-1)!));
    await writeFile(join(fresh, MARKER), 'written by `pnpm pipeline docs`; the whole folder, but for the sites in it, is replaced on the next one\n');
  } catch (error) {
    await rm(fresh, { recursive: true, force: true });
    throw error;
  }
  const old = `${out}.old-${suffix}`;
  // A page of this site wins over a site of the same name (an environment called `kpi`).
  for (const name of nested) if (!existsSync(join(fresh, name))) await rename(join(out, name), join(fresh, name));
  if (existsSync(out)) await rename(out, old);
  await rename(fresh, out);
  await rm(old, { recursive: true, force: true });
  return join(out, INDEX_PAGE);
}

/** The folders of `dir` that are sites themselves. */
async function sitesIn(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, MARKER))).map((entry) => entry.name);
}
