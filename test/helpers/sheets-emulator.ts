/**
 * A stateful, in-process emulation of the parts of the Google Sheets v4 REST API that
 * `google-spreadsheet` 5.3.0 uses, plus Google's OAuth token endpoint, served through undici's
 * MockAgent installed as the global dispatcher. The real google-spreadsheet code (global `fetch` via
 * ky) and google-auth-library's JWT client (given `transporterOptions: { fetchImplementation:
 * globalThis.fetch }`) talk to it as they would to Google. Network access is disabled while installed.
 *
 * Deliberately Google-like: zero-valued fields (startRow, frozenRowCount, …) are omitted from
 * responses, errors are `{ error: { code, message, status } }`, trailing empty cells and rows are
 * left out of value ranges. Colours are kept to 8 bits a channel and answered as float32 numbers
 * with zero channels left out; a backgroundColorStyle takes precedence over a backgroundColor and
 * each is answered with the other. Formulas, dates, API keys and the Drive API are not emulated; an
 * unsupported request type or field answers 400 naming what is missing rather than being ignored.
 */
import { randomBytes } from 'node:crypto';
import { MockAgent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import type { Dispatcher } from 'undici';

export type CellValue = string | number | boolean | null;
export interface EmulatedCell { value: CellValue; numberFormat?: string /* pattern, e.g. '0.00' */; bold?: boolean; note?: string; background?: string /* RRGGBB */ }

type Json = Record<string, unknown>;
type Dim = 'ROWS' | 'COLUMNS';
/** `format` is the cell's userEnteredFormat, kept whole so any format google-spreadsheet sends round-trips. */
interface StoredCell { value: CellValue; note?: string; format?: Json }
/** `pixelSizes`: rows' heights and columns' widths set by updateDimensionProperties (others have Google's defaults). */
interface Tab { sheetId: number; title: string; rowCount: number; columnCount: number; frozenRowCount: number; frozenColumnCount: number; extra: Json; cells: Map<string, StoredCell>; pixelSizes: Record<Dim, Map<number, number>> }
interface Book { id: string; properties: Json; sharedWith: string[] | null; tabs: Tab[]; nextSheetId: number }
/** Half-open: rows r0..r1-1, columns c0..c1-1 (0-based). */
interface Range { r0: number; r1: number; c0: number; c1: number }
interface Target { tab: Tab; range: Range }
interface Caller { email: string; scopes: string[] }
/** What MockAgent hands a reply callback, and what the callback answers. */
interface MockRequest { path: string; method: string; headers?: unknown; body?: unknown }
interface Reply { statusCode: number; data: string; responseOptions: { headers: Record<string, string> } }

const SHEETS_ORIGIN = 'https://sheets.googleapis.com';
const TOKEN_ORIGIN = 'https://oauth2.googleapis.com';
const AUTH = 'https://www.googleapis.com/auth/';
const WRITE_SCOPES = ['spreadsheets', 'drive', 'drive.file'].map((s) => AUTH + s);
const READ_SCOPES = [...WRITE_SCOPES, AUTH + 'spreadsheets.readonly', AUTH + 'drive.readonly'];
const CELL_FIELDS = ['userEnteredValue', 'userEnteredFormat', 'note'];
const SHEET_FIELDS = ['title', 'index', 'hidden', 'tabColor', 'tabColorStyle', 'rightToLeft', 'gridProperties'];
const BOOK_FIELDS = ['title', 'locale', 'timeZone', 'autoRecalc', 'defaultFormat', 'iterativeCalculationSettings'];
const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ABORTED', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 502: 'UNAVAILABLE', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };
const FAILURE_MESSAGES: Record<number, string> = {
  429: "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service 'sheets.googleapis.com'.",
  500: 'Internal error encountered.', 503: 'The service is currently unavailable.',
};
const NO_CREDENTIALS = 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const BAD_CREDENTIALS = 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const DEFAULT_FORMAT: Json = {
  backgroundColor: { red: 1, green: 1, blue: 1 }, padding: { top: 2, right: 3, bottom: 2, left: 3 },
  verticalAlignment: 'BOTTOM', wrapStrategy: 'OVERFLOW_CELL',
  textFormat: { foregroundColor: {}, fontFamily: 'arial,sans,sans-serif', fontSize: 10, bold: false, italic: false, strikethrough: false, underline: false },
};
const DEFAULT_PATTERNS: Record<string, string> = { NUMBER: '#,##0.00', PERCENT: '0.00%', CURRENCY: '"$"#,##0.00' };
const DEFAULT_PIXEL_SIZE: Record<Dim, number> = { ROWS: 21, COLUMNS: 100 };

class ApiError extends Error {
  readonly code: number;
  constructor(code: number, message: string) { super(message); this.code = code; }
}
const bad = (message: string): never => { throw new ApiError(400, message); };

// ---------------------------------------------------------------- small helpers
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (r: number, c: number): string => `${r}:${c}`;
const unkey = (k: string): [number, number] => { const [r, c] = k.split(':'); return [Number(r), Number(c)]; };
const int = (v: unknown, what: string): number => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : bad(`Invalid ${what}: ${String(v)}`));

export function columnLetter(index: number): string {
  let out = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}
function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}
function quoteTitle(title: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(title) && !/^[A-Za-z]{1,3}\d+$/.test(title) ? title : `'${title.replace(/'/g, "''")}'`;
}
function a1Of(tab: Tab, { r0, r1, c0, c1 }: Range): string {
  const start = `${columnLetter(c0)}${r0 + 1}`;
  const end = `${columnLetter(Math.max(c0, c1 - 1))}${Math.max(r0 + 1, r1)}`;
  return `${quoteTitle(tab.title)}!${start === end ? start : `${start}:${end}`}`;
}
function safeDecode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}
function header(headers: unknown, name: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
    return undefined;
  }
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  if (!isObj(headers)) return undefined;
  const hit = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return hit === undefined ? undefined : String(Array.isArray(hit) ? hit[0] : hit);
}
function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (body instanceof URLSearchParams) return body.toString();
  throw new Error('SheetsEmulator: streamed request bodies are not supported');
}
function deepMerge(base: Json, over: Json): Json {
  const out: Json = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Json, v) : structuredClone(v);
  return out;
}
/** Applies one field-mask path: dst[path] = src[path], or deletes it when src has nothing there. */
function copyPath(src: Json, dst: Json, path: string): void {
  const parts = path.split('.');
  let value: unknown = src;
  for (const p of parts) value = isObj(value) ? value[p] : undefined;
  let at = dst;
  for (const p of parts.slice(0, -1)) {
    if (!isObj(at[p])) { if (value === undefined) return; at[p] = {}; }
    at = at[p] as Json;
  }
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete at[last];
  else at[last] = structuredClone(value);
}
function parseMask(fields: unknown, allowed: string[]): string[] {
  if (typeof fields !== 'string' || !fields.trim()) bad("At least one field must be specified in 'fields'.");
  const paths = String(fields).split(',').map((s) => s.trim()).filter(Boolean).flatMap((p) => (p === '*' ? allowed : [p]));
  for (const p of paths) if (!allowed.includes(p.split('.')[0]!)) bad(`SheetsEmulator does not support the field "${p}" in 'fields'`);
  return paths;
}

