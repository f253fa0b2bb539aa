import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildFailure, BuildOptions, Message, Metafile, Plugin } from 'esbuild';
import type { Problem } from '../../graph/errors.ts';
import type { CodeHasher } from '../engine/fingerprint.ts';

/**
 * The declaration API a compiled node file imports as `kpi-factory`: the built one beside the
 * built engine, or its source when the engine runs from its sources (under tsx: tests, bench).
 */
const API = new URL(import.meta.url.endsWith('.ts') ? '../../graph/declare.ts' : './api.js', import.meta.url).href;

/** The module compiling (a chunk of the built engine, rewritten by every build): a new engine compiles anew. */
const ENGINE_MODULE = fileURLToPath(import.meta.url);

/** Where compiled node files are kept, under the project: their package imports resolve from there as from the nodes. */
export const cacheDirOf = (root: string) => join(root, 'node_modules', '.cache', 'kpi-factory', 'nodes');

/** A build older than this may be removed by a newer one: a process still importing from it is long past its start. */
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;

/** One folder's node files compiled into one module. */
interface FolderBuild {
  /** The folder's node files (absolute, sorted) when compiled. */
  readonly files: readonly string[];
  /** Every project file bundled in, and this engine module, with its modification time and size when compiled. */
  readonly inputs: Record<string, string>;
  /** The module (absolute path): it exports each node file's module namespace as `node<index>`. */
  readonly module: string;
  /** Each node file's code hash (see CodeHasher). */
  readonly code: Record<string, string>;
}

interface Stamp {
  /** The API the builds were compiled against. */
  readonly api: string;
  /** By folder (`success`), relative to the nodes folder. */
  readonly folders: Record<string, FolderBuild>;
}

/** Where a node file's module namespace is: the `name` export of `module`. */
export interface CompiledNode {
  readonly module: string;
  readonly name: string;
}

export interface CompiledNodes {
  /** Each node file (absolute path) that compiled. */
  readonly modules: ReadonlyMap<string, CompiledNode>;
  /** Node files that do not compile, each with why. */
  readonly problems: readonly Problem[];
}

/**
 * Compiles the node files with esbuild, one module per folder (a domain): each file with the
 * project files it imports bundled in, `kpi-factory` and packages left as imports, so loading a
 * project of a thousand KPIs is a few imports and needs no TypeScript loader. Each folder's
 * build is kept under node_modules/.cache with its inputs' times and sizes and its files' code
 * hashes; a command imports a folder's kept build when none of its files changed, and compiles
 * again only the folders where one did. `hasher` learns each file's code hash.
 */
