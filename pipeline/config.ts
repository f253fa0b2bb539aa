import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { methodsNeedingState } from '../graph/select.ts';
import { IsoWeek } from '../graph/iso-week.ts';
import { closestMatches } from '../graph/text.ts';
import { LOG_LEVELS } from './log.ts';
import { checkCron } from './engine/schedule.ts';
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE, PROD } from './environments/names.ts';

export const CONFIG_FILE = 'kpi.config.json';

/** A key's path as written in the file: `tasks.retry.attempts`, `schedules.0.cron`. */
const keyPath = (path: readonly PropertyKey[]) => path.map(String).join('.');

/**
 * An object whose unknown keys are errors, each naming its path and, for a likely typo, the key
 * that was meant: a misspelt setting would otherwise be ignored without a word.
 */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  const describe = (path: readonly PropertyKey[], key: string) => {
    const [closest] = closestMatches(key, known, 1);
    return `${keyPath([...path, key])}: unknown key, ${closest ? `did you mean "${closest}"?` : `expected one of ${known.join(', ')}`}`;
  };
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => describe(issue.path ?? [], key)).join('; ') : undefined),
  });
}

const column = strictObject({
  /** Column name in the DuckDB table and in each row. */
  name: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'column names are lower case letters, digits and _'),
  /** `integer` is a number that refuses a fraction, naming the row. */
  type: z.enum(['text', 'number', 'integer', 'date']),
  /** A row where every required column is empty is blank and skipped; one where only some are is an error. */
  required: z.boolean().default(false),
  /** For numbers written as text: overrides the source's decimalSeparator. */
  decimalSeparator: z.enum(['.', ',']).optional(),
});

const SPREADSHEET_ID = z.string().regex(/^[A-Za-z0-9_-]{10,100}$/, 'a spreadsheet id is the long code in its URL');

const googleRange = strictObject({
  spreadsheetId: SPREADSHEET_ID,
  tab: z.string().min(1),
  /** A1 range within the tab, e.g. `A1:E`; default the whole tab. */
  range: z.string().regex(/^[A-Z]+\d*(:[A-Z]+\d*)?$/, 'range is A1 notation without the tab, e.g. A1:E').optional(),
});

const sheetSource = strictObject({
  /** An .xlsx workbook or a .csv file, relative to the configuration file: the embedded default. */
  file: z.string().optional(),
  /** Tab of a workbook; ignored for CSV. */
  tab: z.string().optional(),
  /** The Google Sheets range, read instead of `file` when Google credentials are in the environment. */
  google: googleRange.optional(),
  /** Header row number (1-based); data starts on the next row. */
  headerRow: z.number().int().min(1).default(1),
  /**
   * The decimal separator of numbers written as text in this source: `.` (1,234.5) or `,`
   * (1.234,5). Without it, a cell such as `1.234` that could be read either way is an error.
   */
  decimalSeparator: z.enum(['.', ',']).optional(),
  /** Header text as written in the sheet → column. Other columns are ignored. */
  columns: z.record(z.string(), column),
}).refine((source) => source.file !== undefined || source.google !== undefined, 'a sheet source needs a file, a google range, or both');

/**
 * Per domain: the Google spreadsheet its scorecard is published to (when credentials are set),
 * besides its local workbook; `publish` lists the destinations to keep (default both).
 */
const scorecardDestinations = z
  .record(z.string().regex(/^[a-z][a-z0-9_]*$/), strictObject({ spreadsheetId: SPREADSHEET_ID, publish: z.array(z.enum(['workbook', 'google'])).min(1).optional() }))
  .default({});

/** Retries with exponential backoff and jitter: how many attempts, and the delay's base and cap. */
function retryPolicy(defaults: { attempts: number; baseDelayMs: number; maxDelayMs: number }) {
  return strictObject({
    attempts: z.number().int().min(1).max(10).default(defaults.attempts),
    baseDelayMs: z.number().int().min(0).default(defaults.baseDelayMs),
    maxDelayMs: z.number().int().min(0).default(defaults.maxDelayMs),
  }).prefault({});
}

/** A length of time: `{ "hours": 24 }`, `{ "days": 3 }`. */
const duration = strictObject({
  days: z.number().nonnegative().optional(),
  hours: z.number().nonnegative().optional(),
  minutes: z.number().nonnegative().optional(),
}).refine((value) => value.days !== undefined || value.hours !== undefined || value.minutes !== undefined, 'give days, hours or minutes');

/** How fresh a warehouse table's extract must be, by the column its loader stamps on each row (dbt's source freshness). */
const sourceFreshness = strictObject({
  loadedAt: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'loadedAt is a column name: lower case letters, digits and _'),
  warnAfter: duration.optional(),
  errorAfter: duration.optional(),
});

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

