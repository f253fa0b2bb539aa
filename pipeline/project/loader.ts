import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedDeclaration } from '../../graph/build.ts';
import type { Declaration } from '../../graph/declare.ts';
import { DefinitionError } from '../../graph/errors.ts';
import type { Problem } from '../../graph/errors.ts';
import { compareCodePoints } from '../../graph/text.ts';
import { CodeHasher } from '../engine/fingerprint.ts';
import { compileNodes } from './node-build.ts';

const NODE_FILE = /\.(ts|mts|js|mjs)$/;

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
    .filter((entry) => NODE_FILE.test(entry) && !entry.endsWith('.d.ts') && !entry.split(sep).some(skipped))
    .sort();
  const problems: Problem[] = [];
  const loaded: LoadedDeclaration[] = [];
  const inFolders = files.filter((entry) => {
    if (entry.split(sep).length >= 2) return true;
    problems.push({ file: relative(root, join(dir, entry)) || entry, message: 'node files belong in a domain folder: nodes/<domain>/<file>.ts' });
    return false;
  });
  const compiled = await compileNodes(
    inFolders.map((entry) => join(dir, entry)),
    root,
    hasher,
  );
  problems.push(...compiled.problems);
  for (const entry of inFolders) {
    const path = join(dir, entry);
    const file = relative(root, path) || path;
    const compiledPath = compiled.modules.get(path);
    if (compiledPath === undefined) continue;
    let module: { default?: unknown };
    try {
      // Each build is a new file: an edited node loads anew in a long-lived process (tests, a scheduler).
      module = (await import(pathToFileURL(compiledPath).href)) as { default?: unknown };
    } catch (error) {
      problems.push({ file, message: `cannot be loaded: ${(error as Error).message}` });
      continue;
    }
    if (!isDeclaration(module.default)) {
      problems.push({ file, message: 'exports no declaration; add `export default defineKpi({...})` or `export default definePublish({...})`' });
      continue;
    }
    loaded.push({ file, folder: entry.split(sep)[0]!, declaration: module.default });
  }
  if (problems.length > 0) throw new DefinitionError(problems.sort((a, b) => compareCodePoints(a.file ?? '', b.file ?? '')));
  if (loaded.length === 0) throw new DefinitionError([{ message: `no node files found in ${dir}` }]);
  return loaded;
}

function isDeclaration(value: unknown): value is Declaration {
  return typeof value === 'object' && value !== null && 'kind' in value && (value.kind === 'kpi' || value.kind === 'publish');
}
