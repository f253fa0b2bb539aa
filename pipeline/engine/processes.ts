import { readFileSync } from 'node:fs';

/** A process as /proc (Linux) describes it: its name, its parent, its start time and its CPU time. */
export interface ProcessStat {
  /** The executable's name (`postgres`), at most 15 characters. */
  readonly name: string;
  readonly ppid: number;
  /** Clock ticks since boot: with the pid, tells a process from a later one that reuses its pid. */
  readonly start: string;
  /** User and system CPU time, its own and its reaped children's, in clock ticks. */
  readonly cpuTicks: number;
}

/** What /proc says of `pid`; undefined when it is gone or there is no /proc. */
export function processStat(pid: number): ProcessStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, …,
    // utime, stime, cutime, cstime (14th to 17th overall), …, starttime (22nd).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ppid: Number(fields[1]), start: fields[19]!, cpuTicks };
  } catch {
    return undefined;
  }
}

/** This process's command as the user typed it (`run --target success.publish`), for the ledger and the lock. */
export const commandLine = () => process.argv.slice(2).join(' ');

/** The command line of `pid`, arguments separated by spaces; empty when unknown. */
export function processCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