const configSchema = strictObject({
  timeZone: z.string().default('Europe/Madrid'),
  /** When a week counts as complete: from this local day and time of the following week (default Monday 00:00). */
  weekCutoff: strictObject({
    day: z.enum(WEEKDAYS).default('monday'),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time is HH:MM, 24-hour'),
  }).optional(),
  /** The first week with source data: earlier weeks are never computed, and a lookback into them reads no value. */
  firstWeek: z
    .string()
    .regex(/^\d{4}-W\d{2}$/, 'firstWeek is an ISO week like 2024-W01')
    .optional(),
  /** A plain weekly run also rechecks this many weeks before the last completed one for late-arriving data. */
  restateWeeks: z.number().int().min(0).max(52).default(4),
  /** A run of more weeks than this needs --yes. */
  maxWeeks: z.number().int().min(1).default(104),
  /** Where the embedded warehouse lives (overridden by KPI_STATE_DIR). */
  stateDir: z.string().default('.kpi'),
  /** Run logs (`<stateDir>/logs`) older than this many days are removed after each run. */
  logRetentionDays: z.number().int().min(1).default(90),
  /** Where local scorecard workbooks are written (overridden by KPI_SCORECARD_DIR). */
  scorecardDir: z.string().default('out/scorecards'),
  /** Demo source data loaded into an empty embedded warehouse. */
  fixturesDir: z.string().default('fixtures/warehouse'),
  nodesDir: z.string().default('nodes'),
  concurrency: z.number().int().min(1).max(64).default(4),
  sheets: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), sheetSource).default({}),
  scorecards: scorecardDestinations,
  /**
   * Per environment other than prod (see README, Environments): the Google spreadsheets its
   * scorecards go to, its own; without them an environment publishes to local workbooks only.
   */
  environments: z
    .record(z.string().regex(ENVIRONMENT_NAME, `environment names are ${ENVIRONMENT_NAME_RULE}`), strictObject({ scorecards: scorecardDestinations }))
    .default({}),
  /** Per warehouse table (`schema.table`): its freshness (see README, Source freshness). */
  sources: z.record(z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'a source is a table written schema.table'), strictObject({ freshness: sourceFreshness })).default({}),
  /** For `pipeline schedule`: cron expressions (in timeZone) and what each runs, for the last completed week. */
  schedules: z
    .array(
      strictObject({
        name: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'schedule names are lower case letters, digits, - and _'),
        cron: z.string(),
        target: z.array(z.string()).default([]),
        select: z.array(z.string()).default([]),
        exclude: z.array(z.string()).default([]),
      }),
    )
    .default([]),
  /** Every task: how long it may run, and how often a transient failure (a reset connection, a 5xx) is retried. */
  tasks: strictObject({
    timeoutSeconds: z.number().positive().default(600),
    retry: retryPolicy({ attempts: 3, baseDelayMs: 250, maxDelayMs: 5000 }),
  }).prefault({}),
  /** Alerts: a webhook (Slack-compatible) told how runs end. */
  notify: strictObject({
    /** The environment variable holding the webhook's URL (a URL is a secret: it never goes in the file). */
    webhookEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'webhookEnv names an environment variable, e.g. KPI_WEBHOOK_URL'),
    /** Which outcomes are sent: failures (failed or interrupted runs) by default, successes too on request. */
    on: z.array(z.enum(['failure', 'success'])).default(['failure']),
    timeoutSeconds: z.number().positive().default(10),
    retry: retryPolicy({ attempts: 3, baseDelayMs: 1000, maxDelayMs: 8000 }),
  }).optional(),
  google: strictObject({
    /** Google Sheets calls in flight at once across the run (the API's quota is per minute and per user). */
    concurrency: z.number().int().min(1).max(10).default(1),
    /** Waits out a per-minute quota: 6 waits of 1, 2, 4, 8, 16 and 32 s (plus up to 1 s of jitter each), 63 to 68 s in all. */
    retry: retryPolicy({ attempts: 7, baseDelayMs: 1000, maxDelayMs: 32000 }),
  }).prefault({}),
});

export type SheetColumn = z.infer<typeof column>;
export type WeekCutoff = NonNullable<z.infer<typeof configSchema>['weekCutoff']>;
export const WEEKDAY_NUMBERS: Record<WeekCutoff['day'], number> = Object.fromEntries(WEEKDAYS.map((day, index) => [day, index + 1])) as Record<
  WeekCutoff['day'],
  number
>;
export type SheetSourceConfig = z.infer<typeof sheetSource>;
export type GoogleRange = z.infer<typeof googleRange>;
export type NotifyConfig = NonNullable<z.infer<typeof configSchema>['notify']>;

export interface Config extends z.infer<typeof configSchema> {
  /** Absolute paths, resolved against the configuration file's folder. */
  readonly paths: { readonly root: string; readonly state: string; readonly scorecards: string; readonly fixtures: string; readonly nodes: string };
  /** From DATABASE_URL: a PostgreSQL warehouse instead of the embedded one. */
  readonly databaseUrl?: string;
  /** The environment commands work in (`--env`, KPI_ENV): `prod` unless named. */
  readonly environment: string;
}

