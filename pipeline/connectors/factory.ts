import type { Task } from '../../graph/plan.ts';
import type { Config } from '../config.ts';
import type { Pool } from '../engine/executor.ts';
import type { Logger } from '../log.ts';
import { READ_SCOPE, WRITE_SCOPE, hasGoogleCredentials, serviceAccountFromEnv } from './google/credentials.ts';
import type { ServiceAccount } from './google/credentials.ts';
import type { GoogleScorecardSink } from './google/sheets-sink.ts';
import type { GoogleContext } from './google/spreadsheet.ts';
import { configuredDestinations, googleDestination } from './scorecards/destinations.ts';
import type { Destination } from './scorecards/destinations.ts';
import type { ScorecardSink } from './scorecards/scorecard-sink.ts';
import { xlsxSink } from './scorecards/xlsx-sink.ts';
import { localSheetReader } from './sheets/sheet-source.ts';
import type { SheetReader } from './sheets/sheet-source.ts';

/** The spreadsheet side of a run: where sheet sources are read and scorecards written. */
export interface Connectors {
  readonly sheets: SheetReader;
  /** Where a domain's scorecard is published this run: one publish task per destination. */
  destinationsOf(domain: string): readonly Destination[];
  /** Where a publish task writes, said as its sink says it (see ScorecardSink.destination), without building the sink. */
  destinationOf(domain: string, destination: string): string;
  sinkFor(domain: string, destination: string): ScorecardSink;
  /** The Google sink of a domain that publishes to a spreadsheet, when credentials are set. */
  googleSinkFor(domain: string): GoogleScorecardSink | undefined;
  /** Pools a task must get a slot in besides the global limit. */
  poolsOf(task: Task): Pool[];
  /** Tasks the run starts last, together (workbook publishes: see xlsxSink). */
  runsLast(task: Task): boolean;
  /** The service account in use, if any. */
  readonly googleAccount?: string;
}

/**
 * Every domain publishes to its local workbook; a domain with a spreadsheet id publishes to
 * Google Sheets too when the environment has credentials (the configuration's `publish` list
 * can keep either one only). Without credentials, sheet sources are read from the local files
 * and scorecards go to the workbooks, said once in the log.
 *
 * `toRead` (plan): the credentials are read, and the Google client loaded, only when a Google
 * sheet source is read; sinks are never built, so nothing is written.
 */
export async function createConnectors(config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env, options: { readonly toRead?: boolean } = {}): Promise<Connectors> {
  const local = localSheetReader(config.paths.root);
  const workbooks = xlsxSink(config.paths.scorecards);
  const withCredentials = hasGoogleCredentials(env);
  let loading: Promise<GoogleSide | undefined> | undefined;
  const loadGoogle = () => (loading ??= serviceAccountFromEnv(env).then((account) => (account ? googleConnectors(config, account, log) : undefined)));
  const google = options.toRead ? undefined : await loadGoogle();
  if (!options.toRead) {
    if (google) log.info({ account: google.account }, 'Google Sheets: using the service account from the environment');
    else log.info('no Google credentials in the environment (GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_SERVICE_ACCOUNT_JSON): sheet sources are read from local files and scorecards written to local workbooks');
  }
  const usesGoogle = (task: Task) =>
    withCredentials &&
    ((task.node.kind === 'sheet' && config.sheets[task.node.source]?.google !== undefined) || (task.node.kind === 'publish' && task.destination === 'google'));
  return {
    sheets: withCredentials
      ? {
          read: async (name, source) => (source.google ? (await loadGoogle())!.reader.read(name, source) : local.read(name, source)),
          contentKey: async (name, source) => (source.google ? undefined : local.contentKey?.(name, source)),
        }
      : local,
    destinationsOf: (domain) => (withCredentials ? configuredDestinations(config, domain) : ['workbook']),
    destinationOf: (domain, destination) => {
      const spreadsheetId = config.scorecards[domain]?.spreadsheetId;
      if (destination === 'workbook') return workbooks.destination(domain);
      return destination === 'google' && spreadsheetId !== undefined ? googleDestination(spreadsheetId) : unknownDestination(domain, destination);
    },
    sinkFor: (domain, destination) =>
      (destination === 'workbook' ? workbooks : destination === 'google' ? google?.sinkFor(domain) : undefined) ?? unknownDestination(domain, destination),
    googleSinkFor: (domain) => google?.sinkFor(domain),
    poolsOf: (task) => [
      // One writer per spreadsheet; a workbook's sink orders its own writes, putting together what arrives at once.
      ...(task.node.kind === 'publish' && task.destination === 'google' ? [{ name: `publish:${task.node.declaration.domain}:google`, concurrency: 1 }] : []),
      ...(usesGoogle(task) ? [{ name: 'sheets', concurrency: config.google.concurrency }] : []),
    ],
    runsLast: (task) => task.node.kind === 'publish' && task.destination === 'workbook',
    ...(google ? { googleAccount: google.account } : {}),
  };
}

type GoogleSide = Awaited<ReturnType<typeof googleConnectors>>;

/**
 * The Google side: a reader for sheet sources and, per domain that publishes there, one sink.
 * Loaded only with credentials: the Google client libraries take longer to load than most commands run.
 */
async function googleConnectors(config: Config, account: ServiceAccount, log: Logger) {
  const [{ googleAuth }, { googleSheetReader }, { googleSheetsSink }] = await Promise.all([
    import('./google/spreadsheet.ts'),
    import('./google/sheets-reader.ts'),
    import('./google/sheets-sink.ts'),
  ]);
  const context = (scope: string): GoogleContext => ({ auth: googleAuth(account, scope), account: account.email, retry: config.google.retry, log });
  const writer = context(WRITE_SCOPE);
  const sinks = new Map<string, GoogleScorecardSink>();
  return {
    account: account.email,
    reader: googleSheetReader(context(READ_SCOPE)),
    sinkFor(domain: string): GoogleScorecardSink | undefined {
      const target = config.scorecards[domain];
      if (!target || !configuredDestinations(config, domain).includes('google')) return undefined;
      let sink = sinks.get(domain);
      if (!sink) {
        sink = googleSheetsSink(writer, target.spreadsheetId);
        sinks.set(domain, sink);
      }
      return sink;
    },
  };
}

/** A publish task planned for a destination the domain does not have: a bug in planning, never a user error. */
function unknownDestination(domain: string, destination: string): never {
  throw new Error(`scorecard ${domain} has no destination "${destination}"`);
}
