import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedDeclaration } from '../../graph/build.ts';
import type { Declaration } from '../../graph/declare.ts';
import { DefinitionError } from '../../graph/errors.ts';
import type { Problem } from '../../graph/errors.ts';
import { compareCodePoints } from '../../graph/text.ts';
import { CodeHasher } from '../engine/fingerprint.ts';
import { compileNodes, compileSeparately } from './node-build.ts';
import type { CompiledNode } from './node-build.ts';

const NODE_FILE = /\.(ts|mts|js|mjs)$/;
/** A KPI's examples beside it (`kpi06.examples.ts`): read by `pipeline test`, not a node. */
export const EXAMPLES_FILE = /\.examples\.(ts|mts|js|mjs)$/;

/**
 * Imports every node file under `dir` (`<dir>/<domain>/<file>.ts`; names starting with `_` are
 * skipped), compiled by compileNodes, which gives `hasher` their code hashes. A file that does
 * not compile, fails to import or exports no declaration is reported with its path; all
 * problems come at once, in file order.
 */
export async function loadDeclarations(dir: string, root: string = process.cwd(), hasher: CodeHasher = new CodeHasher(root)): Promise<LoadedDeclaration[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    throw new DefinitionError([{ message: `cannot read the nodes folder ${dir}: ${(error as Error).message}` }]);
  }
  // Names starting with `_` are helpers shared by node files (`_sql.ts`, `_lib/`), not nodes;
  // packages and hidden folders (a nodes folder that is also the root holds the compiled ones) neither.
  const skipped = (part: string) => part.startsWith('_') || part.startsWith('.') || part === 'node_modules';
  const files = entries
    .filter((entry) => NODE_FILE.test(entry) && !EXAMPLES_FILE.test(entry) && !entry.endsWith('.d.ts') && !entry.split(sep).some(skipped))
    .sort();
  const problems: Problem[] = [];
  const loaded: LoadedDeclaration[] = [];
  const inFolders = files.filter((entry) => {
    if (entry.split(sep).length >= 2) return true;
    problems.push({ file: relative(root, join(dir, entry)) || entry, message: 'node files belong in a domain folder: nodes/<domain>/<file>.ts' });
    return false;
  });
  const folders = new Map<string, string[]>();
  for (const entry of inFolders) {
    const folder = entry.split(sep)[0]!;
    const files = folders.get(folder);
    if (files) files.push(join(dir, entry));
    else folders.set(folder, [join(dir, entry)]);
  }
  const compiled = await compileNodes(folders, root, hasher);
  problems.push(...compiled.problems);
  const namespaces = await importNamespaces(compiled.modules, root, problems);
  // Relative to the root once for the folder, not once per file: a thousand `relative` calls cost 20 ms.
  const base = relative(root, dir);
  for (const entry of inFolders) {
    const path = join(dir, entry);
    const file = join(base, entry);
    const namespace = namespaces.get(path);
    if (namespace === undefined) continue;
    if (!isDeclaration(namespace.default)) {
      problems.push({ file, message: 'exports no declaration; add `export default defineKpi({...})`, `defineModel({...})` or `definePublish({...})`' });
      continue;
    }
    loaded.push({ file, folder: entry.split(sep)[0]!, declaration: namespace.default });
  }
  if (problems.length > 0) throw new DefinitionError(problems.sort((a, b) => compareCodePoints(a.file ?? '', b.file ?? '')));
  if (loaded.length === 0) throw new DefinitionError([{ message: `no node files found in ${dir}` }]);
  return loaded;
}

/**
 * Each compiled file's module namespace: one import per folder's module. A module that throws
 * as it loads is imported again file by file, so the file that throws is named and the others load.
 */
async function importNamespaces(modules: ReadonlyMap<string, CompiledNode>, root: string, problems: Problem[]): Promise<Map<string, { default?: unknown }>> {
  const byModule = new Map<string, [file: string, name: string][]>();
  for (const [file, { module, name }] of modules) byModule.set(module, [...(byModule.get(module) ?? []), [file, name]]);
  const namespaces = new Map<string, { default?: unknown }>();
  await Promise.all(
    [...byModule].map(async ([module, files]) => {
      try {
        // Each build is a new file: an edited node loads anew in a long-lived process (tests, a scheduler).
        const exports = (await import(pathToFileURL(module).href)) as Record<string, { default?: unknown }>;
        for (const [file, name] of files) namespaces.set(file, exports[name]!);
      } catch {
        const separate = await compileSeparately(
          files.map(([file]) => file),
          root,
        );
        for (const [file, path] of separate) {
          try {
            namespaces.set(file, (await import(pathToFileURL(path).href)) as { default?: unknown });
          } catch (error) {
            problems.push({ file: relative(root, file) || file, message: `cannot be loaded: ${(error as Error).message}` });
          }
        }
      }
    }),
  );
  return namespaces;
}

function isDeclaration(value: unknown): value is Declaration {
  return typeof value === 'object' && value !== null && 'kind' in value && (value.kind === 'kpi' || value.kind === 'publish' || value.kind === 'model');
}
