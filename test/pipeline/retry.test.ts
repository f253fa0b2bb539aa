import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import { loadConfig } from '../../pipeline/config.ts';
import { backoffDelay, retryAfterMs, withRetry } from '../../pipeline/engine/retry.ts';
import type { RetryPolicy } from '../../pipeline/engine/retry.ts';

/** An HTTP error as ky throws it: the answer, with its headers, on `response`. */
function httpError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { response: { status, headers: new Headers(headers) } });
}

/** withRetry on work that fails `failures` times with `error`, waiting by a clock that only records. */
async function retried(policy: RetryPolicy, failures: number, error: () => Error) {
  const waits: number[] = [];
  let calls = 0;
  const outcome = await withRetry(
    async () => {
      calls++;
      if (calls <= failures) throw error();
      return 'done';
    },
    { ...policy, isRetryable: (thrown) => (thrown as { response?: { status: number } }).response?.status !== 400, sleep: async (ms) => void waits.push(ms) },
  ).catch((thrown: Error) => thrown);
  return { outcome, calls, waits, total: waits.reduce((sum, ms) => sum + ms, 0) };
}

const defaultGooglePolicy = async () => (await loadConfig({ file: join(tmpdir(), 'no-kpi-config.json'), explicit: false }, {})).google.retry;

describe('backoffDelay', () => {
  test('doubles from the base, adds up to one base of jitter, and stops at the cap', () => {
    const policy = { attempts: 8, baseDelayMs: 1000, maxDelayMs: 32000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(policy, attempt, 0)), [1000, 2000, 4000, 8000, 16000, 32000, 32000]);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(policy, attempt, 0.5)), [1500, 2500, 4500, 8500, 16500, 32000, 32000]);
  });

  test('the default Google policy waits out a per-minute quota: 63 to 68 s over 7 attempts', async () => {
    const policy = await defaultGooglePolicy();
    assert.deepEqual(policy, { attempts: 7, baseDelayMs: 1000, maxDelayMs: 32000 });
    const total = (random: number) => Array.from({ length: policy.attempts - 1 }, (_, index) => backoffDelay(policy, index + 1, random)).reduce((a, b) => a + b);
    assert.equal(total(0), 63000);
    assert.ok(total(0) >= 60000, 'at least a minute, whatever the jitter');
    assert.equal(total(0.9999), 68000, 'at most 68 s');
  });
});

describe('withRetry', () => {
  test('a quota that never lifts: the default Google policy waits at least 60 s, then throws the last error', async () => {
    const policy = await defaultGooglePolicy();
    const { outcome, calls, waits, total } = await retried(policy, Infinity, () => httpError(429));
    assert.equal(calls, 7);
    assert.equal(waits.length, 6);
    assert.ok(total >= 60000 && total <= 68000, `waited ${total} ms`);
    assert.match(String(outcome), /HTTP 429/);
  });

  test('five failures in a row, then success', async () => {
    const { outcome, calls, waits } = await retried({ attempts: 7, baseDelayMs: 10, maxDelayMs: 100 }, 5, () => httpError(503));
    assert.equal(outcome, 'done');
    assert.equal(calls, 6);
    assert.equal(waits.length, 5);
    waits.forEach((ms, index) => assert.ok(ms >= Math.min(100, 10 * 2 ** index) && ms <= 100, `wait ${index + 1}: ${ms} ms`));
  });

  test('Retry-After is honoured, in seconds or as a date, up to the cap', async () => {
    const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 30000 };
    assert.deepEqual((await retried(policy, 1, () => httpError(429, { 'retry-after': '3' }))).waits, [3000]);
    const date = new Date(Date.now() + 10_000).toUTCString();
    const [wait] = (await retried(policy, 1, () => httpError(503, { 'retry-after': date }))).waits;
    assert.ok(wait! > 8000 && wait! <= 10000, `waited ${wait} ms for ${date}`);
    assert.deepEqual((await retried(policy, 1, () => httpError(429, { 'retry-after': '3600' }))).waits, [30000]);
  });

  test('a failure that is not retryable is thrown at once', async () => {
    const { outcome, calls, waits } = await retried({ attempts: 5, baseDelayMs: 1, maxDelayMs: 1 }, 1, () => httpError(400));
    assert.match(String(outcome), /HTTP 400/);
    assert.equal(calls, 1);
    assert.deepEqual(waits, []);
  });
});

describe('retryAfterMs', () => {
  test('reads seconds or an HTTP date from the error or its causes; nothing without the header', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    assert.equal(retryAfterMs(httpError(429, { 'retry-after': '12' }), now), 12000);
    assert.equal(retryAfterMs(httpError(429, { 'retry-after': 'Mon, 23 Nov 2026 10:00:30 GMT' }), now), 30000);
    assert.equal(retryAfterMs(httpError(429, { 'retry-after': 'Mon, 23 Nov 2026 09:00:00 GMT' }), now), 0, 'a date passed means now');
    assert.equal(retryAfterMs(new Error('wrapped', { cause: httpError(503, { 'retry-after': '2' }) }), now), 2000);
    assert.equal(retryAfterMs(httpError(429), now), undefined);
    assert.equal(retryAfterMs(httpError(429, { 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfterMs(new Error('no answer'), now), undefined);
  });
});
