import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedDeclaration } from '../graph/build.ts';
import type { Declaration } from '../graph/declare.ts';
import { DefinitionError } from '../graph/errors.ts';
import type { Problem } from '../graph/errors.ts';

const NODE_FILE = /\.(ts|mts|js|mjs)$/;

/**
 * Node files are TypeScript. Run from its sources (tests, tsx) the engine already loads it; the
 * built engine registers tsx only here, so commands that load no node file never pay for it.
 */
let typeScriptLoads: Promise<unknown> | undefined = import.meta.url.endsWith('.ts') ? Promise.resolve() : undefined;
function loadingTypeScript(): Promise<unknown> {
  typeScriptLoads ??= import('tsx/esm/api').then(({ register }) => register());
  return typeScriptLoads;
}

/**
 * Imports every node file under `dir` (`<dir>/<domain>/<file>.ts`; names starting with `_` are skipped). A file that fails to
 * import or exports no declaration is reported with its path; all problems come at once.
 */
export async function loadDeclarations(dir: string, root: string = process.cwd()): Promise<LoadedDeclaration[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    throw new DefinitionError([{ message: `cannot read the nodes folder ${dir}: ${(error as Error).message}` }]);
  }
  // Names starting with `_` are helpers shared by node files (`_sql.ts`, `_lib/`), not nodes.
  const files = entries
    .filter((entry) => NODE_FILE.test(entry) && !entry.endsWith('.d.ts') && !entry.split(sep).some((part) => part.startsWith('_')))
    .sort();
  const problems: Problem[] = [];
  const loaded: LoadedDeclaration[] = [];
  if (files.length > 0) await loadingTypeScript();
  for (const entry of files) {
    const path = join(dir, entry);
    const file = relative(root, path) || path;
    const segments = entry.split(sep);
    if (segments.length < 2) {
      problems.push({ file, message: 'node files belong in a domain folder: nodes/<domain>/<file>.ts' });
      continue;
    }
    let module: { default?: unknown };
    try {
      // The content hash in the URL makes an edited file load anew in a long-lived process (tests, a scheduler).
      const version = createHash('sha256').update(await readFile(path)).digest('hex').slice(0, 12);
      module = (await import(`${pathToFileURL(path).href}?v=${version}`)) as { default?: unknown };
    } catch (error) {
      problems.push({ file, message: `cannot be loaded: ${(error as Error).message}` });
      continue;
    }
    if (!isDeclaration(module.default)) {
      problems.push({ file, message: 'exports no declaration; add `export default defineKpi({...})` or `export default definePublish({...})`' });
      continue;
    }
    loaded.push({ file, folder: segments[0]!, declaration: module.default });
  }
  if (problems.length > 0) throw new DefinitionError(problems);
  if (loaded.length === 0) throw new DefinitionError([{ message: `no node files found in ${dir}` }]);
  return loaded;
}

function isDeclaration(value: unknown): value is Declaration {
  return typeof value === 'object' && value !== null && 'kind' in value && (value.kind === 'kpi' || value.kind === 'publish');
}
