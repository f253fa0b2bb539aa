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

export function modelId(domain: string, name: string): string {
  return `${domain}.${name}`;
}

/** The schema models are materialised in. */
export const MODEL_SCHEMA = 'kpi_models';

/** Where a model is materialised: `kpi_models.applications__records` for `applications.records`. */
export function modelTable(id: string): string {
  return `${MODEL_SCHEMA}.${id.replace('.', '__')}`;
}

/** A model's name: a valid name that is not a KPI's or a publish's, with no double underscore (it separates domain and name in its table). */
export function isValidModelName(name: string): boolean {
  return isValidName(name) && !/^kpi\d+$/.test(name) && name !== 'publish' && !name.includes('__');
}

/** Zero-padded number as stored in `kpi_number`: `05`, `32`. */
export function kpiNumberLabel(number: number): string {
  return String(number).padStart(2, '0');
}
