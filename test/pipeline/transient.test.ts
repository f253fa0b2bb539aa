/** What counts as transient, retries against a deadline, and a time limit that a blocked thread cannot slip past. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WarehouseLostError } from '../../pipeline/connectors/warehouse/postgres.ts';
import { TimeoutError, isTransient, withRetry, withTimeout } from '../../pipeline/engine/retry.ts';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

test("pg's errors for a lost connection are transient, at any depth of causes", () => {
  const lost = [
    pgError('57P01', 'terminating connection due to administrator command'),
    pgError('57P03', 'the database system is starting up'),
    pgError('08006', 'connection failure'),
    new Error('Connection terminated unexpectedly'),
    new Error('Client has encountered a connection error and is not queryable'),
    pgError('ECONNRESET', 'read ECONNRESET'),
    new Error('the KPI failed', { cause: pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432') }),
  ];
  for (const error of lost) assert.equal(isTransient(error), true, error.message);
});

test('bugs, refused logins and a warehouse already waited for are not', () => {
  const final = [
    pgError('42703', 'column "no_such_column" does not exist'),
    pgError('28P01', 'password authentication failed for user "kpi"'),
    new TypeError("Cannot read properties of undefined (reading 'rows')"),
    new WarehouseLostError('the warehouse at db:5432/kpi has been unreachable for 30 s', { cause: pgError('ECONNREFUSED', 'connect ECONNREFUSED') }),
  ];
  for (const error of final) assert.equal(isTransient(error), false, error.message);
});

test('withinMs: no retry starts past the deadline, however many attempts are left', async () => {
  let attempts = 0;
  await assert.rejects(
    withRetry(
      async () => {
        attempts++;
        throw pgError('ECONNREFUSED', 'connect ECONNREFUSED');
      },
      { attempts: Number.POSITIVE_INFINITY, baseDelayMs: 20, maxDelayMs: 40, withinMs: 300, isRetryable: isTransient },
    ),
    /ECONNREFUSED/,
  );
  // Unlimited attempts end only through the deadline; each waits at least baseDelayMs (and a timer may fire a ms early).
  assert.ok(attempts > 2 && attempts <= 300 / 20 + 2, `${attempts} attempts`);
});

test('work that holds the thread past the limit (a PGlite query) fails as timed out when it returns', async () => {
  const blocking = async () => {
    const until = performance.now() + 150;
    while (performance.now() < until); // no timer can fire meanwhile
    return 1;
  };
  await assert.rejects(withTimeout(blocking, 50, undefined, 'a query'), (error: unknown) => {
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.message, 'a query timed out after 0.05 s (tasks.timeoutSeconds)');
    return true;
  });
});
