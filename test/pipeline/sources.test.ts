/**
 * A sheet source's fingerprint without reading its rows: remembered in the state folder by the
 * file's content and the source's configuration, so that deciding freshness parses no workbook;
 * anything that could change the cleaned rows reads the file again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Config, SheetSourceConfig } from '../../pipeline/config.ts';
import { localSheetReader } from '../../pipeline/connectors/sheets/sheet-source.ts';
import type { SheetReader } from '../../pipeline/connectors/sheets/sheet-source.ts';
import type { Warehouse } from '../../pipeline/connectors/warehouse/warehouse.ts';
import { Sources } from '../../pipeline/engine/sources.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kpi-sources-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const SOURCE: SheetSourceConfig = {
  file: 'report.csv',
  headerRow: 1,
  columns: { Client: { name: 'client', type: 'text', required: true }, Amount: { name: 'amount', type: 'number', required: false } },
};

/** A run's sources over `dir`, counting how often the file is really read. */
function sourcesOf(source: SheetSourceConfig = SOURCE): { sources: Sources; reads: () => number } {
  const local = localSheetReader(dir);
  let reads = 0;
  const reader: SheetReader = {
    read: (name, config) => {
      reads++;
      return local.read(name, config);
    },
    contentKey: (name, config) => local.contentKey!(name, config),
  };
  const config = { paths: { root: dir, state: join(dir, 'state') }, sheets: { report: source } } as unknown as Config;
  // Sheet sources never touch the warehouse.
  return { sources: new Sources(config, {} as Warehouse, reader), reads: () => reads };
}

test('an unchanged file is not read again; a changed file or configuration is', async () => {
  await writeFile(join(dir, 'report.csv'), 'Client,Amount\nacme,1\nglobex,2\n');
  const first = sourcesOf();
  const fingerprint = await first.sources.sheetFingerprint('report');
  assert.equal(fingerprint.rows, 2);
  assert.equal(first.reads(), 1);

  const next = sourcesOf();
  assert.deepEqual(await next.sources.sheetFingerprint('report'), fingerprint, 'the next run remembers it');
  assert.equal(next.reads(), 0);
  assert.equal((await next.sources.sheet('report')).fingerprint, fingerprint.fingerprint, 'the rows, read when a KPI computes, agree');

  await writeFile(join(dir, 'report.csv'), 'Client,Amount\nacme,1\nglobex,3\n');
  const edited = sourcesOf();
  assert.notEqual((await edited.sources.sheetFingerprint('report')).fingerprint, fingerprint.fingerprint);
  assert.equal(edited.reads(), 1);

  const reconfigured = sourcesOf({ ...SOURCE, columns: { Client: SOURCE.columns.Client! } });
  await reconfigured.sources.sheetFingerprint('report');
  assert.equal(reconfigured.reads(), 1, 'another configuration may clean the same file into other rows');
});

test('a file that cannot be read fails as it would without the shortcut', async () => {
  const { sources } = sourcesOf({ ...SOURCE, file: 'missing.csv' });
  await assert.rejects(sources.sheetFingerprint('report'), /missing\.csv/);
});
