// `NODE_OPTIONS="--import …/peak-memory.mjs"`: just before the process exits, appends its peak
// resident memory (VmHWM, in kB), the CPU time it used and its script to the file
// KPI_PEAK_MEMORY_LOG names, as JSON.
import { appendFileSync, readFileSync } from 'node:fs';

const file = process.env.KPI_PEAK_MEMORY_LOG;
if (file) {
  process.on('exit', () => {
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    const { user, system } = process.cpuUsage();
    appendFileSync(file, `${JSON.stringify({ script: process.argv[1] ?? '', peakKb, cpuMs: (user + system) / 1000 })}\n`);
  });
}
