import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SheetSourceConfig } from '../../config.ts';
import { SourceError } from '../../errors.ts';
import { readLocalSheet } from './local-file.ts';
import type { UncomputedFormula } from './uncomputed-formula.ts';

/** A cell as a spreadsheet API returns it, before cleaning. */
export type RawCell = string | number | boolean | Date | null | UncomputedFormula;

/** One row of a range, with its row number in the sheet (for error messages). */
export interface RawRow {
  readonly rowNumber: number;
  readonly cells: readonly RawCell[];
}

/** A range as read: its header cells and data rows. */
export interface RawRange {
  /** Where it came from, for messages: `fixtures/sources/x.xlsx, tab Report`. */
  readonly location: string;
  readonly headerRow: number;
  readonly header: readonly string[];
  readonly rows: readonly RawRow[];
}

export interface SheetReader {
  read(name: string, source: SheetSourceConfig): Promise<RawRange>;
  /**
   * A cheap key that changes whenever `read` may return something else (a local file's content
   * hash); undefined where there is none short of reading (Google).
   */
  contentKey?(name: string, source: SheetSourceConfig): Promise<string | undefined>;
}

/** Reads sources that are files (xlsx, csv) relative to `root`. */
export function localSheetReader(root: string): SheetReader {
  return {
    read: (name, source) => {
      if (source.file === undefined) {
        throw new SourceError(`sheet source "${name}" has only a Google range and there are no Google credentials in the environment`);
      }
      return readLocalSheet(resolve(root, source.file), source);
    },
    contentKey: async (_name, source) =>
      source.file === undefined ? undefined : createHash('sha256').update(await readFile(resolve(root, source.file))).digest('hex'),
  };
}
