import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Declaration } from '../graph/declare.ts';
import { compareCodePoints } from '../graph/text.ts';

/**
 * What decides whether a node must run again: its code, its declaration, the week, and the
 * fingerprint of each input. Stored with every node-run, so a later run can say which part
 * changed, not only that something did.
 */
export interface Fingerprint {
  readonly code: string;
  readonly declaration: string;
  readonly week: string | null;
  /** Input name (or upstream node id, for a publish) → that input's fingerprint. */
  readonly inputs: Readonly<Record<string, string>>;
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

export function fingerprintHash(fingerprint: Fingerprint): string {
  return hashOf(fingerprint);
}

/** JSON with object keys sorted, so equal values always hash the same. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => compareCodePoints(a, b)))
      : item,
  );
}

/** The data of a declaration (functions are covered by the code hash). */
export function declarationHash(declaration: Declaration): string {
  if (declaration.kind === 'publish') return hashOf({ kind: declaration.kind, domain: declaration.domain, scorecard: declaration.scorecard });
  return hashOf({
    kind: declaration.kind,
    domain: declaration.domain,
    number: declaration.number,
    name: declaration.name,
    unit: declaration.unit,
    details: declaration.details ?? '',
    inputs: declaration.inputs,
    checks: (declaration.checks ?? []).map((check) => check.name),
  });
}

const IMPORT_SPECIFIER = /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * Hashes a node file with the project modules it imports (relative imports, followed
 * transitively): editing a shared helper makes every node that uses it stale. Packages,
 * the declaration API included, are not part of a node's code.
 */
export class CodeHasher {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly root: string) {}

  hash(file: string): Promise<string> {
    const path = resolve(this.root, file);
    let hash = this.cache.get(path);
    if (!hash) {
      hash = this.hashClosure(path);
      this.cache.set(path, hash);
    }
    return hash;
  }

  private async hashClosure(entry: string): Promise<string> {
    const seen = new Map<string, string>();
    const visit = async (path: string): Promise<void> => {
      if (seen.has(path)) return;
      const source = await readFile(path, 'utf8');
      seen.set(path, source);
      for (const match of source.matchAll(IMPORT_SPECIFIER)) {
        const specifier = match[1] ?? match[2];
        if (specifier?.startsWith('.')) await visit(resolve(dirname(path), specifier));
      }
    };
    await visit(entry);
    const files = [...seen].map(([path, source]) => [relative(dirname(entry), path), source]).sort(([a], [b]) => compareCodePoints(a!, b!));
    return hashOf(files);
  }
}

/** A table's cheap stats: row count, plus the change column's maximum when one is declared. */
export async function tableFingerprint(db: Kysely<any>, table: string, changeColumn?: string): Promise<string> {
  const latest = changeColumn === undefined ? sql<null>`null` : sql<string>`max(${sql.ref(changeColumn)})::text`;
  const result = await sql<{ rows: string; latest: string | null }>`
    select count(*)::text as rows, ${latest} as latest from ${sql.table(table)}`.execute(db);
  const row = result.rows[0];
  return hashOf({ rows: row?.rows ?? '0', latest: row?.latest ?? null });
}

export interface History {
  /** The fingerprint of the latest run that succeeded (or found the node fresh). */
  readonly lastSuccess?: { readonly fingerprint: string; readonly parts: Fingerprint | null };
  /** Status of the latest node-run of any kind: says why a node that never succeeded is stale. */
  readonly lastStatus?: string;
}

export interface Staleness {
  /** Why the user made it run regardless (`forced`, `retry`), if they did. */
  readonly forced?: string;
  /** The node's value is no longer in the store (a KPI row was deleted). */
  readonly valueMissing?: boolean;
  /** Upstream tasks that will rerun first (known only when planning). */
  readonly staleUpstream?: readonly string[];
}

/** Why a node must run again; empty when it is fresh. */
export function staleReasons(current: Fingerprint, history: History | undefined, staleness: Staleness = {}): string[] {
  const lastFailed = history?.lastStatus === 'failed' || history?.lastStatus === 'blocked' ? `last run ${history.lastStatus}` : undefined;
  if (staleness.forced) return [lastFailed ? `${staleness.forced} (${lastFailed})` : staleness.forced];
  const success = history?.lastSuccess;
  if (!success) return [lastFailed ?? 'never run'];
  // A later failure wrote nothing: the stored value still belongs to the last success.
  const reasons: string[] = [];
  if (staleness.valueMissing) reasons.push('value missing from the store');
  for (const upstream of staleness.staleUpstream ?? []) reasons.push(`upstream ${upstream} is stale`);
  if (success.fingerprint !== fingerprintHash(current)) {
    const previous = success.parts;
    if (!previous) reasons.push('fingerprint changed');
    else {
      if (previous.code !== current.code) reasons.push('code changed');
      if (previous.declaration !== current.declaration) reasons.push('declaration changed');
      if (previous.week !== current.week) reasons.push('week changed');
      for (const name of new Set([...Object.keys(previous.inputs), ...Object.keys(current.inputs)])) {
        if (previous.inputs[name] !== current.inputs[name]) reasons.push(`input ${name} changed`);
      }
    }
  }
  return reasons;
}
