/** What /proc says of a process: the lock, the stop watch and the bench read it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processStat } from '../../../pipeline/engine/processes.ts';

test('this process: its name, its parent, a stable start, and CPU time that grows with work', { skip: process.platform === 'linux' ? false : 'reads /proc' }, () => {
  const before = processStat(process.pid)!;
  assert.equal(before.name, 'node');
  assert.equal(before.ppid, process.ppid);
  // Work measured in CPU time, not on the clock: on a busy machine the wall clock runs on while this process waits.
  const used = process.cpuUsage();
  const cpuMs = () => {
    const { user, system } = process.cpuUsage(used);
    return (user + system) / 1000;
  };
  let sum = 0;
  while (cpuMs() < 200) for (let i = 0; i < 100_000; i++) sum += Math.sqrt(sum + 1);
  const after = processStat(process.pid)!;
  assert.ok(sum > 0);
  assert.equal(after.start, before.start);
  // 200 ms of CPU is 20 ticks at Linux's 100 Hz; /proc counts it as getrusage does, give or take a tick's rounding.
  assert.ok(after.cpuTicks >= before.cpuTicks + 10, `${before.cpuTicks} → ${after.cpuTicks} ticks after ${cpuMs()} ms of CPU`);
});

test('a pid that is not running has no stat', () => {
  assert.equal(processStat(2 ** 22 + 1), undefined);
});
