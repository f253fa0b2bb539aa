import { readFileSync } from 'node:fs';

/** A process as /proc (Linux) describes it: its parent and its start time (clock ticks since boot). */
export interface ProcessStat {
  readonly ppid: number;
  /** With the pid, tells a process from a later one that reuses its pid. */
  readonly start: string;
}

/** What /proc says of `pid`; undefined when it is gone or there is no /proc. */
export function processStat(pid: number): ProcessStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, …, starttime (22nd overall).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), start: fields[19]! };
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
