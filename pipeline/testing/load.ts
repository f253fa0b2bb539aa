import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExamplesDeclaration } from '../../graph/declare.ts';
import { DefinitionError } from '../../graph/errors.ts';
import type { Problem } from '../../graph/errors.ts';
import { EXAMPLES_FILE } from '../project/loader.ts';
import { compileSeparately } from '../project/node-build.ts';

/** An example file and what it declares. */
export interface ExampleFile {
  /** Relative to the project's root. */
  readonly file: string;
  readonly declaration: ExamplesDeclaration;
}

/**
 * Every `*.examples.ts` under the nodes folder, compiled as node files are (`kpi-factory` is the
 * declaration API) and imported. A file that does not compile, fails to load or declares no
 * examples is a definition error naming it.
 */
export async function loadExampleFiles(nodesDir: string, root: string): Promise<ExampleFile[]> {
  // Helpers (`_x`), hidden folders and packages are skipped, as the loader skips them.
  const skipped = (part: string) => part.startsWith('_') || part.startsWith('.') || part === 'node_modules';
  const files = (await readdir(nodesDir, { recursive: true }))
    .filter((entry) => EXAMPLES_FILE.test(entry) && !entry.split(sep).some(skipped))
    .sort()
    .map((entry) => join(nodesDir, entry));
  if (files.length === 0) return [];
  let compiled: Map<string, string>;
  try {
    compiled = await compileSeparately(files, root);
  } catch (error) {
    throw new DefinitionError([{ message: `the example files do not compile: ${(error as Error).message}` }]);
  }
  const problems: Problem[] = [];
  const loaded: ExampleFile[] = [];
  for (const [path, module] of compiled) {
    const file = relative(root, path);
    try {
      const { default: declaration } = (await import(pathToFileURL(module).href)) as { default?: unknown };
      if (isExamples(declaration)) loaded.push({ file, declaration });
      else problems.push({ file, message: "declares no examples; add `export default examples('domain.kpiNN', [...])`" });
    } catch (error) {
      problems.push({ file, message: `cannot be loaded: ${(error as Error).message}` });
    }
  }
  if (problems.length > 0) throw new DefinitionError(problems);
  return loaded;
}

function isExamples(value: unknown): value is ExamplesDeclaration {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'examples' && Array.isArray((value as { examples?: unknown }).examples);
}
