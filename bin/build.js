// Builds the engine once into dist/ (run by `pnpm install` through `prepare`, and by bin/kpi.js
// when the sources changed), so a command runs JavaScript without transforming TypeScript.
// KPI files stay TypeScript: the engine compiles them itself when it loads them (pipeline/project/node-build.ts).
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** What the build was made from: every input file with its modification time. */
const STAMP = join(DIST, 'build.json');

/**
 * Whether dist/ was built from the sources as they are now: every source file the bundle was
 * made of, the lockfile (for the packages bundled in) and this script still have the
 * modification time they had then. A file added later counts once an input imports it, and
 * that input changed.
 */
export function isBuildCurrent() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return false;
  }
  try {
    return Object.entries(stamp.inputs).every(([file, mtimeMs]) => statSync(join(ROOT, file)).mtimeMs === mtimeMs);
  } catch {
    return false;
  }
}

/**
 * Bundles pipeline/cli.ts with each command (and each lazily loaded connector) in its own
 * chunk; packages stay external. Files are written under temporary names and renamed, entry
 * and stamp last, so a process starting meanwhile never loads half a build.
 */
export async function buildEngine() {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: ROOT,
    // api: what compiled node files import as `kpi-factory` (see pipeline/project/node-build.ts).
    entryPoints: { cli: 'pipeline/cli.ts', api: 'graph/declare.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [externalPackages],
    // The bundled CommonJS packages (commander, cron-parser) require Node's own modules.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    outdir: DIST,
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
  await mkdir(DIST, { recursive: true });
  const entry = join(DIST, 'cli.js');
  const outputs = [...result.outputFiles].sort((a, b) => (a.path === entry) - (b.path === entry));
  for (const file of outputs) await writeAtomically(file.path, file.contents);
  const written = new Set(outputs.map((file) => file.path));
  for (const name of await readdir(DIST)) {
    if (name.endsWith('.js') && !written.has(join(DIST, name))) await rm(join(DIST, name), { force: true });
  }
  // Bundled packages change only with the lockfile: it stands for them, a stat instead of hundreds.
  const sources = Object.keys(result.metafile.inputs).filter((file) => !file.includes('node_modules/'));
  const inputs = {};
  for (const file of [...sources, 'pnpm-lock.yaml', relative(ROOT, fileURLToPath(import.meta.url))]) {
    inputs[file] = statSync(join(ROOT, file)).mtimeMs;
  }
  await writeAtomically(STAMP, JSON.stringify({ inputs }, null, 1));
}

/**
 * Pure-JavaScript packages every command loads are bundled in: kysely alone is 257 ES modules,
 * zod 95, and Node loads each file on its own at every start. The others stay imports: native
 * code, WebAssembly, worker threads and files read at run time (pg, PGlite, DuckDB, pino,
 * esbuild), or libraries only some commands load (exceljs, Google's).
 */
const BUNDLED = new Set(['kysely', 'zod', 'temporal-polyfill', 'commander', 'graphology', 'graphology-dag', 'cron-parser', 'csv-parse', 'log-update']);

const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      // Inside a bundled package, its own dependencies are bundled too.
      const bundling = BUNDLED.has(name) || args.importer.includes('node_modules');
      return bundling && !args.path.startsWith('node:') ? undefined : { path: args.path, external: true };
    });
  },
};

async function writeAtomically(path, contents) {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildEngine();
