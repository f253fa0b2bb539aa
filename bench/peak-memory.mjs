// `NODE_OPTIONS="--import …/peak-memory.mjs"`: just before the process exits, appends its peak
// resident memory (VmHWM, in kB), the CPU time of its main thread (where all JavaScript and
// PGlite run; GC helpers and loader threads not counted) and of the whole process, and its
// script to the file KPI_PEAK_MEMORY_LOG names, as JSON.
import { appendFileSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

const file = process.env.KPI_PEAK_MEMORY_LOG;
if (file) {
  process.on('exit', () => {
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const mainThreadCpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    const { user, system } = process.cpuUsage();
    appendFileSync(file, `${JSON.stringify({ script: process.argv[1] ?? '', peakKb, mainThreadCpuMs, processCpuMs: (user + system) / 1000 })}\n`);
  });
}