// ---------------------------------------------------------------- values and formats
const typedValue = (v: string | number | boolean): Json =>
  typeof v === 'number' ? { numberValue: v } : typeof v === 'boolean' ? { boolValue: v } : { stringValue: v };

function toCellJson(cell: StoredCell | undefined): Json {
  const out: Json = {};
  if (cell && cell.value !== null) out.userEnteredValue = typedValue(cell.value);
  if (cell?.format) out.userEnteredFormat = structuredClone(cell.format);
  if (cell?.note) out.note = cell.note;
  return out;
}
function fromCellJson(j: Json): StoredCell | undefined {
  const entered = j.userEnteredValue;
  let value: CellValue = null;
  if (isObj(entered)) {
    if ('formulaValue' in entered) bad('SheetsEmulator does not evaluate formulas (userEnteredValue.formulaValue)');
    if (typeof entered.numberValue === 'number') value = entered.numberValue;
    else if (typeof entered.boolValue === 'boolean') value = entered.boolValue;
    else if (typeof entered.stringValue === 'string') value = entered.stringValue === '' ? null : entered.stringValue;
    else if (Object.keys(entered).length) bad(`Unsupported userEnteredValue ${JSON.stringify(entered)}`);
  }
  const format = isObj(j.userEnteredFormat) && Object.keys(j.userEnteredFormat).length ? withBackground(j.userEnteredFormat) : undefined;
  const note = typeof j.note === 'string' && j.note !== '' ? j.note : undefined;
  if (value === null && !format && !note) return undefined;
  return { value, ...(note !== undefined ? { note } : {}), ...(format ? { format } : {}) };
}
/** Sheets' Color as it keeps it: 8 bits a channel, answered as float32 numbers, zero channels omitted. */
function storedColor(color: unknown): Json {
  if (!isObj(color)) return bad(`Invalid color: ${JSON.stringify(color)}`);
  const out: Json = {};
  for (const channel of ['red', 'green', 'blue', 'alpha']) {
    const v = color[channel];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) bad(`Invalid value at '${channel}' (${JSON.stringify(v)}): must be between 0 and 1`);
    const quantised = float32(Math.round((v as number) * 255) / 255);
    if (quantised !== 0) out[channel] = quantised;
  }
  return out;
}
/** The shortest decimal that reads back as the same float32, as Google's JSON writes it. */
function float32(v: number): number {
  const single = Math.fround(v);
  for (let digits = 1; digits < 9; digits++) if (Math.fround(Number(single.toPrecision(digits))) === single) return Number(single.toPrecision(digits));
  return single;
}
/** backgroundColorStyle wins over backgroundColor; Sheets answers both. Theme colours are not emulated. */
function withBackground(format: Json): Json {
  const style = format.backgroundColorStyle;
  if (isObj(style) && 'themeColor' in style) bad('SheetsEmulator does not emulate theme colours (backgroundColorStyle.themeColor)');
  const rgb = isObj(style) && style.rgbColor !== undefined ? style.rgbColor : format.backgroundColor;
  if (rgb === undefined) return format;
  const color = storedColor(rgb);
  return { ...format, backgroundColor: color, backgroundColorStyle: { rgbColor: structuredClone(color) } };
}
/** RRGGBB of a stored colour. */
const hexOf = (color: Json): string =>
  ['red', 'green', 'blue'].map((channel) => Math.round(((color[channel] as number | undefined) ?? 0) * 255).toString(16).padStart(2, '0').toUpperCase()).join('');
const colorOf = (hex: string): Json => {
  if (!/^[0-9A-Fa-f]{6}$/.test(hex)) throw new Error(`SheetsEmulator: background "${hex}" is not RRGGBB`);
  return Object.fromEntries(['red', 'green', 'blue'].map((channel, i) => [channel, parseInt(hex.slice(i * 2, i * 2 + 2), 16) / 255]));
};

/** The CellData Google returns for a stored cell (what GoogleSpreadsheetCell reads). */
function cellData(cell: StoredCell | undefined): Json {
  const out = toCellJson(cell);
  if (!cell) return out;
  if (cell.value !== null) {
    out.effectiveValue = typedValue(cell.value);
    out.formattedValue = formatValue(cell.value, cell.format);
  }
  if (cell.value !== null || cell.format) out.effectiveFormat = deepMerge(DEFAULT_FORMAT, cell.format ?? {});
  return out;
}
function formatValue(value: CellValue, format: Json | undefined): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return value;
  const nf = isObj(format?.numberFormat) ? (format.numberFormat as { type?: string; pattern?: string }) : undefined;
  const pattern = nf?.pattern || DEFAULT_PATTERNS[nf?.type ?? ''];
  return pattern ? formatNumber(value, pattern) : generalNumber(value);
}
const generalNumber = (n: number): string => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(10))));

