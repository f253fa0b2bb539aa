import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, extname, relative, resolve } from 'node:path';
import type { Loader, Message } from 'esbuild';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Declaration } from '../../graph/declare.ts';
import { DefinitionError } from '../../graph/errors.ts';
import { compareCodePoints } from '../../graph/text.ts';

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

/**
 * JSON with object keys sorted, so equal values always hash the same: what JSON.stringify
 * writes (toJSON, undefined and functions left out of objects and null in arrays), written
 * directly, without a sorted copy of every object.
 */
export function stableJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return stableJson((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((item) => (omitted(item) ? 'null' : stableJson(item))).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => !omitted(record[key]))
    .sort(compareCodePoints);
  return `{${keys.map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`).join(',')}}`;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (value: unknown) => value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** Declarations are the same objects for a whole command: each is hashed once, not once per week. */
const declarationHashes = new WeakMap<Declaration, string>();

/** The data of a declaration (functions are covered by the code hash). */
export function declarationHash(declaration: Declaration): string {
  let hash = declarationHashes.get(declaration);
  if (hash === undefined) {
    hash = hashDeclaration(declaration);
    declarationHashes.set(declaration, hash);
  }
  return hash;
}

function hashDeclaration(declaration: Declaration): string {
  if (declaration.kind === 'publish') return hashOf({ kind: declaration.kind, domain: declaration.domain, scorecard: declaration.scorecard });
  if (declaration.kind === 'model') {
    const { domain, name, details, inputs, timeColumn } = declaration;
    return hashOf({ kind: declaration.kind, domain, name, details: details ?? '', inputs, timeColumn: timeColumn ?? null });
  }
  return hashOf({
    kind: declaration.kind,
    domain: declaration.domain,
    number: declaration.number,
    name: declaration.name,
    unit: declaration.unit,
    details: declaration.details ?? '',
    inputs: declaration.inputs,
    // Severity `error` is the default and adds nothing, so declarations written before severities hash as they did.
    checks: (declaration.checks ?? []).map((check) => (check.severity === 'warn' ? `${check.name} [warn]` : check.name)),
    // Only when declared, so that KPIs without a target keep the fingerprints they had.
    ...(declaration.target ? { target: declaration.target } : {}),
  });
}

/**
 * Hashes a node file with the project modules it really imports, as esbuild resolves them (a
 * `./x.js` specifier naming `x.ts`, re-exports, folder indexes; not imports in comments):
 * editing a shared helper makes every node that uses it stale. Each file is hashed without
 * its comments and layout, so rewording a comment changes nothing. Packages, the declaration
 * API included, are not part of a node's code.
 */
export class CodeHasher {
  private readonly cache = new Map<string, Promise<string>>();
  /** Each project file without comments, shared by the nodes that import it. */
  private readonly sources = new Map<string, Promise<string>>();

  constructor(private readonly root: string) {}

  /** A hash computed before, by an earlier command that compiled the same files (see compileNodes). */
  remember(file: string, hash: string): void {
    this.cache.set(resolve(this.root, file), Promise.resolve(hash));
  }

  /** Rejects with a DefinitionError naming the file when one of its imports cannot be resolved. */
  hash(file: string): Promise<string> {
    return this.cached(file, async (entry) => this.importedFiles(entry));
  }

  /** The hash of a node file whose imported project files are known (a build that bundled it found them). */
  hashWithImports(file: string, imported: readonly string[]): Promise<string> {
    return this.cached(file, async () => imported);
  }

  private cached(file: string, closureOf: (entry: string) => Promise<readonly string[]>): Promise<string> {
    const path = resolve(this.root, file);
    let hash = this.cache.get(path);
    if (!hash) {
      hash = closureOf(path).then((files) => this.hashClosure(path, files));
      this.cache.set(path, hash);
    }
    return hash;
  }

  private async hashClosure(entry: string, closure: readonly string[]): Promise<string> {
    const files = await Promise.all(closure.map(async (path) => [relative(dirname(entry), path), await this.withoutComments(path)] as const));
    return hashOf(files.sort(([a], [b]) => compareCodePoints(a, b)));
  }

  private withoutComments(path: string): Promise<string> {
    let source = this.sources.get(path);
    if (!source) {
      source = withoutComments(path);
      this.sources.set(path, source);
    }
    return source;
  }

  /** The entry and every project file it imports, directly or not. */
  private async importedFiles(entry: string): Promise<string[]> {
    try {
      // Loaded when first needed: a command whose node files were compiled before never starts esbuild.
      const { build } = await import('esbuild');
      const { metafile } = await build({
        entryPoints: [entry],
        absWorkingDir: this.root,
        bundle: true,
        write: false,
        metafile: true,
        packages: 'external',
        platform: 'node',
        format: 'esm',
        logLevel: 'silent',
      });
      return Object.keys(metafile.inputs).map((input) => resolve(this.root, input));
    } catch (error) {
      const failures = (error as { errors?: Message[] }).errors;
      if (!failures) throw error;
      throw new DefinitionError(
        failures.map((failure) => ({
          file: relative(this.root, entry),
          message: `its code cannot be followed: ${failure.location ? `${failure.location.file}:${failure.location.line}: ` : ''}${failure.text}`,
        })),
      );
    }
  }
}

const LOADERS: Readonly<Record<string, Loader>> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx', '.json': 'json' };

/** The file's code without comments and layout. */
async function withoutComments(path: string): Promise<string> {
  const source = await readFile(path, 'utf8');
  const { transform } = await import('esbuild');
  const { code } = await transform(source, { loader: LOADERS[extname(path)] ?? 'js', minifyWhitespace: true, legalComments: 'none' });
  return code;
}

/** What part of a table a fingerprint covers: all of it by default. */
export interface TableScope {
  /** The cheap option: row count plus this column's maximum, instead of a content checksum. */
  readonly changeColumn?: string;
  /** Only these columns' values. */
  readonly columns?: readonly string[];
  /** Only rows whose `column` lies in [from, to) (ISO instants with offset). */
  readonly window?: { readonly column: string; readonly from: string; readonly to: string };
}

/**
 * A table's fingerprint, computed in the warehouse: its row count and an order-independent
 * checksum of its rows (the sum of the first 60 bits of each row's md5), so an update in place
 * is seen; or, with a change column, the row count and that column's maximum.
 */
export async function tableFingerprint(db: Kysely<any>, table: string, scope: TableScope = {}): Promise<string> {
  const row = scope.columns === undefined ? sql`t` : sql`row(${sql.join(scope.columns.map((column) => sql.ref(`t.${column}`)))})`;
  const summary =
    scope.changeColumn === undefined
      ? sql<string>`coalesce(sum(('x' || substr(md5(${row}::text), 1, 15))::bit(60)::bigint), 0)::text`
      : sql<string>`max(${sql.ref(`t.${scope.changeColumn}`)})::text`;
  const where = scope.window
    ? sql`where ${sql.ref(`t.${scope.window.column}`)} >= ${scope.window.from}::timestamptz and ${sql.ref(`t.${scope.window.column}`)} < ${scope.window.to}::timestamptz`
    : sql``;
  const result = await sql<{ rows: string; summary: string | null }>`
    select count(*)::text as rows, ${summary} as summary from ${sql.table(table)} as t ${where}`.execute(db);
  return hashOf({ rows: result.rows[0]?.rows ?? '0', summary: result.rows[0]?.summary ?? null });
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
  /** A model's table is no longer in the warehouse. */
  readonly tableMissing?: boolean;
  /** Upstream tasks that will rerun first (known only when planning). */
  readonly staleUpstream?: readonly string[];
}

/** Why a node must run again; empty when it is fresh. */
export function staleReasons(current: Fingerprint, history: History | undefined, staleness: Staleness = {}): string[] {
  const lastFailed = ['check failed', 'failed', 'blocked', 'abandoned'].includes(history?.lastStatus ?? '') ? `last run ${history!.lastStatus}` : undefined;
  if (staleness.forced) return [lastFailed ? `${staleness.forced} (${lastFailed})` : staleness.forced];
  const success = history?.lastSuccess;
  if (!success) return [lastFailed ?? 'never run'];
  // A later failure wrote nothing: the stored value still belongs to the last success. A failed
  // check did write one: it is computed and checked again, whatever its fingerprint.
  const reasons: string[] = [];
  if (history?.lastStatus === 'check failed') reasons.push('last run check failed');
  if (staleness.valueMissing) reasons.push('value missing from the store');
  if (staleness.tableMissing) reasons.push('its table is missing from the warehouse');
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
