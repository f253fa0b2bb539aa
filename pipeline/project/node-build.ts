import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildFailure, Message, Plugin } from 'esbuild';
import type { Problem } from '../../graph/errors.ts';
import { DefinitionError } from '../../graph/errors.ts';
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

interface Stamp {
  /** The node files and the API they were compiled against. */
  readonly key: string;
  /**
   * Every project file bundled in, and this engine module (a new engine may hash code
   * differently), with its modification time and size when compiled.
   */
  readonly inputs: Record<string, string>;
  /** Each node file's compiled module (absolute path) and code hash (see CodeHasher). */
  readonly nodes: Record<string, { readonly module: string; readonly code: string }>;
}

export interface CompiledNodes {
  /** The module to import for each node file (absolute path), when it compiled. */
  readonly modules: ReadonlyMap<string, string>;
  /** Node files that do not compile, each with why. */
  readonly problems: readonly Problem[];
}

/**
 * Compiles the node files with esbuild, once: each becomes one JavaScript module with the
 * project files it imports bundled in, and `kpi-factory` and packages left as imports, so
 * importing them needs no TypeScript loader. The build is kept under node_modules/.cache with
 * its inputs' times and sizes and the files' code hashes; a command whose node files have not
 * changed imports it as it is, without starting esbuild. `hasher` learns each file's code hash.
 */
export async function compileNodes(files: readonly string[], root: string, hasher: CodeHasher): Promise<CompiledNodes> {
  const cache = cacheDirOf(root);
  const key = JSON.stringify({ api: API, files: [...files].sort() });
  const kept = currentStamp(join(cache, 'build.json'), key);
  if (kept) {
    for (const [file, node] of Object.entries(kept.nodes)) hasher.remember(file, node.code);
    return { modules: new Map(Object.entries(kept.nodes).map(([file, node]) => [file, node.module])), problems: [] };
  }
  return compile(files, root, hasher, cache, key);
}

/** The kept build's stamp, when it was made from these files as they are now. */
function currentStamp(path: string, key: string): Stamp | undefined {
  try {
    const stamp = JSON.parse(readFileSync(path, 'utf8')) as Stamp;
    if (stamp.key !== key) return undefined;
    for (const [file, version] of Object.entries(stamp.inputs)) if (versionOf(file) !== version) return undefined;
    // A cache cleared by hand leaves no module to import.
    if (!Object.values(stamp.nodes).every((node) => existsSync(node.module))) return undefined;
    return stamp;
  } catch {
    return undefined;
  }
}

const versionOf = (file: string) => {
  const stats = statSync(file);
  return `${stats.mtimeMs}:${stats.size}`;
};

async function compile(files: readonly string[], root: string, hasher: CodeHasher, cache: string, key: string): Promise<CompiledNodes> {
  const { build } = await import('esbuild');
  const outdir = join(cache, `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  const options = {
    absWorkingDir: root,
    bundle: true,
    format: 'esm' as const,
    platform: 'node' as const,
    target: 'node20',
    packages: 'external' as const,
    outdir,
    outExtension: { '.js': '.mjs' },
    metafile: true as const,
    logLevel: 'silent' as const,
    plugins: [declarationApi],
  };
  const problems: Problem[] = [];
  const built = new Map<string, string>();
  const inputs = new Set<string>([ENGINE_MODULE]);
  // Named by position: node files may lie outside the root, and two folders may hold the same name.
  const entriesOf = (indexes: readonly number[]) => Object.fromEntries(indexes.map((index) => [`node${index}`, files[index]!]));
  const record = (metafile: { inputs: Record<string, unknown> }, indexes: readonly number[]) => {
    for (const input of Object.keys(metafile.inputs)) inputs.add(resolve(root, input));
    for (const index of indexes) built.set(files[index]!, join(outdir, `node${index}.mjs`));
  };
  const all = files.map((_file, index) => index);
  try {
    record((await build({ ...options, entryPoints: entriesOf(all) })).metafile, all);
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    // One file that does not compile stops the whole build: compiled one by one, the others still load.
    for (const [index, file] of files.entries()) {
      try {
        record((await build({ ...options, entryPoints: entriesOf([index]) })).metafile, [index]);
      } catch (failure) {
        if (!isBuildFailure(failure)) throw failure;
        problems.push(...failure.errors.map((message) => compileProblem(root, file, message)));
      }
    }
  }
  const nodes: Record<string, { module: string; code: string }> = {};
  const hashes = await Promise.allSettled([...built.keys()].map((file) => hasher.hash(file)));
  for (const [index, [file, module]] of [...built].entries()) {
    const hash = hashes[index]!;
    if (hash.status === 'fulfilled') {
      nodes[file] = { module, code: hash.value };
      continue;
    }
    if (!(hash.reason instanceof DefinitionError)) throw hash.reason;
    problems.push(...hash.reason.problems);
    built.delete(file);
  }
  if (problems.length === 0) await keep(cache, outdir, { key, inputs: Object.fromEntries([...inputs].map((file) => [file, versionOf(file)])), nodes });
  return { modules: built, problems };
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
    const now = Date.now();
    for (const entry of await readdir(cache, { withFileTypes: true })) {
      const dir = join(cache, entry.name);
      if (!entry.isDirectory() || dir === outdir) continue;
      if (now - (await stat(dir)).mtimeMs > KEEP_OLD_BUILDS_MS) await rm(dir, { recursive: true, force: true });
    }
  } catch {
    // Without a kept build the next command compiles again: slower, never wrong.
  }
}