/** Number-format patterns: literals ("€", \x, text), 0/#/? digits, grouping commas, trailing-comma scaling, %, sections. */
function formatNumber(n: number, pattern: string): string {
  const sections = pattern.split(';');
  let section = sections[0]!;
  let sign = n < 0 ? '-' : '';
  if (n < 0 && sections[1] !== undefined) { section = sections[1]; sign = ''; } else if (n === 0 && sections[2] !== undefined) section = sections[2];
  let prefix = ''; let digits = ''; let suffix = ''; let unquotedLetters = '';
  for (let i = 0; i < section.length; i++) {
    const ch = section[i]!;
    let literal: string | undefined;
    if (ch === '"') { const end = section.indexOf('"', i + 1); literal = section.slice(i + 1, end < 0 ? undefined : end); i = end < 0 ? section.length : end; }
    else if (ch === '\\') literal = section[++i] ?? '';
    else if (/[0#?]/.test(ch) || (ch === '.' && /[0#?]/.test(section[i + 1] ?? '')) || (/[,.]/.test(ch) && digits && !suffix)) { if (!suffix) { digits += ch; continue; } literal = ch; }
    else if (ch === '_' || ch === '*') { i++; continue; } else if (ch === '[') { i = Math.max(i, section.indexOf(']', i)); continue; }
    else { literal = ch; if (/[a-z]/i.test(ch)) unquotedLetters += ch; }
    if (digits) suffix += literal; else prefix += literal;
  }
  if (!digits || /[dmyhse]/i.test(unquotedLetters)) return generalNumber(n); // date/time and scientific patterns are not emulated
  const [intPattern = '', decPattern = ''] = digits.split('.');
  const scaling = /,+$/.exec(intPattern)?.[0].length ?? 0;
  const percent = (prefix + suffix).includes('%') ? 100 : 1;
  const maxDec = (decPattern.match(/[0#?]/g) ?? []).length;
  const minDec = (decPattern.match(/0/g) ?? []).length;
  const minInt = (intPattern.match(/0/g) ?? []).length;
  const fixed = ((Math.abs(n) * percent) / 1000 ** scaling).toFixed(maxDec);
  let [intDigits = '', decDigits = ''] = fixed.split('.');
  while (decDigits.length > minDec && decDigits.endsWith('0')) decDigits = decDigits.slice(0, -1);
  if (intDigits === '0' && minInt === 0) intDigits = '';
  intDigits = intDigits.padStart(minInt, '0');
  if (intPattern.replace(/,+$/, '').includes(',')) intDigits = intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  if (!/[1-9]/.test(intDigits + decDigits)) sign = '';
  return `${sign}${prefix}${intDigits}${decDigits ? `.${decDigits}` : ''}${suffix}`;
}
function numberFormatType(pattern: string): string {
  return pattern.includes('%') ? 'PERCENT' : /[$€£¥]/.test(pattern) ? 'CURRENCY' : 'NUMBER';
}
/** values.update / values.append input: RAW keeps strings; USER_ENTERED parses numbers and booleans. */
function parseInput(v: unknown, mode: string): CellValue {
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v !== 'string') return bad(`Invalid value ${JSON.stringify(v)}`);
  if (v === '') return null;
  if (mode === 'RAW') return v;
  if (v.startsWith('=')) bad('SheetsEmulator does not evaluate formulas');
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.trim())) return Number(v);
  if (/^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return v;
}

// ---------------------------------------------------------------- sheet geometry
function moveCells(tab: Tab, dim: Dim, to: (index: number, other: number) => number | null): void {
  const next = new Map<string, StoredCell>();
  for (const [k, cell] of tab.cells) {
    const [r, c] = unkey(k);
    const moved = dim === 'ROWS' ? to(r, c) : to(c, r);
    if (moved !== null) next.set(dim === 'ROWS' ? key(moved, c) : key(r, moved), cell);
  }
  tab.cells = next;
}
/** Moves (or drops, for null) the custom heights or widths of a dimension, as rows or columns move. */
function moveSizes(tab: Tab, dim: Dim, to: (index: number) => number | null): void {
  const next = new Map<number, number>();
  for (const [index, size] of tab.pixelSizes[dim]) {
    const moved = to(index);
    if (moved !== null) next.set(moved, size);
  }
  tab.pixelSizes[dim] = next;
}
const pixelSize = (tab: Tab, dim: Dim, index: number): number => tab.pixelSizes[dim].get(index) ?? DEFAULT_PIXEL_SIZE[dim];
function checkRange(tab: Tab, range: Range, text?: string): Range {
  const { r0, r1, c0, c1 } = range;
  if (r0 < 0 || c0 < 0 || r1 < r0 || c1 < c0) bad(`Invalid range: ${text ?? JSON.stringify(range)}`);
  if (r1 > tab.rowCount || c1 > tab.columnCount) {
    bad(`Range (${text ?? a1Of(tab, range)}) exceeds grid limits. Max rows: ${tab.rowCount}, max columns: ${tab.columnCount}`);
  }
  return range;
}
function parseCells(text: string, tab: Tab, whole: string): Range {
  const parts = text.split(':');
  const points = parts.map((p) => /^\$?([A-Za-z]*)\$?(\d*)$/.exec(p.trim()));
  if (parts.length > 2 || points.some((m) => !m || (!m[1] && !m[2]) || m[2] === '0')) bad(`Unable to parse range: ${whole}`);
  const [, l0 = '', d0 = ''] = points[0]!;
  const [, l1 = '', d1 = ''] = points[1] ?? points[0]!;
  let c0 = l0 ? columnIndex(l0) : 0; let r0 = d0 ? Number(d0) - 1 : 0;
  let c1 = l1 ? columnIndex(l1) + 1 : tab.columnCount; let r1 = d1 ? Number(d1) : tab.rowCount;
  if (c1 <= c0) [c0, c1] = [c1 - 1, c0 + 1];
  if (r1 <= r0) [r0, r1] = [r1 - 1, r0 + 1];
  return { r0, r1, c0, c1 };
}
function sheetProperties(book: Book, tab: Tab, withZeros = false): Json {
  const grid: Json = { rowCount: tab.rowCount, columnCount: tab.columnCount };
  if (tab.frozenRowCount || withZeros) grid.frozenRowCount = tab.frozenRowCount;
  if (tab.frozenColumnCount || withZeros) grid.frozenColumnCount = tab.frozenColumnCount;
  return { sheetId: tab.sheetId, title: tab.title, index: book.tabs.indexOf(tab), sheetType: 'GRID', gridProperties: grid, ...structuredClone(tab.extra) };
}
function gridData(tab: Tab, { r0, r1, c0, c1 }: Range): Json {
  const rowData: Json[] = [];
  for (let r = r0; r < r1; r++) {
    const values: Json[] = [];
    for (let c = c0; c < c1; c++) values.push(cellData(tab.cells.get(key(r, c))));
    while (values.length && !Object.keys(values[values.length - 1]!).length) values.pop();
    rowData.push(values.length ? { values } : {});
  }
  while (rowData.length && !rowData[rowData.length - 1]!.values) rowData.pop();
  return {
    ...(r0 ? { startRow: r0 } : {}), ...(c0 ? { startColumn: c0 } : {}), ...(rowData.length ? { rowData } : {}),
    rowMetadata: Array.from({ length: r1 - r0 }, (_, i) => ({ pixelSize: pixelSize(tab, 'ROWS', r0 + i) })),
    columnMetadata: Array.from({ length: c1 - c0 }, (_, i) => ({ pixelSize: pixelSize(tab, 'COLUMNS', c0 + i) })),
  };
}
function valueRange(tab: Tab, range: Range, render: string, major: string): Json {
  if (!['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA'].includes(render)) bad(`Invalid valueRenderOption: ${render}`);
  let rows: unknown[][] = [];
  for (let r = range.r0; r < range.r1; r++) {
    const row: unknown[] = [];
    for (let c = range.c0; c < range.c1; c++) {
      const cell = tab.cells.get(key(r, c));
      row.push(!cell || cell.value === null ? '' : render === 'FORMATTED_VALUE' ? formatValue(cell.value, cell.format) : cell.value);
    }
    rows.push(row);
  }
  if (major === 'COLUMNS') rows = Array.from({ length: range.c1 - range.c0 }, (_, c) => rows.map((row) => row[c]));
  for (const row of rows) while (row.length && row[row.length - 1] === '') row.pop();
  while (rows.length && !rows[rows.length - 1]!.length) rows.pop();
  return { range: a1Of(tab, range), majorDimension: major, ...(rows.length ? { values: rows } : {}) };
}

// ---------------------------------------------------------------- the emulator
export class SheetsEmulator {
  /** Every Sheets API request received (failed ones included), in order; path is decoded. Token requests are not listed. */
  readonly requests: { method: string; path: string; body?: unknown }[] = [];
  private readonly books = new Map<string, Book>();
  private readonly tokens = new Map<string, Caller>();
  private readonly failures: { remaining: number; status: number; method?: string; pathIncludes?: string; retryAfterSeconds?: number }[] = [];
  private tokenCount = 0;

  private constructor(private readonly agent: MockAgent, private readonly previous: Dispatcher) {}

  static install(): SheetsEmulator {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const emulator = new SheetsEmulator(agent, getGlobalDispatcher());
    const any = { path: () => true, method: () => true };
    agent.get(SHEETS_ORIGIN).intercept(any).reply((opts) => emulator.serveSheets(opts)).persist();
    agent.get(TOKEN_ORIGIN).intercept(any).reply((opts) => emulator.serveToken(opts)).persist();
    setGlobalDispatcher(agent);
    return emulator;
  }

  async uninstall(): Promise<void> {
    setGlobalDispatcher(this.previous);
    await this.agent.close();
  }

  /** Requests received by the token endpoint (google-auth-library caches its token, so usually 1 per client). */
  get tokenRequests(): number { return this.tokenCount; }

  // ------------------------------------------------------------ test-side state API
  addSpreadsheet(id: string, options: { title?: string; sharedWith?: string[] } = {}): void {
    if (this.books.has(id)) throw new Error(`SheetsEmulator: spreadsheet ${id} already exists`);
    this.books.set(id, {
      id, sharedWith: options.sharedWith?.map((e) => e.toLowerCase()) ?? null, tabs: [], nextSheetId: 0,
      properties: { title: options.title ?? 'Untitled spreadsheet', locale: 'en_US', autoRecalc: 'ON_CHANGE', timeZone: 'Europe/Madrid', defaultFormat: structuredClone(DEFAULT_FORMAT) },
    });
  }

  addTab(spreadsheetId: string, title: string, options: { rowCount?: number; columnCount?: number; frozenRowCount?: number; frozenColumnCount?: number } = {}): number {
    const draft = structuredClone(this.book(spreadsheetId));
    const { sheetId } = this.guard(() => this.addSheet(draft, { title, gridProperties: { rowCount: 1000, columnCount: 26, ...options } }));
    this.books.set(spreadsheetId, draft);
    return sheetId;
  }

  setCells(spreadsheetId: string, tab: string, a1TopLeft: string, rows: CellValue[][]): void {
    const t = this.tab(spreadsheetId, tab);
    this.guard(() => {
      const { r0, c0 } = parseCells(a1TopLeft, t, a1TopLeft);
      rows.forEach((row, i) => row.forEach((_, j) => this.checkCell(t, r0 + i, c0 + j)));
      rows.forEach((row, i) => row.forEach((value, j) => this.setValue(t, r0 + i, c0 + j, value === '' ? null : value)));
    });
  }

  setCell(spreadsheetId: string, tab: string, a1: string, cell: Partial<EmulatedCell>): void {
    const t = this.tab(spreadsheetId, tab);
    const { r0, c0 } = this.guard(() => { const at = parseCells(a1, t, a1); this.checkCell(t, at.r0, at.c0); return at; });
    const stored: StoredCell = structuredClone(t.cells.get(key(r0, c0))) ?? { value: null };
    const format = stored.format ?? {};
    if ('value' in cell) stored.value = cell.value === '' || cell.value === undefined ? null : cell.value;
    if ('note' in cell) { if (cell.note) stored.note = cell.note; else delete stored.note; }
    if ('numberFormat' in cell) {
      if (cell.numberFormat) format.numberFormat = { type: numberFormatType(cell.numberFormat), pattern: cell.numberFormat };
      else delete format.numberFormat;
    }
    if ('background' in cell) {
      delete format.backgroundColorStyle;
      if (cell.background) format.backgroundColor = colorOf(cell.background); else delete format.backgroundColor;
    }
    if ('bold' in cell) {
      const text = isObj(format.textFormat) ? format.textFormat : {};
      if (cell.bold === undefined) delete text.bold; else text.bold = cell.bold;
      if (Object.keys(text).length) format.textFormat = text; else delete format.textFormat;
    }
    stored.format = format;
    this.store(t, r0, c0, fromCellJson(toCellJson(stored)));
  }

  cell(spreadsheetId: string, tab: string, a1: string): EmulatedCell | undefined {
    const t = this.tab(spreadsheetId, tab);
    const { r0, c0 } = this.guard(() => parseCells(a1, t, a1));
    const stored = t.cells.get(key(r0, c0));
    if (!stored) return undefined;
    const pattern = isObj(stored.format?.numberFormat) ? stored.format.numberFormat.pattern : undefined;
    const bold = isObj(stored.format?.textFormat) ? stored.format.textFormat.bold : undefined;
    const background = stored.format?.backgroundColor;
    return {
      value: stored.value,
      ...(typeof pattern === 'string' ? { numberFormat: pattern } : {}),
      ...(typeof bold === 'boolean' ? { bold } : {}),
      ...(stored.note ? { note: stored.note } : {}),
      ...(isObj(background) ? { background: hexOf(background) } : {}),
    };
  }

  grid(spreadsheetId: string, tab: string): CellValue[][] {
    const t = this.tab(spreadsheetId, tab);
    let rows = 0; let columns = 0;
    for (const [k, cell] of t.cells) {
      if (cell.value === null) continue;
      const [r, c] = unkey(k);
      rows = Math.max(rows, r + 1); columns = Math.max(columns, c + 1);
    }
    return Array.from({ length: rows }, (_, r) => Array.from({ length: columns }, (_, c) => t.cells.get(key(r, c))?.value ?? null));
  }

  /** A column's width in pixels (`B`): as set by updateDimensionProperties, or Google's default 100. */
  columnWidth(spreadsheetId: string, tab: string, column: string): number {
    return pixelSize(this.tab(spreadsheetId, tab), 'COLUMNS', columnIndex(column));
  }

  tabs(spreadsheetId: string): { sheetId: number; title: string; rowCount: number; columnCount: number; frozenRowCount: number; frozenColumnCount: number }[] {
    return this.book(spreadsheetId).tabs.map(({ sheetId, title, rowCount, columnCount, frozenRowCount, frozenColumnCount }) =>
      ({ sheetId, title, rowCount, columnCount, frozenRowCount, frozenColumnCount }));
  }

  /**
   * The next `times` Sheets requests matching the options answer `status` with a Google-style error body
   * (and a `Retry-After` header when given); `Infinity` for a failure that never lifts.
   */
  failNext(times: number, status: number, options: { method?: string; pathIncludes?: string; retryAfterSeconds?: number } = {}): void {
    this.failures.push({ remaining: times, status, ...options });
  }

  private book(id: string): Book {
    const book = this.books.get(id);
    if (!book) throw new Error(`SheetsEmulator: no spreadsheet ${id}`);
    return book;
  }
  private tab(spreadsheetId: string, title: string): Tab {
    const tab = this.findTab(this.book(spreadsheetId), title);
    if (!tab) throw new Error(`SheetsEmulator: spreadsheet ${spreadsheetId} has no tab "${title}"`);
    return tab;
  }
  /** Test-side calls report API errors as plain Errors. */
  private guard<T>(fn: () => T): T {
    try { return fn(); } catch (e) { throw e instanceof ApiError ? new Error(`SheetsEmulator: ${e.message}`) : e; }
  }
  private findTab(book: Book, title: string): Tab | undefined {
    return book.tabs.find((t) => t.title.toLowerCase() === title.toLowerCase());
  }
  private tabById(book: Book, sheetId: unknown): Tab {
    return book.tabs.find((t) => t.sheetId === (sheetId ?? 0)) ?? bad(`No grid with id: ${String(sheetId)}`);
  }
  private checkCell(tab: Tab, r: number, c: number): void {
    if (r >= tab.rowCount || c >= tab.columnCount) {
      bad(`Range (${quoteTitle(tab.title)}!${columnLetter(c)}${r + 1}) exceeds grid limits. Max rows: ${tab.rowCount}, max columns: ${tab.columnCount}`);
    }
  }
  private store(tab: Tab, r: number, c: number, cell: StoredCell | undefined): void {
    if (cell) tab.cells.set(key(r, c), cell); else tab.cells.delete(key(r, c));
  }
  private setValue(tab: Tab, r: number, c: number, value: CellValue): void {
    const cell = tab.cells.get(key(r, c));
    this.store(tab, r, c, fromCellJson(toCellJson({ ...cell, value })));
  }
  /** Writes one CellData under a field mask: only the listed paths change. */
  private writeCell(tab: Tab, r: number, c: number, src: unknown, paths: string[]): void {
    this.checkCell(tab, r, c);
    const cur = toCellJson(tab.cells.get(key(r, c)));
    for (const path of paths) copyPath(isObj(src) ? src : {}, cur, path);
    this.store(tab, r, c, fromCellJson(cur));
  }

  /** A1 notation: `Tab!A1:C10`, `'sc 2026'!A1:B2`, `Tab`, `A:A`, `1:1`, `A2:C`, `B3`; no tab means the first one. */
  private resolveA1(book: Book, a1: string): Target {
    let title: string | undefined; let cells: string | undefined;
    const quoted = /^'((?:[^']|'')+)'(?:!(.*))?$/.exec(a1);
    if (quoted) { title = quoted[1]!.replace(/''/g, "'"); cells = quoted[2]; } else if (a1.includes('!')) {
      title = a1.slice(0, a1.lastIndexOf('!')); cells = a1.slice(a1.lastIndexOf('!') + 1);
    } else if (this.findTab(book, a1)) title = a1; else cells = a1;
    const tab = title === undefined ? book.tabs[0] : this.findTab(book, title);
    if (!tab) return bad(`Unable to parse range: ${a1}`);
    const whole = { r0: 0, r1: tab.rowCount, c0: 0, c1: tab.columnCount };
    return { tab, range: cells ? checkRange(tab, parseCells(cells, tab, a1), a1) : whole };
  }
  private resolveGridRange(book: Book, g: unknown): Target {
    if (!isObj(g)) return bad('Invalid gridRange');
    const tab = this.tabById(book, g.sheetId);
    const n = (v: unknown, fallback: number): number => (v === undefined ? fallback : int(v, 'grid range index'));
    const range = { r0: n(g.startRowIndex, 0), r1: n(g.endRowIndex, tab.rowCount), c0: n(g.startColumnIndex, 0), c1: n(g.endColumnIndex, tab.columnCount) };
    return { tab, range: checkRange(tab, range) };
  }
  private resolveFilter(book: Book, filter: unknown): Target {
    if (isObj(filter) && typeof filter.a1Range === 'string') return this.resolveA1(book, filter.a1Range);
    if (isObj(filter) && 'gridRange' in filter) return this.resolveGridRange(book, filter.gridRange);
    return bad(`SheetsEmulator supports only a1Range and gridRange data filters, got ${JSON.stringify(filter)}`);
  }

  // ------------------------------------------------------------ HTTP
  private reply(statusCode: number, body: unknown, headers: Record<string, string> = {}): Reply {
    return { statusCode, data: JSON.stringify(body), responseOptions: { headers: { 'content-type': 'application/json; charset=UTF-8', ...headers } } };
  }
  private errorReply(code: number, message: string, headers: Record<string, string> = {}): Reply {
    return this.reply(code, { error: { code, message, status: STATUS[code] ?? 'UNKNOWN' } }, headers);
  }

  /** POST https://oauth2.googleapis.com/token — google-auth-library's JWT client (jwt-bearer grant). */
  private serveToken(opts: MockRequest): Reply {
    this.tokenCount++;
    const form = new URLSearchParams(bodyText(opts.body) ?? '');
    const json = (status: number, body: Json): Reply => this.reply(status, body);
    if (opts.method !== 'POST' || new URL(opts.path, TOKEN_ORIGIN).pathname !== '/token') return json(404, { error: 'not_found' });
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return json(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + String(form.get('grant_type')) });
    let claims: Json = {};
    try { claims = JSON.parse(Buffer.from(String(form.get('assertion')).split('.')[1] ?? '', 'base64url').toString('utf8')) as Json; } catch { /* answered below */ }
    if (typeof claims.iss !== 'string') return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT: no iss claim' });
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(/\s+/).filter(Boolean) : [];
    if (!scopes.length) return json(400, { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' });
    const token = `emulated-${randomBytes(6).toString('hex')}-${claims.iss}`;
    this.tokens.set(token, { email: claims.iss.toLowerCase(), scopes });
    return json(200, { access_token: token, expires_in: 3600, token_type: 'Bearer' });
  }

  private serveSheets(opts: MockRequest): Reply {
    const url = new URL(opts.path, SHEETS_ORIGIN);
    const method = opts.method.toUpperCase();
    const path = safeDecode(url.pathname) + safeDecode(url.search);
    let body: unknown;
    try {
      const text = bodyText(opts.body);
      body = text === undefined || text === '' ? undefined : JSON.parse(text);
    } catch { body = undefined; }
    this.requests.push({ method, path, ...(body !== undefined ? { body } : {}) });
    try {
      const failure = this.failures.find((f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method)
        && (!f.pathIncludes || path.includes(f.pathIncludes) || opts.path.includes(f.pathIncludes)));
      if (failure) {
        failure.remaining--;
        const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
        return this.errorReply(failure.status, FAILURE_MESSAGES[failure.status] ?? `Emulated failure ${failure.status}`, headers);
      }
      if (opts.body && body === undefined) bad('Invalid JSON payload received.');
      return this.reply(200, this.route(method, url, isObj(body) ? body : {}, opts.headers));
    } catch (e) {
      if (e instanceof ApiError) return this.errorReply(e.code, e.message);
      return this.errorReply(500, `SheetsEmulator internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
  }

  private caller(headers: unknown, url: URL): Caller {
    const auth = header(headers, 'authorization');
    if (!auth) throw new ApiError(401, url.searchParams.has('key') ? `${NO_CREDENTIALS} (SheetsEmulator does not emulate API keys)` : NO_CREDENTIALS);
    const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() ?? '';
    if (token.startsWith('test-token:') && token.length > 11) return { email: token.slice(11).toLowerCase(), scopes: [AUTH + 'spreadsheets'] };
    const caller = this.tokens.get(token);
    if (!caller) throw new ApiError(401, BAD_CREDENTIALS);
    return caller;
  }

  private route(method: string, url: URL, body: Json, headers: unknown): unknown {
    const m = /^\/v4\/spreadsheets\/([^/:]+)\/?(.*)$/.exec(url.pathname);
    // ky joins its prefix with '/', so google-spreadsheet asks for `{id}/` and `{id}/:batchUpdate`.
    const rest = m?.[2] ?? '';
    const values = rest.startsWith('values/') ? /^(.*?)(?::(clear|append))?$/.exec(safeDecode(rest.slice(7))) : null;
    const endpoint = !m ? undefined
      : rest === '' && method === 'GET' ? 'get'
      : rest === ':batchUpdate' && method === 'POST' ? 'batchUpdate'
      : rest === ':getByDataFilter' && method === 'POST' ? 'getByDataFilter'
      : rest === 'values:batchGet' && method === 'GET' ? 'batchGet'
      : values?.[2] && method === 'POST' ? values[2]
      : values && !values[2] && method === 'GET' ? 'valuesGet'
      : values && !values[2] && method === 'PUT' ? 'valuesUpdate' : undefined;
    if (!m || !endpoint) throw new ApiError(404, `SheetsEmulator does not emulate ${method} ${safeDecode(url.pathname)}`);
    const caller = this.caller(headers, url);
    const write = ['batchUpdate', 'valuesUpdate', 'clear', 'append'].includes(endpoint);
    if (!caller.scopes.some((s) => (write ? WRITE_SCOPES : READ_SCOPES).includes(s))) throw new ApiError(403, 'Request had insufficient authentication scopes.');
    const book = this.books.get(safeDecode(m[1]!));
    if (!book) throw new ApiError(404, 'Requested entity was not found.');
    if (book.sharedWith && !book.sharedWith.includes(caller.email)) throw new ApiError(403, 'The caller does not have permission');
    const q = url.searchParams;
    const a1 = values?.[1] ?? '';
    switch (endpoint) {
      // doc.loadInfo(includeCells) — and loadCells() when authenticated with an API key only
      case 'get': {
        const ranges = q.getAll('ranges').map((r) => this.resolveA1(book, r));
        return this.resource(book, q.get('includeGridData') === 'true', ranges);
      }
      // doc.loadCells() / sheet.loadCells(): one dataFilter per requested range
      case 'getByDataFilter': {
        const filters = Array.isArray(body.dataFilters) ? body.dataFilters : [];
        return this.resource(book, body.includeGridData === true, filters.map((f) => this.resolveFilter(book, f)));
      }
      // sheet.getCellsInRange()
      case 'valuesGet': {
        const { tab, range } = this.resolveA1(book, a1);
        return valueRange(tab, range, q.get('valueRenderOption') ?? 'FORMATTED_VALUE', q.get('majorDimension') ?? 'ROWS');
      }
      // sheet.batchGetCellsInRange(), sheet.getRows()
      case 'batchGet': {
        const valueRanges = q.getAll('ranges').map((r) => this.resolveA1(book, r))
          .map(({ tab, range }) => valueRange(tab, range, q.get('valueRenderOption') ?? 'FORMATTED_VALUE', q.get('majorDimension') ?? 'ROWS'));
        return { spreadsheetId: book.id, valueRanges };
      }
      // sheet.setHeaderRow(), row.save()
      case 'valuesUpdate': return this.valuesWrite(book, a1, body, q, false);
      // sheet.addRow(s)
      case 'append': return this.valuesWrite(book, a1, body, q, true);
      // sheet.clear(), sheet.clearRows()
      case 'clear': {
        const { tab, range } = this.resolveA1(book, a1);
        for (const [k] of [...tab.cells]) {
          const [r, c] = unkey(k);
          if (r >= range.r0 && r < range.r1 && c >= range.c0 && c < range.c1) this.setValue(tab, r, c, null);
        }
        return { spreadsheetId: book.id, clearedRange: a1Of(tab, range) };
      }
      // everything else: addSheet, saveUpdatedCells, insertDimension, updateProperties, … (see apply)
      default: return this.batchUpdate(book, body);
    }
  }

  /** The Spreadsheet resource; with targets, only the tabs they touch (and grid data for exactly those ranges). */
  private resource(book: Book, includeGridData: boolean, targets: Target[] = []): Json {
    const sheets = book.tabs.flatMap((tab) => {
      const mine = targets.filter((t) => t.tab === tab).map((t) => t.range);
      if (targets.length && !mine.length) return [];
      const ranges = mine.length ? mine : [{ r0: 0, r1: tab.rowCount, c0: 0, c1: tab.columnCount }];
      return [{ properties: sheetProperties(book, tab), ...(includeGridData ? { data: ranges.map((r) => gridData(tab, r)) } : {}) }];
    });
    return { spreadsheetId: book.id, properties: structuredClone(book.properties), sheets, spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${book.id}/edit` };
  }

  /** values.update (PUT values/{range}) and values.append (POST values/{range}:append). */
  private valuesWrite(book: Book, a1: string, body: Json, q: URLSearchParams, append: boolean): Json {
    const mode = q.get('valueInputOption');
    if (mode !== 'RAW' && mode !== 'USER_ENTERED') bad(`'valueInputOption' is required but not specified`);
    const { tab, range } = this.resolveA1(book, a1);
    let rows = (Array.isArray(body.values) ? body.values : []).map((row) => (Array.isArray(row) ? row : bad('values must be arrays')));
    if (body.majorDimension === 'COLUMNS') rows = Array.from({ length: Math.max(0, ...rows.map((r) => r.length)) }, (_, i) => rows.map((r) => r[i]));
    const width = Math.max(0, ...rows.map((r) => r.length));
    const writes = rows.flatMap((row, i) => row.flatMap((v, j) => (v === null || v === undefined ? [] : [{ i, j, value: parseInput(v, String(mode)) }])));
    let top = range.r0;
    let tableEnd = range.r0;
    if (append) {
      for (const [k, cell] of tab.cells) { const [r] = unkey(k); if (cell.value !== null && r >= tableEnd) tableEnd = r + 1; }
      top = tableEnd;
      checkRange(tab, { r0: top, r1: top, c0: range.c0, c1: range.c0 + width });
      if (q.get('insertDataOption') === 'INSERT_ROWS') {
        moveCells(tab, 'ROWS', (r) => (r >= top ? r + rows.length : r));
        moveSizes(tab, 'ROWS', (r) => (r >= top ? r + rows.length : r));
        tab.rowCount += rows.length;
      }
      else tab.rowCount = Math.max(tab.rowCount, top + rows.length);
    } else {
      for (const { i, j } of writes) {
        if (i >= range.r1 - range.r0) bad(`Requested writing within range [${a1Of(tab, range)}], but tried writing to row [${range.r0 + i + 1}]`);
        if (j >= range.c1 - range.c0) bad(`Requested writing within range [${a1Of(tab, range)}], but tried writing to column [${columnLetter(range.c0 + j)}]`);
      }
    }
    for (const { i, j, value } of writes) this.setValue(tab, top + i, range.c0 + j, value);
    const written = { r0: top, r1: top + rows.length, c0: range.c0, c1: range.c0 + width };
    const update: Json = {
      spreadsheetId: book.id, updatedRange: a1Of(tab, written), updatedRows: rows.length, updatedColumns: width, updatedCells: writes.length,
      ...(q.get('includeValuesInResponse') === 'true'
        ? { updatedData: valueRange(tab, written, q.get('responseValueRenderOption') ?? 'FORMATTED_VALUE', 'ROWS') } : {}),
    };
    if (!append) return update;
    return { spreadsheetId: book.id, ...(tableEnd > range.r0 ? { tableRange: a1Of(tab, { ...range, r1: tableEnd }) } : {}), updates: update };
  }

  /** POST :batchUpdate — applied in order to a copy, committed only if every request succeeds. */
  private batchUpdate(book: Book, body: Json): Json {
    const requests = Array.isArray(body.requests) ? body.requests : [];
    if (!requests.length) bad('Must specify at least one request.');
    const draft = structuredClone(book);
    const replies = requests.map((request, i) => {
      const entries = isObj(request) ? Object.entries(request) : [];
      if (entries.length !== 1) bad(`Invalid requests[${i}]: exactly one request kind must be set`);
      const [type, params] = entries[0]!;
      try {
        return this.apply(draft, type, isObj(params) ? params : {});
      } catch (e) {
        if (e instanceof ApiError) throw new ApiError(e.code, `Invalid requests[${i}].${type}: ${e.message}`);
        throw e;
      }
    });
    const ranges = Array.isArray(body.responseRanges) ? body.responseRanges.map((r) => this.resolveA1(draft, String(r))) : [];
    const response = {
      spreadsheetId: book.id, replies,
      ...(body.includeSpreadsheetInResponse === true ? { updatedSpreadsheet: this.resource(draft, body.responseIncludeGridData === true, ranges) } : {}),
    };
    this.books.set(book.id, draft);
    return response;
  }

  private apply(book: Book, type: string, p: Json): Json {
    switch (type) {
      case 'addSheet': // doc.addSheet()
        return { addSheet: { properties: sheetProperties(book, this.addSheet(book, isObj(p.properties) ? p.properties : {})) } };
      case 'deleteSheet': { // doc.deleteSheet(), sheet.delete()
        const tab = this.tabById(book, p.sheetId);
        if (book.tabs.length === 1) bad("You can't remove all the sheets in a document.");
        book.tabs.splice(book.tabs.indexOf(tab), 1);
        return {};
      }
      case 'updateSheetProperties': { // sheet.updateProperties(), resize(), updateGridProperties()
        const props = isObj(p.properties) ? p.properties : {};
        const tab = this.tabById(book, props.sheetId);
        const current = sheetProperties(book, tab, true);
        for (const path of parseMask(p.fields, SHEET_FIELDS)) copyPath(props, current, path);
        this.setSheetProperties(book, tab, current);
        return {};
      }
      case 'updateSpreadsheetProperties': // doc.updateProperties()
        for (const path of parseMask(p.fields, BOOK_FIELDS)) copyPath(isObj(p.properties) ? p.properties : {}, book.properties, path);
        return {};
      case 'insertDimension': // sheet.insertDimension()
      case 'deleteDimension': // sheet.deleteDimension(), deleteRows(), deleteColumns()
      case 'appendDimension': { // sheet.appendDimension()
        const r = type === 'appendDimension' ? p : isObj(p.range) ? p.range : {};
        const tab = this.tabById(book, r.sheetId);
        const dim = r.dimension === 'ROWS' || r.dimension === 'COLUMNS' ? r.dimension : bad(`Invalid dimension: ${String(r.dimension)}`);
        const countKey = dim === 'ROWS' ? 'rowCount' : 'columnCount';
        if (type === 'appendDimension') { tab[countKey] += int(p.length, 'length'); return {}; }
        const start = int(r.startIndex, 'startIndex'); const end = int(r.endIndex, 'endIndex'); const n = end - start;
        if (n <= 0) bad('endIndex must be greater than startIndex');
        if (type === 'deleteDimension') {
          if (end > tab[countKey]) bad(`Cannot delete beyond the end of the grid (${tab[countKey]} ${dim.toLowerCase()})`);
          if (n === tab[countKey]) bad(`You can't delete all the ${dim.toLowerCase()} on the sheet.`);
          moveCells(tab, dim, (i) => (i < start ? i : i < end ? null : i - n));
          moveSizes(tab, dim, (i) => (i < start ? i : i < end ? null : i - n));
          tab[countKey] -= n;
          return {};
        }
        if (start > tab[countKey]) bad(`Cannot insert at ${start}: the grid has only ${tab[countKey]} ${dim.toLowerCase()}`);
        if (p.inheritFromBefore === true && start === 0) bad('Cannot inherit from before the first row/column');
        moveCells(tab, dim, (i) => (i >= start ? i + n : i));
        moveSizes(tab, dim, (i) => (i >= start ? i + n : i));
        tab[countKey] += n;
        // New rows/columns take the formatting and size of their neighbour (before, or after when inheritFromBefore is false).
        const source = p.inheritFromBefore === true ? start - 1 : end;
        const size = tab.pixelSizes[dim].get(source);
        if (size !== undefined) for (let i = start; i < end; i++) tab.pixelSizes[dim].set(i, size);
        for (const [k, cell] of [...tab.cells]) {
          const [row, col] = unkey(k);
          if ((dim === 'ROWS' ? row : col) !== source || !cell.format) continue;
          for (let i = start; i < end; i++) this.store(tab, dim === 'ROWS' ? i : row, dim === 'ROWS' ? col : i, { value: null, format: structuredClone(cell.format) });
        }
        return {};
      }
      case 'updateDimensionProperties': { // sheet.updateDimensionProperties(), and column widths in a batch
        const r = isObj(p.range) ? p.range : bad('updateDimensionProperties needs a range');
        const tab = this.tabById(book, r.sheetId);
        const dim = r.dimension === 'ROWS' || r.dimension === 'COLUMNS' ? r.dimension : bad(`Invalid dimension: ${String(r.dimension)}`);
        const count = dim === 'ROWS' ? tab.rowCount : tab.columnCount;
        const start = r.startIndex === undefined ? 0 : int(r.startIndex, 'startIndex');
        const end = r.endIndex === undefined ? count : int(r.endIndex, 'endIndex');
        if (end <= start || end > count) bad(`Invalid dimension range ${start}..${end}: the grid has ${count} ${dim.toLowerCase()}`);
        const paths = parseMask(p.fields, ['pixelSize']);
        const props = isObj(p.properties) ? p.properties : {};
        if (paths.includes('pixelSize')) {
          const size = props.pixelSize === undefined ? undefined : int(props.pixelSize, 'pixelSize');
          for (let i = start; i < end; i++) {
            if (size === undefined) tab.pixelSizes[dim].delete(i); else tab.pixelSizes[dim].set(i, size);
          }
        }
        return {};
      }
      case 'deleteRange': { // row.delete(), sheet.deleteRange()
        const { tab, range } = this.resolveGridRange(book, p.range);
        const dim = p.shiftDimension === 'ROWS' || p.shiftDimension === 'COLUMNS' ? p.shiftDimension : bad('shiftDimension must be ROWS or COLUMNS');
        const [start, end, o0, o1] = dim === 'ROWS' ? [range.r0, range.r1, range.c0, range.c1] : [range.c0, range.c1, range.r0, range.r1];
        moveCells(tab, dim, (i, other) => (other < o0 || other >= o1 || i < start ? i : i < end ? null : i - (end - start)));
        return {};
      }
      case 'updateCells': { // sheet.saveUpdatedCells(), sheet.saveCells(), cell.save(): one request per cell, with `start`
        const paths = parseMask(p.fields, CELL_FIELDS);
        const rows = (Array.isArray(p.rows) ? p.rows : []).map((row) => (isObj(row) && Array.isArray(row.values) ? row.values : []));
        if (isObj(p.start)) {
          const tab = this.tabById(book, p.start.sheetId);
          const r0 = int(p.start.rowIndex ?? 0, 'rowIndex'); const c0 = int(p.start.columnIndex ?? 0, 'columnIndex');
          rows.forEach((values, i) => values.forEach((cell, j) => this.writeCell(tab, r0 + i, c0 + j, cell, paths)));
        } else if (isObj(p.range)) {
          const { tab, range } = this.resolveGridRange(book, p.range);
          for (let r = range.r0; r < range.r1; r++) {
            for (let c = range.c0; c < range.c1; c++) this.writeCell(tab, r, c, rows[r - range.r0]?.[c - range.c0], paths);
          }
        } else bad('updateCells needs start or range');
        return {};
      }
      case 'repeatCell': { // sheet.repeatCell()
        const paths = parseMask(p.fields, CELL_FIELDS);
        const { tab, range } = this.resolveGridRange(book, p.range);
        for (let r = range.r0; r < range.r1; r++) for (let c = range.c0; c < range.c1; c++) this.writeCell(tab, r, c, p.cell, paths);
        return {};
      }
      default:
        return bad(`SheetsEmulator does not support the "${type}" request`);
    }
  }

  private addSheet(book: Book, props: Json): Tab {
    if (props.sheetType !== undefined && props.sheetType !== 'GRID') bad('SheetsEmulator supports only GRID sheets');
    const taken = (id: number): boolean => book.tabs.some((t) => t.sheetId === id);
    // The first tab gets id 0 like Google's; later ones get ids that differ from their index.
    const nextId = (): number => (book.nextSheetId === 0 ? 0 : 1_000_000 + book.nextSheetId);
    let sheetId: number;
    if (props.sheetId !== undefined) {
      sheetId = int(props.sheetId, 'sheetId');
      if (taken(sheetId)) bad(`A sheet with the id ${sheetId} already exists.`);
    } else {
      while (taken(nextId())) book.nextSheetId++;
      sheetId = nextId();
    }
    book.nextSheetId++;
    let n = book.tabs.length + 1;
    while (this.findTab(book, `Sheet${n}`)) n++;
    const title = props.title ?? `Sheet${n}`;
    if (typeof title === 'string' && this.findTab(book, title)) bad(`A sheet with the name "${title}" already exists. Please enter another name.`);
    const tab: Tab = { sheetId, title: '', rowCount: 1000, columnCount: 26, frozenRowCount: 0, frozenColumnCount: 0, extra: {}, cells: new Map(), pixelSizes: { ROWS: new Map(), COLUMNS: new Map() } };
    const index = props.index === undefined ? book.tabs.length : Math.min(int(props.index, 'index'), book.tabs.length);
    book.tabs.splice(index, 0, tab);
    const grid = isObj(props.gridProperties) ? props.gridProperties : {};
    this.setSheetProperties(book, tab, { ...props, title, index, gridProperties: { rowCount: 1000, columnCount: 26, ...grid } });
    return tab;
  }

  private setSheetProperties(book: Book, tab: Tab, props: Json): void {
    const title = typeof props.title === 'string' && props.title.trim() ? props.title : bad('Sheet title must not be empty');
    const clash = this.findTab(book, title);
    if (clash && clash !== tab) bad(`A sheet with the name "${title}" already exists. Please enter another name.`);
    const grid = isObj(props.gridProperties) ? props.gridProperties : {};
    const rowCount = int(grid.rowCount, 'rowCount'); const columnCount = int(grid.columnCount, 'columnCount');
    const frozenRowCount = int(grid.frozenRowCount ?? 0, 'frozenRowCount'); const frozenColumnCount = int(grid.frozenColumnCount ?? 0, 'frozenColumnCount');
    if (rowCount < 1 || columnCount < 1) bad('A sheet needs at least one row and one column');
    Object.assign(tab, { title, rowCount, columnCount, frozenRowCount, frozenColumnCount });
    moveCells(tab, 'ROWS', (r, c) => (r < rowCount && c < columnCount ? r : null));
    moveSizes(tab, 'ROWS', (r) => (r < rowCount ? r : null));
    moveSizes(tab, 'COLUMNS', (c) => (c < columnCount ? c : null));
    tab.extra = Object.fromEntries(SHEET_FIELDS.slice(2, 6).filter((f) => props[f] !== undefined).map((f) => [f, structuredClone(props[f])]));
    if (props.index !== undefined && int(props.index, 'index') !== book.tabs.indexOf(tab)) {
      book.tabs.splice(book.tabs.indexOf(tab), 1);
      book.tabs.splice(Math.min(int(props.index, 'index'), book.tabs.length), 0, tab);
    }
  }
}