export class ConfigError extends Error {
  readonly code = 'config';
}

/**
 * The variables the engine reads. A blank one counts as unset: `KPI_STATE_DIR=` must not put
 * the warehouse in the configuration's own folder.
 */
const setting = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value : undefined));
const environmentSchema = z.object({
  DATABASE_URL: setting,
  KPI_STATE_DIR: setting,
  KPI_SCORECARD_DIR: setting,
  KPI_TIME_ZONE: setting,
  KPI_ENV: setting.pipe(z.string().regex(ENVIRONMENT_NAME, `is not an environment name: use ${ENVIRONMENT_NAME_RULE}`).optional()),
  KPI_LOG_LEVEL: setting.pipe(z.enum(LOG_LEVELS, { error: (issue) => `${JSON.stringify(issue.input)} is not a log level: use one of ${LOG_LEVELS.join(', ')}` }).optional()),
});

/** Where the configuration comes from. */
export interface ConfigSource {
  readonly file: string;
  /**
   * Named by the user (`--config`): it must exist. Only the default `./kpi.config.json` may be
   * missing, meaning the embedded defaults.
   */
  readonly explicit: boolean;
}

/** Reads the configuration file (every key optional, none unknown) and the environment. */
export async function loadConfig(source: ConfigSource, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const { file } = source;
  const environment = environmentSchema.safeParse(env);
  if (!environment.success) {
    throw new ConfigError(environment.error.issues.map((issue) => `environment variable ${keyPath(issue.path)}: ${issue.message}`).join('; '));
  }
  const { DATABASE_URL, KPI_STATE_DIR, KPI_SCORECARD_DIR, KPI_TIME_ZONE, KPI_ENV = PROD } = environment.data;
  let raw: unknown = {};
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && source.explicit) throw new ConfigError(`configuration file ${file} does not exist`, { cause: error });
    if (code !== 'ENOENT') throw new ConfigError(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    // Unknown keys first: a misspelt key also leaves the key meant missing. Their messages name their own paths (see strictObject).
    const unknownKeys = parsed.error.issues.filter((issue) => issue.code === 'unrecognized_keys').map((issue) => issue.message);
    // A record key that breaks its rule (an environment's name, say) says the rule, not zod's "Invalid key in record".
    const messageOf = (issue: z.core.$ZodIssue) => (issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message);
    const others = parsed.error.issues.filter((issue) => issue.code !== 'unrecognized_keys').map((issue) => `${keyPath(issue.path) || '(root)'}: ${messageOf(issue)}`);
    throw new ConfigError(`${file}: ${[...unknownKeys, ...others].join('; ')}`);
  }
  const root = dirname(resolve(file));
  const config = { ...parsed.data, timeZone: KPI_TIME_ZONE ?? parsed.data.timeZone };
  if (!isTimeZone(config.timeZone)) {
    throw new ConfigError(
      KPI_TIME_ZONE === undefined
        ? `${file}: timeZone "${config.timeZone}" is not a known IANA time zone`
        : `KPI_TIME_ZONE (or --tz) "${config.timeZone}" is not a known IANA time zone`,
    );
  }
  for (const schedule of config.schedules) {
    try {
      checkCron(schedule.name, schedule.cron);
      // A fire runs without reading the ledger first: what state: and result: match is read by run, ls and plan only.
      const ledgerMethods = methodsNeedingState([...schedule.target, ...schedule.select, ...schedule.exclude]);
      if (ledgerMethods.state || ledgerMethods.result) throw new Error(`schedule ${schedule.name}: state: and result: selectors are for run, plan and ls, not schedules`);
    } catch (error) {
      throw new ConfigError(`${file}: ${(error as Error).message}`);
    }
  }
  if (config.firstWeek !== undefined) {
    try {
      IsoWeek.parse(config.firstWeek);
    } catch (error) {
      throw new ConfigError(`${file}: firstWeek: ${(error as Error).message}`);
    }
  }
  const scorecardDir = resolve(root, KPI_SCORECARD_DIR ?? config.scorecardDir);
  return {
    ...config,
    // Another environment publishes to workbooks of its own, and to Google only where it names its own spreadsheets.
    ...(KPI_ENV === PROD ? {} : { scorecards: config.environments[KPI_ENV]?.scorecards ?? {} }),
    environment: KPI_ENV,
    paths: {
      root,
      state: resolve(root, KPI_STATE_DIR ?? config.stateDir),
      scorecards: KPI_ENV === PROD ? scorecardDir : join(scorecardDir, KPI_ENV),
      fixtures: resolve(root, config.fixturesDir),
      nodes: resolve(root, config.nodesDir),
    },
    ...(DATABASE_URL ? { databaseUrl: DATABASE_URL } : {}),
  };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
