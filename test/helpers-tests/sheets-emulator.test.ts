/**
 * Self-test of the Sheets emulator, driven only through the real google-spreadsheet and
 * google-auth-library code (their own HTTP requests go to the emulator through undici's MockAgent).
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { GoogleSpreadsheet } from 'google-spreadsheet';
import type { GoogleSpreadsheetWorksheet } from 'google-spreadsheet';
import { JWT } from 'google-auth-library';
import { SheetsEmulator } from '../helpers/sheets-emulator.ts';

// A throwaway key, generated per run: the emulator reads the JWT's claims without checking its signature.
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const ROBOT = 'kpi-robot@kpi-factory.iam.gserviceaccount.com';
const SCOPE = 'https://www.googleapis.com/auth/spreadsheets';

function jwt(scopes = [SCOPE], email = ROBOT): JWT {
  return new JWT({ email, key: privateKey, scopes, transporterOptions: { fetchImplementation: globalThis.fetch } });
}
const testAuth = (email = ROBOT) => ({ getRequestHeaders: async () => ({ Authorization: `Bearer test-token:${email}` }) });

async function rejectsWith(promise: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    const e = err as { response?: { status?: number }; message?: string };
    assert.equal(e.response?.status, status, `expected HTTP ${status}, got ${String(e.response?.status)}: ${String(e.message)}`);
    if (message) assert.match(String(e.message), message);
    return true;
  });
}

describe('SheetsEmulator through google-spreadsheet', () => {
  let emu: SheetsEmulator;
  beforeEach(() => {
    emu = SheetsEmulator.install();
    emu.addSpreadsheet('book', { title: 'KPI scorecard' });
    emu.addTab('book', 'Summary', { rowCount: 20, columnCount: 6, frozenRowCount: 1 });
    emu.addTab('book', 'sc 2026', { rowCount: 10, columnCount: 5 });
  });
  afterEach(async () => { await emu.uninstall(); });

  async function open(auth: ConstructorParameters<typeof GoogleSpreadsheet>[1] = testAuth(), id = 'book'): Promise<GoogleSpreadsheet> {
    const doc = new GoogleSpreadsheet(id, auth);
    await doc.loadInfo();
    return doc;
  }
  const tab = (doc: GoogleSpreadsheet, title: string): GoogleSpreadsheetWorksheet => {
    const sheet = doc.sheetsByTitle[title];
    assert.ok(sheet, `tab ${title} is loaded`);
    return sheet;
  };
  const batchUpdates = () => emu.requests.filter((r) => r.method === 'POST' && r.path.endsWith(':batchUpdate'));

  it('issues a token to the JWT client and requires it on every Sheets request', async () => {
    const doc = await open(jwt());
    assert.ok(emu.tokenRequests >= 1);
    assert.equal(doc.title, 'KPI scorecard');
    assert.equal(doc.timeZone, 'Europe/Madrid');
    await rejectsWith(open({ token: 'not-a-token-we-issued' }), 401, /invalid authentication credentials/);
    await rejectsWith(open({ getRequestHeaders: async () => ({}) }), 401, /missing required authentication credential/);
  });

  it('lists the tabs with their grid properties on loadInfo', async () => {
    const doc = await open();
    assert.deepEqual(doc.sheetsByIndex.map((s) => [s.title, s.index, s.rowCount, s.columnCount]), [['Summary', 0, 20, 6], ['sc 2026', 1, 10, 5]]);
    assert.equal(tab(doc, 'Summary').gridProperties.frozenRowCount, 1);
    assert.equal(tab(doc, 'Summary').sheetId, 0);
    assert.notEqual(tab(doc, 'sc 2026').sheetId, 1, 'sheet ids are not tab indexes');
    assert.deepEqual(emu.requests.map((r) => r.method), ['GET']);
  });

  it('adds a sheet, refuses a duplicate title, and applies a batch atomically', async () => {
    const doc = await open();
    const added = await doc.addSheet({ title: 'Targets', gridProperties: { rowCount: 50, columnCount: 4 } });
    assert.equal(added.title, 'Targets');
    assert.deepEqual(emu.tabs('book').map((t) => [t.title, t.rowCount, t.columnCount]), [['Summary', 20, 6], ['sc 2026', 10, 5], ['Targets', 50, 4]]);
    await rejectsWith(doc.addSheet({ title: 'targets' }), 400, /A sheet with the name "targets" already exists/);
    // The first request is valid, the second is not: nothing of the batch may stick.
    await rejectsWith(doc.sheetsApi.post(':batchUpdate', { json: { requests: [
      { addSheet: { properties: { title: 'Fine' } } },
      { updateSheetProperties: { properties: { sheetId: 424242, title: 'x' }, fields: 'title' } },
    ] } }), 400, /requests\[1\]\.updateSheetProperties/);
    assert.deepEqual(emu.tabs('book').map((t) => t.title), ['Summary', 'sc 2026', 'Targets']);
  });

  it('round-trips values and formats saved with saveUpdatedCells in one batchUpdate', async () => {
    emu.setCells('book', 'Summary', 'A1', [['kpi', 'value'], ['revenue', 10]]);
    const doc = await open();
    const sheet = tab(doc, 'Summary');
    await sheet.loadCells('A1:D5');
    const before = batchUpdates().length;
    sheet.getCellByA1('B2').value = 1234.5;
    sheet.getCellByA1('B2').numberFormat = { type: 'NUMBER', pattern: '#,##0.00' };
    sheet.getCellByA1('A1').textFormat = { bold: true };
    sheet.getCellByA1('C3').value = 'new';
    sheet.getCellByA1('D4').value = true;
    sheet.getCellByA1('D5').note = 'checked by hand';
    await sheet.saveUpdatedCells();
    const sent = batchUpdates().slice(before);
    assert.equal(sent.length, 1, 'one batchUpdate for all the dirty cells');
    assert.equal((sent[0]?.body as { requests: unknown[] }).requests.length, 5);
    assert.equal(sheet.getCellByA1('B2').formattedValue, '1,234.50', 'the library refreshed its cells from the response');

    const again = tab(await open(), 'Summary');
    await again.loadCells('A1:D5');
    assert.equal(again.getCellByA1('B2').value, 1234.5);
    assert.equal(again.getCellByA1('B2').formattedValue, '1,234.50');
    assert.deepEqual(again.getCellByA1('B2').numberFormat, { type: 'NUMBER', pattern: '#,##0.00' });
    assert.equal(again.getCellByA1('A1').value, 'kpi');
    assert.equal(again.getCellByA1('A1').textFormat.bold, true);
    assert.equal(again.getCellByA1('C3').value, 'new');
    assert.equal(again.getCellByA1('D4').value, true);
    assert.equal(again.getCellByA1('D5').note, 'checked by hand');
    assert.equal(again.getCellByA1('D5').value, null);
    assert.deepEqual(emu.cell('book', 'Summary', 'B2'), { value: 1234.5, numberFormat: '#,##0.00' });
    assert.deepEqual(emu.cell('book', 'Summary', 'A1'), { value: 'kpi', bold: true });
  });

  it('changes only the masked fields of updateCells and nothing outside the written cells', async () => {
    emu.setCell('book', 'Summary', 'B2', { value: 0.25, numberFormat: '0.0%', note: 'target', bold: true });
    emu.setCell('book', 'Summary', 'C2', { value: 'keep me', note: 'keep this note' });
    emu.setCells('book', 'Summary', 'F20', [['corner']]);
    const sheet = tab(await open(), 'Summary');
    await sheet.loadCells('B2:C2');
    assert.equal(sheet.getCellByA1('B2').formattedValue, '25.0%');
    sheet.getCellByA1('B2').value = 0.5; // fields: userEnteredValue only
    await sheet.saveUpdatedCells();
    assert.deepEqual((batchUpdates().at(-1)?.body as { requests: { updateCells: { fields: string } }[] }).requests.map((r) => r.updateCells.fields), ['userEnteredValue']);
    assert.deepEqual(emu.cell('book', 'Summary', 'B2'), { value: 0.5, numberFormat: '0.0%', bold: true, note: 'target' });
    assert.deepEqual(emu.cell('book', 'Summary', 'C2'), { value: 'keep me', note: 'keep this note' });
    assert.deepEqual(emu.cell('book', 'Summary', 'F20'), { value: 'corner' });
    sheet.getCellByA1('C2').note = ''; // fields: note only
    await sheet.saveUpdatedCells();
    assert.deepEqual(emu.cell('book', 'Summary', 'C2'), { value: 'keep me' });
    assert.equal(emu.cell('book', 'Summary', 'B2')?.note, 'target');
  });

  it('keeps background colours as Sheets does: 8 bits a channel, the style winning, both answered, removable', async () => {
    emu.setCell('book', 'Summary', 'C3', { value: 1, background: 'FFC7CE' });
    const doc = await open();
    const sheet = tab(doc, 'Summary');
    await sheet.loadCells('A1:C3');
    assert.deepEqual(sheet.getCellByA1('C3').userEnteredFormat?.backgroundColorStyle, { rgbColor: { red: 1, green: 0.78039217, blue: 0.80784315 } });
    sheet.getCellByA1('A1').backgroundColor = { red: 0.3, green: 0, blue: 1 };
    sheet.getCellByA1('B1').backgroundColorStyle = { rgbColor: { red: 1, green: 1, blue: 0 } };
    await sheet.saveUpdatedCells();
    await sheet.loadCells('A1:C3');
    assert.deepEqual(sheet.getCellByA1('A1').backgroundColor, { red: 0.3019608, blue: 1 }, 'zero channels are left out');
    assert.deepEqual(sheet.getCellByA1('A1').userEnteredFormat?.backgroundColorStyle, { rgbColor: { red: 0.3019608, blue: 1 } });
    assert.deepEqual(sheet.getCellByA1('B1').backgroundColor, { red: 1, green: 1 });
    assert.equal(emu.cell('book', 'Summary', 'A1')?.background, '4D00FF');
    // A backgroundColor sent beside an older style loses to it, as on Sheets.
    await doc.sheetsApi.post(':batchUpdate', { json: { requests: [{ updateCells: {
      rows: [{ values: [{ userEnteredFormat: { backgroundColor: { red: 1 }, backgroundColorStyle: { rgbColor: { blue: 1 } } } }] }],
      fields: 'userEnteredFormat', start: { sheetId: sheet.sheetId, rowIndex: 2, columnIndex: 2 },
    } }] } });
    assert.equal(emu.cell('book', 'Summary', 'C3')?.background, '0000FF');
    // google-spreadsheet's setters take undefined as "remove": with both gone, so is the colour.
    const removable = sheet.getCellByA1('B1') as unknown as { backgroundColor: undefined; backgroundColorStyle: undefined };
    removable.backgroundColor = undefined;
    removable.backgroundColorStyle = undefined;
    await sheet.saveUpdatedCells();
    assert.equal(emu.cell('book', 'Summary', 'B1'), undefined);
    await rejectsWith(doc.sheetsApi.post(':batchUpdate', { json: { requests: [{ updateCells: {
      rows: [{ values: [{ userEnteredFormat: { backgroundColor: { red: 2 } } }] }], fields: 'userEnteredFormat', start: { sheetId: sheet.sheetId, rowIndex: 0, columnIndex: 0 },
    } }] } }), 400, /'red' \(2\): must be between 0 and 1/);
  });

  it('shifts existing cells on insertDimension and grows the grid', async () => {
    emu.setCells('book', 'Summary', 'A1', [[1, 2, 3, 4], [5, 6, 7, 8]]);
    const sheet = tab(await open(), 'Summary');
    await sheet.insertDimension('COLUMNS', { startIndex: 2, endIndex: 3 });
    assert.deepEqual(emu.grid('book', 'Summary'), [[1, 2, null, 3, 4], [5, 6, null, 7, 8]]);
    assert.equal(sheet.columnCount, 7, 'the library read the new size from updatedSpreadsheet');
    await sheet.insertDimension('ROWS', { startIndex: 0, endIndex: 1 });
    assert.deepEqual(emu.grid('book', 'Summary'), [[null, null, null, null, null], [1, 2, null, 3, 4], [5, 6, null, 7, 8]]);
    assert.equal(emu.tabs('book')[0]?.rowCount, 21);
  });

  it('sets column widths with updateDimensionProperties; they move with inserted columns', async () => {
    const sheet = tab(await open(), 'Summary');
    await sheet.updateDimensionProperties('COLUMNS', { pixelSize: 250 }, { startIndex: 1, endIndex: 2 });
    assert.deepEqual(['A', 'B', 'C'].map((column) => emu.columnWidth('book', 'Summary', column)), [100, 250, 100]);
    await sheet.insertDimension('COLUMNS', { startIndex: 0, endIndex: 1 });
    assert.deepEqual(['A', 'B', 'C'].map((column) => emu.columnWidth('book', 'Summary', column)), [100, 100, 250]);
    await rejectsWith(sheet.updateDimensionProperties('COLUMNS', { hiddenByUser: true }, { startIndex: 0, endIndex: 1 }), 400, /does not support the field "hiddenByUser"/);
  });

  it('returns numbers for UNFORMATTED_VALUE and strings by default, trimmed like Google', async () => {
    emu.setCells('book', 'Summary', 'A1', [['kpi', 'value', null], ['revenue', 1.5, null], ['margin', 0.25, null]]);
    emu.setCell('book', 'Summary', 'B3', { numberFormat: '0%' });
    emu.setCell('book', 'Summary', 'D9', { note: 'a note is not a value' });
    const sheet = tab(await open(), 'Summary');
    assert.deepEqual(await sheet.getCellsInRange('A1:C', { valueRenderOption: 'UNFORMATTED_VALUE' }), [['kpi', 'value'], ['revenue', 1.5], ['margin', 0.25]]);
    assert.deepEqual(await sheet.getCellsInRange('A1:C'), [['kpi', 'value'], ['revenue', '1.5'], ['margin', '25%']]);
    assert.deepEqual(await sheet.getCellsInRange('B:B', { valueRenderOption: 'UNFORMATTED_VALUE' }), [['value'], [1.5], [0.25]]);
    assert.deepEqual(await sheet.getCellsInRange('2:2'), [['revenue', '1.5']]);
    assert.equal(await sheet.getCellsInRange('E1:F5'), undefined, 'an empty range has no values');
    await rejectsWith(sheet.getCellsInRange('A1:A21'), 400, /exceeds grid limits/);
  });

  it('parses quoted tab names, whole columns, whole rows and open ranges in loadCells', async () => {
    emu.setCells('book', 'sc 2026', 'B2', [['x', 'y'], ['z', 4]]);
    const sheet = tab(await open(), 'sc 2026');
    await sheet.loadCells('B:B');
    assert.equal(sheet.cellStats.loaded, 10);
    await sheet.loadCells(['3:3', 'C2:D']);
    assert.equal(sheet.getCellByA1('C3').value, 4);
    assert.equal(sheet.getCellByA1('E3').value, null);
    assert.equal(sheet.getCellByA1('D10').value, null);
    const path = emu.requests.at(-1)?.body as { dataFilters: { a1Range: string }[] };
    assert.deepEqual(path.dataFilters.map((f) => f.a1Range), ["'sc 2026'!3:3", "'sc 2026'!C2:D"]);
    assert.throws(() => sheet.getCellByA1('A1'), /not been loaded/);
  });

  it('writes headers with values.update and rows with append, and reads them back as rows', async () => {
    const sheet = tab(await open(), 'sc 2026');
    await sheet.setHeaderRow(['kpi', 'week', 'value']);
    assert.deepEqual(sheet.headerValues, ['kpi', 'week', 'value']);
    await sheet.addRows([{ kpi: 'revenue', week: '2026-W01', value: 12 }, { kpi: 'margin', week: '2026-W01', value: '0.4' }]);
    assert.deepEqual(emu.grid('book', 'sc 2026'), [['kpi', 'week', 'value'], ['revenue', '2026-W01', 12], ['margin', '2026-W01', 0.4]]);
    const rows = await (tab(await open(), 'sc 2026')).getRows();
    assert.deepEqual(rows.map((r) => r.toObject()), [{ kpi: 'revenue', week: '2026-W01', value: '12' }, { kpi: 'margin', week: '2026-W01', value: '0.4' }]);
    await rows[0]!.delete();
    assert.deepEqual(emu.grid('book', 'sc 2026'), [['kpi', 'week', 'value'], ['margin', '2026-W01', 0.4]]);
    await sheet.clear('A2:C2');
    assert.deepEqual(emu.grid('book', 'sc 2026'), [['kpi', 'week', 'value']]);
  });

  it('resizes and freezes through updateSheetProperties, honouring the fields mask', async () => {
    emu.setCells('book', 'Summary', 'A1', [['keep'], ['drop']]);
    const sheet = tab(await open(), 'Summary');
    await sheet.updateGridProperties({ rowCount: 1 });
    await sheet.updateGridProperties({ frozenColumnCount: 2 });
    assert.deepEqual(emu.tabs('book')[0], { sheetId: 0, title: 'Summary', rowCount: 1, columnCount: 6, frozenRowCount: 1, frozenColumnCount: 2 });
    assert.deepEqual(emu.grid('book', 'Summary'), [['keep']]);
    await rejectsWith(sheet.updateProperties({ title: 'SC 2026' }), 400, /A sheet with the name "SC 2026" already exists/);
    await sheet.updateProperties({ title: 'Overview' });
    assert.equal(emu.tabs('book')[0]?.title, 'Overview');
  });

  it('refuses writes outside the grid', async () => {
    const doc = await open();
    await rejectsWith(doc.sheetsApi.post(':batchUpdate', { json: { requests: [
      { updateCells: { start: { sheetId: 0, rowIndex: 20, columnIndex: 0 }, rows: [{ values: [{ userEnteredValue: { numberValue: 1 } }] }], fields: 'userEnteredValue' } },
    ] } }), 400, /exceeds grid limits/);
    assert.equal(emu.cell('book', 'Summary', 'A1'), undefined);
  });

  it('answers 403 for a spreadsheet not shared with the caller and 404 for an unknown one', async () => {
    emu.addSpreadsheet('private', { sharedWith: ['someone-else@example.com'] });
    emu.addTab('private', 'Sheet1');
    await rejectsWith(open(jwt(), 'private'), 403, /The caller does not have permission/);
    await rejectsWith(open(testAuth(), 'no-such-book'), 404, /Requested entity was not found/);
    emu.addSpreadsheet('shared', { sharedWith: [ROBOT] });
    emu.addTab('shared', 'Sheet1');
    assert.equal((await open(jwt(), 'shared')).sheetCount, 1);
  });

  it('lets a read-only token read but not write', async () => {
    const doc = await open(jwt(['https://www.googleapis.com/auth/spreadsheets.readonly']));
    assert.equal(doc.sheetCount, 2);
    await rejectsWith(doc.addSheet({ title: 'Nope' }), 403, /insufficient authentication scopes/);
    await rejectsWith(tab(doc, 'Summary').setHeaderRow(['a']), 403);
    assert.equal(emu.tabs('book').length, 2);
  });

  it('fails the next matching requests on demand: ky retries a GET, a POST surfaces the error', async () => {
    emu.failNext(1, 429);
    const doc = await open();
    assert.equal(doc.sheetCount, 2);
    assert.deepEqual(emu.requests.map((r) => r.method), ['GET', 'GET'], 'the first GET failed and was retried');

    const noRetry = new GoogleSpreadsheet('book', testAuth(), { retryConfig: { limit: 0 } });
    await noRetry.loadInfo();
    emu.failNext(1, 429, { method: 'POST', pathIncludes: ':batchUpdate' });
    await rejectsWith(noRetry.addSheet({ title: 'Later' }), 429, /\[429\] Quota exceeded/);
    assert.equal(emu.tabs('book').length, 2);
    await noRetry.addSheet({ title: 'Later' });
    assert.equal(emu.tabs('book').length, 3, 'only one request failed');

    emu.failNext(1, 503, { retryAfterSeconds: 7 });
    await assert.rejects(noRetry.loadInfo(), (err: unknown) => {
      const response = (err as { response?: Response }).response;
      assert.equal(response?.status, 503);
      assert.equal(response?.headers.get('retry-after'), '7');
      return true;
    });
    emu.failNext(Infinity, 429);
    for (let i = 0; i < 3; i++) await rejectsWith(noRetry.loadInfo(), 429);
  });
});
