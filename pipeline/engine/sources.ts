import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SheetRow } from '../../graph/declare.ts';
import type { Config } from '../config.ts';
import { cleanRange } from '../connectors/sheets/clean.ts';
import type { SheetReader } from '../connectors/sheets/sheet-source.ts';
import { describeTable } from '../connectors/warehouse/catalog.ts';
import type { Warehouse } from '../connectors/warehouse/warehouse.ts';
import { SourceError } from '../errors.ts';
import { hashOf, tableFingerprint } from './fingerprint.ts';
import type { TableScope } from './fingerprint.ts';
import { readLoad } from '../source-freshness/source-freshness.ts';
import type { FreshnessRule, SourceLoad } from '../source-freshness/source-freshness.ts';
import { Temporal } from 'temporal-polyfill';

export interface LoadedSheet {
  readonly rows: readonly SheetRow[];
  /** Where it was read from, for messages. */
  readonly location: string;
  /** Hash of the cleaned rows: changes exactly when what a KPI would see changes. */
  readonly fingerprint: string;
}

/** What decides a sheet source's freshness, without its rows. */
export interface SheetFingerprint {
  readonly fingerprint: string;
  readonly rows: number;
}

/**
 * The run's view of its sources, each read once however many tasks ask: a spreadsheet range
 * read and cleaned, a warehouse table checked and fingerprinted.
 */
export class Sources {
  private readonly sheets = new Map<string, Promise<LoadedSheet>>();
  private readonly tables = new Map<string, Promise<string>>();
  private readonly checked = new Map<string, Promise<void>>();
  private readonly sheetFingerprints = new Map<string, Promise<SheetFingerprint>>();
  private remembered: Promise<Record<string, RememberedSheet>> | undefined;
  private readonly loads = new Map<string, Promise<SourceLoad>>();
  /** A load's age is measured from here. */
  private readonly startedAt = Temporal.Now.instant();

  constructor(
    private readonly config: Config,
    private readonly warehouse: Warehouse,
    private readonly reader: SheetReader,
    private readonly options: SourcesOptions = { remember: true },
  ) {}

  /** How fresh a table's extract is, against its freshness rule (undefined without one): asked once per run, at its start. */
  load(table: string): Promise<SourceLoad> | undefined {
    const rule = this.options.freshness?.get(table);
    if (rule === undefined) return undefined;
    return cached(this.loads, table, () => readLoad(this.warehouse.db, table, rule, this.startedAt));
  }

  sheet(source: string): Promise<LoadedSheet> {
    return cached(this.sheets, source, async () => {
      const sheet = this.config.sheets[source];
      if (!sheet) throw new SourceError(`sheet source "${source}" is not configured`);
      const range = await this.reader.read(source, sheet);
      const rows = cleanRange(source, range, sheet.columns, sheet.decimalSeparator);
      return { rows, location: range.location, fingerprint: hashOf(rows) };
    });
  }

  /**
   * A sheet source's fingerprint and row count. For a file whose bytes (and the source's
   * configuration) are those of an earlier read, they are taken from what that read
   * remembered in the state folder, so deciding that its KPIs are fresh never parses a workbook.
   */
  sheetFingerprint(source: string): Promise<SheetFingerprint> {
    return cached(this.sheetFingerprints, source, async () => {
      const sheet = this.config.sheets[source];
      const contentKey = sheet && (await this.reader.contentKey?.(source, sheet).catch(() => undefined));
      const key = contentKey === undefined ? undefined : hashOf({ contentKey, sheet });
      const remembered = key === undefined ? undefined : (await this.rememberedSheets())[source];
      if (remembered !== undefined && remembered.key === key) return { fingerprint: remembered.fingerprint, rows: remembered.rows };
      const { rows, fingerprint } = await this.sheet(source);
      if (key !== undefined && this.options.remember) await this.rememberSheet(source, { key, fingerprint, rows: rows.length });
      return { fingerprint, rows: rows.length };
    });
  }

  private rememberedSheets(): Promise<Record<string, RememberedSheet>> {
    this.remembered ??= readFile(this.rememberedFile(), 'utf8').then((text) => JSON.parse(text) as Record<string, RememberedSheet>, () => ({}));
    return this.remembered;
  }

  /** Written whole to a file of its own and renamed, as another process may read it meanwhile. */
  private async rememberSheet(source: string, entry: RememberedSheet): Promise<void> {
    const all = { ...(await this.rememberedSheets()), [source]: entry };
    this.remembered = Promise.resolve(all);
    const file = this.rememberedFile();
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(this.config.paths.state, { recursive: true });
      await writeFile(temporary, JSON.stringify(all));
      await rename(temporary, file);
    } catch {
      // Only a shortcut for the next run: without it the next run reads the file again.
    }
  }

  private rememberedFile(): string {
    return join(this.config.paths.state, 'sheet-fingerprints.json');
  }

  /** Checks that the table exists and returns the fingerprint of the part `scope` covers (see tableFingerprint), once per run. */
  table(table: string, scope: TableScope = {}): Promise<string> {
    return cached(this.tables, `${table} ${hashOf(scope)}`, async () => {
      await this.checkTable(table, scope.changeColumn);
      return tableFingerprint(this.warehouse.db, table, scope);
    });
  }

  /** Whether a table exists now (a model's, before it is built), asked each time. */
  async exists(table: string): Promise<boolean> {
    return (await describeTable(this.warehouse.db, table)) !== undefined;
  }

  /**
   * That the table, and its change column when one is declared, exist: once per run. Asked of
   * the catalog directly: information_schema's views cost an embedded warehouse far more.
   */
  private checkTable(table: string, changeColumn: string | undefined): Promise<void> {
    return cached(this.checked, table, async () => {
      const columns = await describeTable(this.warehouse.db, table);
      if (!columns) throw new SourceError(`table ${table} does not exist in the warehouse (${this.warehouse.location})`);
      if (changeColumn !== undefined && !columns.some((column) => column.name === changeColumn)) {
        throw new SourceError(`table ${table} has no change column "${changeColumn}"`);
      }
    });
  }
}

export interface SourcesOptions {
  /** Whether a sheet's fingerprint is remembered in the state folder for the next command (not by readers: they write nothing). */
  readonly remember: boolean;
  /** Tables whose extract must be fresh enough, with their rules. */
  readonly freshness?: ReadonlyMap<string, FreshnessRule>;
}

/** A sheet source's fingerprint as an earlier read left it: `key` covers the file's bytes and the source's configuration. */
interface RememberedSheet {
  readonly key: string;
  readonly fingerprint: string;
  readonly rows: number;
}

/** A failed read is not cached: the next task to ask tries again and gets its own error. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let entry = cache.get(key);
  if (!entry) {
    entry = load();
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}