export async function compileNodes(folders: ReadonlyMap<string, readonly string[]>, root: string, hasher: CodeHasher): Promise<CompiledNodes> {
  const cache = cacheDirOf(root);
  const kept = keptStamp(join(cache, 'build.json'));
  const modules = new Map<string, CompiledNode>();
  const problems: Problem[] = [];
  /** The builds the stamp keeps: the folders kept as they were, and those compiled anew without a problem. */
  const current: Record<string, FolderBuild> = {};
  const stale: [string, string[]][] = [];
  for (const [folder, unsorted] of folders) {
    const files = [...unsorted].sort();
    const build = kept?.folders[folder];
    if (build && isCurrent(build, files)) {
      current[folder] = build;
      for (const [file, code] of Object.entries(build.code)) hasher.remember(file, code);
      addModules(modules, build);
    } else {
      stale.push([folder, files]);
    }
  }
  if (stale.length === 0) return { modules, problems };
  const outdir = join(cache, `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  const { build } = await import('esbuild');
  const compiled = await Promise.all(stale.map(([_folder, files], index) => compileFolder(build, files, root, join(outdir, `folder${index}.mjs`), hasher)));
  for (const [index, result] of compiled.entries()) {
    problems.push(...result.problems);
    if (result.build === undefined) continue;
    // A folder with a file that does not compile loads its other files, and is compiled again next time.
    if (result.problems.length === 0) current[stale[index]![0]] = result.build;
    addModules(modules, result.build);
  }
  await keep(cache, outdir, { api: API, folders: current });
  return { modules, problems };
}

/**
 * Each file compiled into a module of its own, kept nowhere: where a folder's module cannot be
 * imported (a file throws as it loads), importing the files one by one says which.
 */
export async function compileSeparately(files: readonly string[], root: string): Promise<Map<string, string>> {
  const { build } = await import('esbuild');
  const outdir = join(cacheDirOf(root), `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  const entryPoints = Object.fromEntries(files.map((file, index) => [`node${index}`, file]));
  await build({ ...buildOptions(root), outdir, outExtension: { '.js': '.mjs' }, entryPoints });
  return new Map(files.map((file, index) => [file, join(outdir, `node${index}.mjs`)]));
}

function addModules(modules: Map<string, CompiledNode>, build: FolderBuild): void {
  for (const [index, file] of build.files.entries()) if (file in build.code) modules.set(file, { module: build.module, name: `node${index}` });
}

/** The kept stamp, when it was made against this API. */
function keptStamp(path: string): Stamp | undefined {
  try {
    const stamp = JSON.parse(readFileSync(path, 'utf8')) as Stamp;
    return stamp.api === API && typeof stamp.folders === 'object' ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a folder's kept build was made from these files as they are now (and its module is still there: a cache cleared by hand). */
function isCurrent(build: FolderBuild, files: readonly string[]): boolean {
  if (build.files.length !== files.length || build.files.some((file, index) => file !== files[index])) return false;
  try {
    for (const [file, version] of Object.entries(build.inputs)) if (versionOf(file) !== version) return false;
  } catch {
    return false;
  }
  return existsSync(build.module);
}

const versionOf = (file: string) => {
  const stats = statSync(file);
  return `${stats.mtimeMs}:${stats.size}`;
};

type Build = typeof import('esbuild').build;

/** The options every node build shares; `kpi-factory` resolves to the engine's API, packages stay imports. */
const buildOptions = (root: string): BuildOptions => ({
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  metafile: true,
  logLevel: 'silent',
  plugins: [declarationApi],
});

/** The name of a folder's entry module, which exists only in memory. */
const FOLDER_ENTRY = '<nodes>';

/** A module exporting each file's module namespace as `node<index>`: a file without a default export still compiles, and the loader says what it lacks. */
const folderEntry = (files: readonly string[]) => files.map((file, index) => `import * as node${index} from ${JSON.stringify(file)};\nexport { node${index} };`).join('\n');

/**
 * Compiles one folder into `outfile`. One file that does not compile stops the whole build:
 * then each file is compiled alone to find which, and the folder's module holds the others.
 */
async function compileFolder(
  build: Build,
  files: readonly string[],
  root: string,
  outfile: string,
  hasher: CodeHasher,
): Promise<{ build?: FolderBuild; problems: Problem[] }> {
  const bundle = (entries: readonly string[]) =>
    build({ ...buildOptions(root), outfile, stdin: { contents: folderEntry(entries), resolveDir: root, sourcefile: FOLDER_ENTRY, loader: 'js' } });
  const problems: Problem[] = [];
  let good: string[] = [...files];
  let metafile: Metafile;
  try {
    metafile = (await bundle(files)).metafile!;
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    good = [];
    for (const file of files) {
      try {
        await build({ ...buildOptions(root), write: false, entryPoints: [file] });
        good.push(file);
      } catch (failure) {
        if (!isBuildFailure(failure)) throw failure;
        problems.push(...failure.errors.map((message) => compileProblem(root, file, message)));
      }
    }
    if (good.length === 0) return { problems };
    metafile = (await bundle(good)).metafile!;
  }
  const imports = importsOf(metafile, root);
  const code: Record<string, string> = {};
  await Promise.all(good.map(async (file) => (code[file] = await hasher.hashWithImports(file, closureOf(file, imports)))));
  const inputs: Record<string, string> = { [ENGINE_MODULE]: versionOf(ENGINE_MODULE) };
  for (const input of imports.keys()) inputs[input] = versionOf(input);
  // Indexes are positions in `good`: the module's exports were numbered by them.
  return { build: { files: good, inputs, module: outfile, code }, problems };
}

/** Each bundled project file (absolute) with the project files it imports. */
function importsOf(metafile: Metafile, root: string): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  for (const [input, { imports: found }] of Object.entries(metafile.inputs)) {
    if (input === FOLDER_ENTRY) continue;
    imports.set(
      resolve(root, input),
      found.filter((item) => !item.external).map((item) => resolve(root, item.path)),
    );
  }
  return imports;
}

/** A file and every project file it imports, directly or not. */
function closureOf(file: string, imports: ReadonlyMap<string, readonly string[]>): string[] {
  const seen = new Set([file]);
  for (const path of seen) for (const next of imports.get(path) ?? []) seen.add(next);
  return [...seen];
}

/** `kpi-factory` is imported from the engine that compiles, wherever the project's node_modules points. */
const declarationApi: Plugin = {
  name: 'kpi-factory',
  setup(build) {
    build.onResolve({ filter: /^kpi-factory$/ }, () => ({ path: API, external: true }));
  },
};

function isBuildFailure(error: unknown): error is BuildFailure {
  return typeof error === 'object' && error !== null && Array.isArray((error as BuildFailure).errors);
}

/** Said as the code hash says it (see CodeHasher), so a missing import reads the same wherever it is found. */
function compileProblem(root: string, file: string, message: Message): Problem {
  const where = message.location ? `${message.location.file}:${message.location.line}: ` : '';
  const what = message.text.startsWith('Could not resolve') ? 'its code cannot be followed' : 'cannot be compiled';
  return { file: relative(root, file), message: `${what}: ${where}${message.text}` };
}

/** Writes the stamp last, by rename, so another process never reads half of it; then removes builds long replaced. */
async function keep(cache: string, outdir: string, stamp: Stamp): Promise<void> {
  try {
    const path = join(cache, 'build.json');
    const temporary = `${path}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;
    await writeFile(temporary, JSON.stringify(stamp));
    await rename(temporary, path);
    const inUse = new Set([outdir, ...Object.values(stamp.folders).map((build) => resolve(build.module, '..'))]);
    const now = Date.now();
    for (const entry of await readdir(cache, { withFileTypes: true })) {
      const dir = join(cache, entry.name);
      if (!entry.isDirectory() || inUse.has(dir)) continue;
      if (now - (await stat(dir)).mtimeMs > KEEP_OLD_BUILDS_MS) await rm(dir, { recursive: true, force: true });
    }
  } catch {
    // Without a kept build the next command compiles again: slower, never wrong.
  }
}
