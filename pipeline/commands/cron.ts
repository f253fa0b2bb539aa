import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { ConfigError } from '../config.ts';
import type { Config } from '../config.ts';
import { readConfig } from './context.ts';

/** Where pnpm links the project's `kpi` bin, from the working directory. */
const KPI_BIN = 'node_modules/.bin/kpi';

/** Cron's own PATH: a node installed elsewhere (nvm, /usr/local) must be put in front of it. */
const CRON_PATH = ['/usr/bin', '/bin'];

/** The variables a run reads that are no secret: set when `cron` runs, they go on the line so that cron's runs see the same configuration. */
const CARRIED_VARIABLES = ['KPI_STATE_DIR', 'KPI_SCORECARD_DIR', 'KPI_TIME_ZONE'] as const;

/**
 * `cron`: the configured schedules as crontab lines, for teams that keep system cron. Each
 * line runs `kpi run` with the schedule's selection from the working directory, in the
 * configured time zone (CRON_TZ), appending its output to `<stateDir>/logs/cron.log`.
 */
export async function cronCommand(flags: { config?: string }): Promise<void> {
  const config = await readConfig(flags);
  const workingDirectory = process.cwd();
  if (!existsSync(join(workingDirectory, KPI_BIN))) {
    process.stderr.write(`warning: there is no ${KPI_BIN} in ${workingDirectory}: run \`pnpm install\` there, or run this command from the project's folder\n`);
  }
  process.stdout.write(`${crontab(config, { workingDirectory, ...(flags.config ? { configFile: resolve(flags.config) } : {}), env: process.env }).join('\n')}\n`);
}

/** The crontab lines of the configured schedules: comments, CRON_TZ, one line per schedule. */
export function crontab(config: Config, where: { readonly workingDirectory: string; readonly configFile?: string; readonly env: NodeJS.ProcessEnv }): string[] {
  if (config.schedules.length === 0) return ['# no schedules configured (schedules in kpi.config.json)'];
  const logs = join(config.paths.state, 'logs');
  const nodeDir = dirname(process.execPath);
  const variables = [
    ...(CRON_PATH.includes(nodeDir) ? [] : [`PATH=${quote(nodeDir)}:$PATH`]),
    ...CARRIED_VARIABLES.flatMap((name) => (where.env[name]?.trim() ? [`${name}=${quote(where.env[name]!)}`] : [])),
  ];
  const lines = [
    '# KPI Factory schedules, from `pipeline cron`: add them to a crontab (crontab -e). `pipeline schedule`',
    '# runs the same schedules as one long-running process instead: use one or the other, not both.',
    '# Cron starts jobs with an almost empty environment: put DATABASE_URL and the Google variables the',
    '# runs need above these lines. CRON_TZ applies to every line below it, where the cron honours it',
    '# (cronie does; see `man 5 crontab`): keep these lines last, or in a crontab of their own.',
    `CRON_TZ=${config.timeZone}`,
  ];
  for (const schedule of config.schedules) {
    const selection = [
      ...schedule.target.flatMap((selector) => ['--target', selector]),
      ...schedule.select.flatMap((selector) => ['--select', selector]),
      ...schedule.exclude.flatMap((selector) => ['--exclude', selector]),
      ...(where.configFile ? ['--config', where.configFile] : []),
    ];
    const run = [...variables, KPI_BIN, 'run', ...selection.map(quote)].join(' ');
    // mkdir first: the shell opens the log before kpi runs, and a removed state folder must not silence every later run.
    const command = `cd ${quote(where.workingDirectory)} && mkdir -p ${quote(logs)} && ${run} >> ${quote(join(logs, 'cron.log'))} 2>&1`;
    lines.push(`# ${schedule.name}: ${selection.length > 0 ? selection.join(' ') : 'everything'}`, `${fiveFields(schedule.name, schedule.cron)} ${command.replaceAll('%', '\\%')}`);
  }
  return lines;
}

/**
 * The expression in the five fields system cron reads: aliases and names spelt out as numbers,
 * a seconds field of 0 dropped. What cron cannot express (other seconds, L, W, #) is refused.
 */
function fiveFields(name: string, cron: string): string {
  const expression = CronExpressionParser.parse(cron, { strict: false });
  const seconds = expression.fields.second.values;
  const fields = expression.stringify();
  if (seconds.length !== 1 || seconds[0] !== 0 || /[LW#?H]/.test(fields)) {
    throw new ConfigError(`schedule "${name}": "${cron}" cannot be written for system cron (it runs at whole minutes and knows no L, W or #); use \`pipeline schedule\` for it`);
  }
  return fields;
}

/** A word for sh: as it is when it is plain, in single quotes otherwise. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
