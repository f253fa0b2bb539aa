import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SheetColumn } from '../../../pipeline/config.ts';
import { cleanDate, cleanNumber, cleanRange } from '../../../pipeline/connectors/sheets/clean.ts';
import type { RawCell, RawRange } from '../../../pipeline/connectors/sheets/sheet-source.ts';
import { UncomputedFormula } from '../../../pipeline/connectors/sheets/uncomputed-formula.ts';
import { SourceError } from '../../../pipeline/errors.ts';

const LOCATION = 'fixtures/sources/report.xlsx, tab Weekly';

/** A range whose header is on row 1 and whose data rows are numbered from 2. */
function range(header: string[], rows: RawCell[][], headerRow = 1): RawRange {
  return { location: LOCATION, headerRow, header, rows: rows.map((cells, index) => ({ rowNumber: headerRow + 1 + index, cells })) };
}

const COLUMNS: Record<string, SheetColumn> = {
  Client: { name: 'client', type: 'text', required: true },
  'Entry date': { name: 'entry_date', type: 'date', required: true },
  'New replacements': { name: 'new_replacements', type: 'number', required: false },
};
const HEADER = ['Client', 'Entry date', 'New replacements'];

/** The SourceError cleanRange must throw; returns its message. */
function sourceErrorOf(run: () => unknown): string {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SourceError, `expected a SourceError, got ${String(caught)}`);
  assert.equal(caught.code, 'source');
  return caught.message;
}

/** An independent serial → date: days since 1899-12-30, by milliseconds in UTC. */
function serialToIso(serial: number): string {
  return new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000).toISOString().slice(0, 10);
}

describe('cleanNumber', () => {
  for (const [cell, expected] of [
    [42, 42],
    [-1.5, -1.5],
    [0, 0],
    ['42', 42],
    ['  42  ', 42],
    ['-3', -3],
    ['+3', 3],
    ['0.25', 0.25],
    ['1,234,567', 1234567],
    ['1,234.5', 1234.5],
    ['1.5', 1.5],
    ['1.2345', 1.2345],
    ['1.234,5', 1234.5],
    ['1.234.567,89', 1234567.89],
    ['2,5', 2.5],
    ['-2,75', -2.75],
    ['1 234', 1234],
    ['1\u00a0234,5', 1234.5],
  ] as const) {
    test(`${JSON.stringify(cell)} → ${expected}`, () => {
      assert.equal(cleanNumber(cell), expected);
    });
  }

  for (const cell of ['#N/A', '#REF!', '#DIV/0!', 'n/a', 'abc', '12abc', '1,23,4', '1.2.3', '', '1e3', true, Number.NaN, Number.POSITIVE_INFINITY, new Date(0)]) {
    test(`${cell instanceof Date ? 'a Date' : JSON.stringify(cell) ?? String(cell)} is not a number`, () => {
      assert.throws(() => cleanNumber(cell), /is not a number/);
    });
  }
});

