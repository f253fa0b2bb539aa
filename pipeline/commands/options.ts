import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

/** Flags shared by the commands that select nodes. */
export interface NodeSelectionFlags {
  config?: string;
  nodes?: string;
  target: string[];
  select: string[];
  exclude: string[];
  /** The run `result:` selects by and `state:modified` compares up to (default the latest). */
  state?: string;
}

/** Flags shared by the commands that select nodes and weeks. */
export interface SelectionFlags extends NodeSelectionFlags {
  tz?: string;
  week?: string;
  weeks?: string;
  since?: string;
  yes?: boolean;
  allowIncomplete?: boolean;
}

export const CONFIG_HELP = 'configuration file (default ./kpi.config.json)';
export const NODES_HELP = 'nodes folder (default from the configuration: nodes/)';

/** A repeatable list option: `--resource-type kpi,table --resource-type sheet`. */
export const collect = (value: string, previous: string[]) => [...previous, ...value.split(/[\s,]+/).filter(Boolean)];

/**
 * Selectors, as dbt takes them: `--select a b` and `--select 'a b'` are a union of two, and a
 * comma stays inside its selector, where it intersects (`tag:weekly,success.*`). Repeatable.
 */
export const collectSelectors = (value: string, previous: string[]) => [...previous, ...value.trim().split(/\s+/).filter(Boolean)];

/** `--force [selectors...]`: the first value finds no list yet (commander starts it undefined). */
export const collectForced = (value: string, previous: string[] | undefined) => collectSelectors(value, previous ?? []);

/** `--force` alone: everything selected; `--force a b`: those selectors. */
export function forceOption(force: true | string[] | undefined): { force?: true | string[] } {
  if (force === undefined) return {};
  return { force };
}

/** A whole number from `min` to `max` (no upper bound by default), for commander. */
export function wholeNumber(min: number, max = Infinity) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(max === Infinity ? `must be a whole number, at least ${min}` : `must be a whole number from ${min} to ${max}`);
    }
    return number;
  };
}

export const parseConcurrency = wholeNumber(1, 64);

/** What `ls --resource-type` lists: the kinds of node. */
export const RESOURCE_TYPES = ['kpi', 'model', 'publish', 'table', 'sheet'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];
export const LS_OUTPUTS = ['text', 'json', 'path'] as const;
export type LsOutput = (typeof LS_OUTPUTS)[number];

/** Like `collect`, for a repeatable option whose values must be among `choices`. */
export function collectChoices<T extends string>(choices: readonly T[]) {
  return (value: string, previous: T[]): T[] => {
    const values = collect(value, []);
    const unknown = values.find((item) => !(choices as readonly string[]).includes(item));
    if (unknown !== undefined) throw new InvalidArgumentError(`"${unknown}" is not one of ${choices.join(', ')}`);
    return [...previous, ...(values as T[])];
  };
}

export const nodesDirOf = (flags: { nodes?: string }) => (flags.nodes ? resolve(flags.nodes) : undefined);

/** The node selection flags of `run`, `plan` and `ls`. */
export function withNodeSelection(command: Command): Command {
  return command
    .option('--config <file>', CONFIG_HELP)
    .option('--nodes <dir>', NODES_HELP)
    .option('-t, --target <selectors...>', 'the selectors and everything they need (same as --select +X)', collectSelectors, [])
    .option('-s, --select <selectors...>', "dbt's selectors: X, +X, X+, 2+X, X+1, @X, domain.*, tag:T, path:P, source:S, kind:K, state:modified, result:error; spaces between them a union, a comma an intersection", collectSelectors, [])
    .option('-x, --exclude <selectors...>', 'remove the nodes these select (same syntax)', collectSelectors, [])
    .option('--state <run-id>', 'the run result: selects by, and state:modified compares with (default: the latest)');
}

/** The node selection flags and the weeks, for `run` and `plan`. */
export function withSelection(command: Command): Command {
  return withWeeks(withNodeSelection(command));
}

/** The weeks, for the commands that compute. */
export function withWeeks(command: Command): Command {
  return command
    .option('-w, --week <week>', 'ISO week, e.g. 2026-W47 (default: the last completed week)')
    .option('--weeks <range>', 'a range of ISO weeks, e.g. 2025-W01..2026-W47')
    .option('--since <week>', 'every week from this one to the last completed one')
    .option('-y, --yes', 'allow a range longer than maxWeeks')
    .option('--allow-incomplete', 'allow weeks that have not ended yet')
    .option('--tz <zone>', 'IANA time zone for cutting weeks (default from the configuration: Europe/Madrid)');
}

/** `--wait` alone: as long as it takes; `--wait 60`: at most a minute. */
export function waitOption(command: Command): Command {
  return command.option('--wait [seconds]', 'when another run holds the warehouse, wait for it (at most this many seconds) instead of exiting 3', wholeNumber(0, 86_400));
}

export const waitOf = (flags: { wait?: number | true }) => (flags.wait === undefined ? {} : { wait: flags.wait });

/** `--json` and `--quiet` for the commands that run. */
export function outputOptions(command: Command): Command {
  return command
    .option('--json', 'one JSON object per event on stdout (run started, task started/finished, run finished), logs on stderr')
    .option('-q, --quiet', 'print only the summary and errors');
}

/** `--env NAME`: the environment to work in (default KPI_ENV, else prod; see README, Environments). */
export function envOption(command: Command): Command {
  return command.option('--env <name>', 'the environment: its own values, ledger and workbooks, reading prod where it has computed nothing (default KPI_ENV, else prod)');
}
