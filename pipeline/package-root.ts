import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder of the kpi-factory package, found upwards from this module: the same answer from
 * the sources (`pipeline/`) and from the built engine (`dist/`), whose files sit at another depth.
 */
export function packageRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'kpi-factory') return dir;
    if (dirname(dir) === dir) throw new Error(`no kpi-factory package.json above ${from}`);
  }
}