describe('cleanNumber with a number locale', () => {
  for (const cell of ['1.234', '1,234', '-1.000', '999,999']) {
    test(`${JSON.stringify(cell)} alone is ambiguous: an error, not a guess`, () => {
      assert.throws(() => cleanNumber(cell), /is ambiguous: "[.,]" may separate thousands or decimals; set the source's decimalSeparator/);
    });
  }
  for (const [cell, separator, expected] of [
    ['1.234', '.', 1.234],
    ['1,234', '.', 1234],
    ['1,234.5', '.', 1234.5],
    ['1.234', ',', 1234],
    ['1,234', ',', 1.234],
    ['1.234.567,8', ',', 1234567.8],
  ] as const) {
    test(`${JSON.stringify(cell)} with decimal separator "${separator}" → ${expected}`, () => {
      assert.equal(cleanNumber(cell, separator), expected);
    });
  }
  test('a number written against the declared locale is an error', () => {
    assert.throws(() => cleanNumber('1.234,5', '.'), /not a number written with "\." as the decimal separator/);
    assert.throws(() => cleanNumber('1,234.5', ','), /not a number written with "," as the decimal separator/);
  });
  test('an integer column refuses a fraction with its row', () => {
    const raw = { location: 'f.xlsx, tab T', headerRow: 1, header: ['Count'], rows: [{ rowNumber: 2, cells: ['12'] }, { rowNumber: 3, cells: ['2,5'] }] };
    assert.throws(() => cleanRange('s', raw, { Count: { name: 'count', type: 'integer', required: false } }), /row 3, column "Count": "2,5" is not a whole number \(read as 2\.5\)/);
    assert.throws(() => cleanRange('s', { ...raw, rows: [{ rowNumber: 4, cells: ['1.234'] }] }, { Count: { name: 'count', type: 'integer', required: false } }), /row 4, column "Count": "1\.234" is ambiguous/);
    assert.deepEqual(cleanRange('s', { ...raw, rows: [{ rowNumber: 4, cells: ['1.234'] }] }, { Count: { name: 'count', type: 'integer', required: false } }, ','), [{ count: 1234 }]);
  });
});

describe('cleanDate', () => {
  test('a date cell at UTC midnight is that calendar day', () => {
    assert.equal(cleanDate(new Date(Date.UTC(2026, 10, 22))).toString(), '2026-11-22');
    assert.equal(cleanDate(new Date(Date.UTC(2024, 1, 29))).toString(), '2024-02-29');
  });

  for (const [cell, expected] of [
    ['31/12/2024', '2024-12-31'],
    ['1/2/2026', '2026-02-01'],
    ['01.02.2026', '2026-02-01'],
    ['29/02/2024', '2024-02-29'],
    ['2024-12-31', '2024-12-31'],
    [' 2026-11-22 ', '2026-11-22'],
    ['45657', '2024-12-31'],
  ] as const) {
    test(`${JSON.stringify(cell)} → ${expected}`, () => {
      assert.equal(cleanDate(cell).toString(), expected);
    });
  }

  test('serial numbers count days from 1899-12-30', () => {
    assert.equal(serialToIso(45657), '2024-12-31');
    for (const serial of [45657, 18264, 43831, 46000, 73051]) {
      assert.equal(cleanDate(serial).toString(), serialToIso(serial), `serial ${serial}`);
    }
  });

  for (const cell of ['31/02/2024', '2025-02-29', '2024-13-01', '12/31/2024', '2024/12/31', 'next monday', '#N/A', '', 45657.5, 100, 80000, true]) {
    test(`${JSON.stringify(cell)} is not a date`, () => {
      assert.throws(() => cleanDate(cell), /is not a (valid )?date/);
    });
  }
});

describe('cleanRange', () => {
  test('every rule at once: trimmed text, numbers and dates in all accepted forms', () => {
    const rows = cleanRange(
      'cs_weekly_report',
      range(HEADER, [
        ['  Client 0042 SL ', new Date(Date.UTC(2026, 10, 16)), 3],
        ['Client 0007', '17/11/2026', '1,234,000'],
        ['Client 0008', '2026-11-18', '1.234,5'],
        ['Client 0009', 46345, '2,5'],
        ['Client 0010', '46346', ' 7 '],
        ['Client 0011', '2026-11-21', null],
      ]),
      COLUMNS,
    );
    assert.deepEqual(rows, [
      { client: 'Client 0042 SL', entry_date: '2026-11-16', new_replacements: 3 },
      { client: 'Client 0007', entry_date: '2026-11-17', new_replacements: 1234000 },
      { client: 'Client 0008', entry_date: '2026-11-18', new_replacements: 1234.5 },
      { client: 'Client 0009', entry_date: serialToIso(46345), new_replacements: 2.5 },
      { client: 'Client 0010', entry_date: serialToIso(46346), new_replacements: 7 },
      { client: 'Client 0011', entry_date: '2026-11-21', new_replacements: null },
    ]);
  });

  test('a date cell in a text column becomes its ISO date; a number in a text column its text', () => {
    const rows = cleanRange('s', range(['Note'], [[new Date(Date.UTC(2026, 0, 5))], [12]]), { Note: { name: 'note', type: 'text', required: false } });
    assert.deepEqual(rows, [{ note: '2026-01-05' }, { note: '12' }]);
  });

  test('headers are matched without regard to case, columns by header not position; other columns are ignored', () => {
    const rows = cleanRange('s', range(['ignored', 'NEW REPLACEMENTS', 'entry DATE', 'client'], [['x', '4', '2026-11-16', 'A']]), COLUMNS);
    assert.deepEqual(rows, [{ client: 'A', entry_date: '2026-11-16', new_replacements: 4 }]);
  });

  test('blank rows are skipped: all required columns empty, whatever else the row holds', () => {
    const rows = cleanRange(
      's',
      range(HEADER, [
        ['A', '2026-11-16', 1],
        [null, null, null],
        ['', '   ', null],
        [],
        [null, null, 99],
        ['B', '2026-11-17', 2],
      ]),
      COLUMNS,
    );
    assert.deepEqual(rows.map((row) => row.client), ['A', 'B']);
  });

  test('without required columns, a row is blank when every configured column is empty', () => {
    const columns: Record<string, SheetColumn> = { Amount: { name: 'amount', type: 'number', required: false }, Note: { name: 'note', type: 'text', required: false } };
    const rows = cleanRange('s', range(['Amount', 'Note'], [[null, ''], [null, 'x'], ['', null], [5, null]]), columns);
    assert.deepEqual(rows, [
      { amount: null, note: 'x' },
      { amount: 5, note: null },
    ]);
  });

  test('a row with only some required columns empty is an error naming the row and column', () => {
    const message = sourceErrorOf(() => cleanRange('cs_weekly_report', range(HEADER, [['A', '2026-11-16', 1], ['B', null, 2]]), COLUMNS));
    assert.match(message, /sheet source "cs_weekly_report"/);
    assert.ok(message.includes(LOCATION), message);
    assert.match(message, /row 3, column "Entry date": null is empty but required/);
  });

  test('an uncleanable number names the source, the location, the row and the column', () => {
    const message = sourceErrorOf(() =>
      cleanRange('cs_weekly_report', range(HEADER, [['A', '2026-11-16', 1], ['B', '2026-11-17', 'two'], ['C', '2026-11-18', 3]], 4), COLUMNS),
    );
    assert.match(message, /^sheet source "cs_weekly_report" \(fixtures\/sources\/report\.xlsx, tab Weekly\): row 6, column "New replacements": "two" is not a number$/);
  });

  test('an error cell such as #N/A in a number column fails', () => {
    const message = sourceErrorOf(() => cleanRange('s', range(HEADER, [['A', '2026-11-16', '#N/A']]), COLUMNS));
    assert.match(message, /row 2, column "New replacements": "#N\/A" is not a number/);
  });

  test('an uncleanable date names the row and the column', () => {
    const message = sourceErrorOf(() => cleanRange('s', range(HEADER, [['A', '31/02/2026', 1]]), COLUMNS));
    assert.match(message, /sheet source "s" \(.*\): row 2, column "Entry date": "31\/02\/2026" is not a valid date/);
    assert.match(sourceErrorOf(() => cleanRange('s', range(HEADER, [['A', 'soon', 1]]), COLUMNS)), /row 2, column "Entry date": "soon" is not a date/);
  });

  test('every bad cell is reported at once, up to ten, with a count of the rest', () => {
    const rows = Array.from({ length: 12 }, (_, index): RawCell[] => [`C${index}`, '2026-11-16', `bad${index}`]);
    const message = sourceErrorOf(() => cleanRange('s', range(HEADER, rows), COLUMNS));
    assert.match(message, /row 2, column "New replacements": "bad0"/);
    assert.match(message, /row 11, column "New replacements": "bad9"/);
    assert.doesNotMatch(message, /"bad10"/);
    assert.match(message, /\(and 2 more\)$/);
  });

  test('a missing header column lists the headers found', () => {
    const message = sourceErrorOf(() => cleanRange('cs_weekly_report', range(['Client', '', 'Date', 'New replacements'], []), COLUMNS));
    assert.match(message, /sheet source "cs_weekly_report" \(fixtures\/sources\/report\.xlsx, tab Weekly\): header row 1 has no column "Entry date" \(found: Client, Date, New replacements\)/);
  });

  test('a boolean in a number column is an error; an empty string there is null, not 0', () => {
    const message = sourceErrorOf(() => cleanRange('s', range(HEADER, [['A', '2026-11-16', false]]), COLUMNS));
    assert.match(message, /row 2, column "New replacements": false is not a number$/);
    const rows = cleanRange('s', range(HEADER, [['A', '2026-11-16', ''], ['B', '2026-11-17', ' ']]), COLUMNS);
    assert.deepEqual(rows.map((row) => row.new_replacements), [null, null]);
  });

  test('a formula without a saved result is an error with its cell, formula and fix, reported with the others', () => {
    const message = sourceErrorOf(() =>
      cleanRange('s', range(HEADER, [['A', '2026-11-16', new UncomputedFormula('C2', 'SUM(C3:C9)')], ['B', 'soon', 1]]), COLUMNS),
    );
    assert.equal(
      message,
      `sheet source "s" (${LOCATION}): row 2, column "New replacements": cell C2 holds the formula =SUM(C3:C9) without a saved result: ` +
        'open the file in a spreadsheet program and save it (which calculates it), or export the values; ' +
        'row 3, column "Entry date": "soon" is not a date (expected dd/mm/yyyy, yyyy-mm-dd or a date cell)',
    );
  });

  test('a formula without a saved result makes a row not blank', () => {
    const message = sourceErrorOf(() => cleanRange('s', range(HEADER, [[new UncomputedFormula('A2', 'B1'), null, null]]), COLUMNS));
    assert.match(message, /row 2, column "Client": cell A2 holds the formula =B1 without a saved result/);
  });

  test('an empty range with the right header gives no rows', () => {
    assert.deepEqual(cleanRange('s', range(HEADER, []), COLUMNS), []);
  });
});
