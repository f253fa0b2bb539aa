/** Node ids, as in DESIGN.md: `success.kpi05`, `success.publish`, `table:s.t`, `sheet:name`. */

const NAME = /^[a-z][a-z0-9_]*$/;
const TABLE = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;

export function isValidName(name: string): boolean {
  return NAME.test(name);
}

/** `schema.table`, lower case, no quoting needed: the only form allowed into SQL as an identifier. */
export function isValidTableName(name: string): boolean {
  return TABLE.test(name);
}

export function kpiId(domain: string, number: number): string {
  return `${domain}.kpi${String(number).padStart(2, '0')}`;
}

export function publishId(domain: string): string {
  return `${domain}.publish`;
}

export function tableId(table: string): string {
  return `table:${table}`;
}

export function sheetId(source: string): string {
  return `sheet:${source}`;
}

/** Zero-padded number as stored in `kpi_number`: `05`, `32`. */
export function kpiNumberLabel(number: number): string {
  return String(number).padStart(2, '0');
}
