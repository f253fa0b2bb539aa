import { DuckDBInstance, dateValue } from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBValue } from '@duckdb/node-api';
import { Temporal } from 'temporal-polyfill';
import type { DuckQuery, SheetRow } from '../../../graph/declare.ts';
import type { SheetColumn } from '../../config.ts';

const SQL_TYPES: Record<SheetColumn['type'], string> = { text: 'VARCHAR', number: 'DOUBLE', integer: 'BIGINT', date: 'DATE' };
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const EPOCH = Temporal.PlainDate.from('1970-01-01');

/** One in-memory DuckDB per run: spreadsheet ranges become tables that KPIs query with SQL. */
export interface Duck extends DuckQuery {
  registerTable(name: string, columns: readonly SheetColumn[], rows: readonly SheetRow[]): Promise<void>;
  close(): void;
}

export async function openDuck(): Promise<Duck> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    async all<T>(query: string, params: readonly unknown[] = []): Promise<T[]> {
      const reader = await connection.runAndReadAll(query, params as DuckDBValue[]);
      return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, toNumberIfSafe(value)])) as T);
    },
    async registerTable(name, columns, rows) {
      for (const identifier of [name, ...columns.map((column) => column.name)]) {
        if (!IDENTIFIER.test(identifier)) throw new Error(`"${identifier}" is not a valid DuckDB identifier`);
      }
      const definition = columns.map((column) => `"${column.name}" ${SQL_TYPES[column.type]}`).join(', ');
      await connection.run(`CREATE OR REPLACE TABLE "${name}" (${definition})`);
      const appender = await connection.createAppender(name);
      try {
        for (const row of rows) {
          for (const column of columns) append(appender, column.type, row[column.name] ?? null);
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

function append(appender: DuckDBAppender, type: SheetColumn['type'], value: SheetRow[string]): void {
  if (value === null) return appender.appendNull();
  switch (type) {
    case 'text':
      return appender.appendVarchar(String(value));
    case 'number':
      return appender.appendDouble(Number(value));
    case 'integer':
      return appender.appendBigInt(BigInt(value));
    case 'date':
      return appender.appendDate(dateValue(EPOCH.until(Temporal.PlainDate.from(String(value))).days));
  }
}

/** DuckDB counts come back as BigInt; a KPI wants a number when it fits. */
function toNumberIfSafe(value: unknown): unknown {
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)) {
    return Number(value);
  }
  return value;
}
