/** Hand-made declarations for the graph tests: one line per KPI, a file path per declaration. */
import type { LoadedDeclaration } from '../../graph/build.ts';
import { defineKpi, definePublish } from '../../graph/declare.ts';
import type { InputDeclaration, Unit } from '../../graph/declare.ts';

export function kpiFile(
  domain: string,
  number: number,
  inputs: Record<string, InputDeclaration> = {},
  options: { file?: string; folder?: string; unit?: Unit; tags?: string[] } = {},
): LoadedDeclaration {
  const file = options.file ?? `nodes/${domain}/kpi${String(number).padStart(2, '0')}.ts`;
  const declaration = defineKpi({
    domain,
    number,
    name: `KPI ${number} of ${domain}`,
    unit: options.unit ?? 'integer',
    inputs,
    compute: () => 1,
    ...(options.tags ? { tags: options.tags } : {}),
  });
  return options.folder === undefined ? { file, declaration } : { file, folder: options.folder, declaration };
}

export function publishFile(domain: string, options: { file?: string; folder?: string; tags?: string[] } = {}): LoadedDeclaration {
  const file = options.file ?? `nodes/${domain}/publish.ts`;
  const declaration = definePublish({ domain, scorecard: domain[0]!.toUpperCase() + domain.slice(1), ...(options.tags ? { tags: options.tags } : {}) });
  return options.folder === undefined ? { file, declaration } : { file, folder: options.folder, declaration };
}
