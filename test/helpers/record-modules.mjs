// `node --import ./record-modules.mjs …`: appends the URL of every module the process loads,
// one a line, to the file KPI_MODULE_LOG names: ES modules as the loader loads them, and at
// exit every CommonJS module in require's cache (a CommonJS package's own requires never reach
// the loader's hooks). Plain JavaScript, so it needs no TypeScript loader itself.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.env.KPI_MODULE_LOG;
if (file) {
  register('./record-modules-hooks.mjs', import.meta.url, { data: { file } });
  const { cache } = createRequire(import.meta.url);
  process.on('exit', () => {
    const required = Object.keys(cache).map((path) => pathToFileURL(path).href);
    if (required.length > 0) appendFileSync(file, `${required.join('\n')}\n`);
  });
}
