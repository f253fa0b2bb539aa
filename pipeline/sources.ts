import type { SheetRow } from '../graph/declare.ts';
import type { Config } from './config.ts';
import { cleanRange } from './connectors/sheets/clean.ts';
import type { SheetReader } from './connectors/sheets/sheet-source.ts';
import { describeTable } from './connectors/warehouse/catalog.ts';
import type { Warehouse } from './connectors/warehouse/warehouse.ts';
import { SourceError } from './errors.ts';
import { hashOf, tableFingerprint } from './fingerprint.ts';
import type { TableScope } from './fingerprint.ts';

export interface LoadedSheet {
  readonly rows: readonly SheetRow[];
  /** Where it was read from, for messages. */
  readonly location: string;
  /** Hash of the cleaned rows: changes exactly when what a KPI would see changes. */
  readonly fingerprint: string;
}

/**
 * The run's view of its sources, each read once however many tasks ask: a spreadsheet range
 * read and cleaned, a warehouse table checked and fingerprinted.
 */
export class Sources {
  private readonly sheets = new Map<string, Promise<LoadedSheet>>();
  private readonly tables = new Map<string, Promise<string>>();
  private readonly checked = new Map<string, Promise<void>>();

  constructor(
    private readonly config: Config,
    private readonly warehouse: Warehouse,
    private readonly reader: SheetReader,
  ) {}

  sheet(source: string): Promise<LoadedSheet> {
    return cached(this.sheets, source, async () => {
      const sheet = this.config.sheets[source];
      if (!sheet) throw new SourceError(`sheet source "${source}" is not configured`);
      const range = await this.reader.read(source, sheet);
      const rows = cleanRange(source, range, sheet.columns, sheet.decimalSeparator);
      return { rows, location: range.location, fingerprint: hashOf(rows) };
    });
  }

  /** Checks that the table exists and returns the fingerprint of the part `scope` covers (see tableFingerprint), once per run. */
  table(table: string, scope: TableScope = {}): Promise<string> {
    return cached(this.tables, `${table} ${hashOf(scope)}`, async () => {
      await this.checkTable(table, scope.changeColumn);
      return tableFingerprint(this.warehouse.db, table, scope);
    });
  }

  /** That the table, and its change column when one is declared, exist: once per run. */
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
