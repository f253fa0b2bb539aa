/** What /proc says of a process: the lock, the stop watch and the bench read it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processStat } from '../../../pipeline/engine/processes.ts';

test('this process: its name, its parent, a stable start, and CPU time that grows with work', { skip: process.platform === 'linux' ? false : 'reads /proc' }, () => {
  const before = processStat(process.pid)!;
  assert.equal(before.name, 'node');
  assert.equal(before.ppid, process.ppid);
  let sum = 0;
  for (const started = Date.now(); Date.now() - started < 200; ) sum += Math.sqrt(sum + 1);
  const after = processStat(process.pid)!;
  assert.ok(sum > 0);
  assert.equal(after.start, before.start);
  assert.ok(after.cpuTicks >= before.cpuTicks + 10, `${before.cpuTicks} → ${after.cpuTicks} ticks after 200 ms of work`);
});

test('a pid that is not running has no stat', () => {
  assert.equal(processStat(2 ** 22 + 1), undefined);
});
