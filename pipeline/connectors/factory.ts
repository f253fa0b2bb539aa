import type { Task } from '../../graph/plan.ts';
import type { Config } from '../config.ts';
import type { Pool } from '../executor.ts';
import type { Logger } from '../log.ts';
import { READ_SCOPE, WRITE_SCOPE, serviceAccountFromEnv } from './google/credentials.ts';
import type { GoogleScorecardSink } from './google/sheets-sink.ts';
import type { GoogleContext } from './google/spreadsheet.ts';
import type { ScorecardSink } from './scorecards/scorecard-sink.ts';
import { xlsxSink } from './scorecards/xlsx-sink.ts';
import { localSheetReader } from './sheets/sheet-source.ts';
import type { SheetReader } from './sheets/sheet-source.ts';

/** The spreadsheet side of a run: where sheet sources are read and scorecards written. */
export interface Connectors {
  readonly sheets: SheetReader;
  sinkFor(domain: string): ScorecardSink;
  /** The Google sink of a domain with a spreadsheet id, when credentials are set. */
  googleSinkFor(domain: string): GoogleScorecardSink | undefined;
  /** Pools a task must get a slot in besides the global limit. */
  poolsOf(task: Task): Pool[];
  /** The service account in use, if any. */
  readonly googleAccount?: string;
}

/**
 * Google Sheets where the configuration names a spreadsheet and the environment has
 * credentials; the local files (the embedded defaults) otherwise, said once in the log.
 */
export async function createConnectors(config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Connectors> {
  const local = localSheetReader(config.paths.root);
  const workbooks = xlsxSink(config.paths.scorecards);
  const oneWriterPerScorecard = (task: Task): Pool[] =>
    task.node.kind === 'publish' ? [{ name: `publish:${task.node.declaration.domain}`, concurrency: 1 }] : [];

  const account = await serviceAccountFromEnv(env);
  if (!account) {
    log.info('no Google credentials in the environment (GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_SERVICE_ACCOUNT_JSON): sheet sources are read from local files and scorecards written to local workbooks');
    return { sheets: local, sinkFor: () => workbooks, googleSinkFor: () => undefined, poolsOf: oneWriterPerScorecard };
  }

  // Loaded only with credentials: the Google client libraries take longer to load than most commands run.
  const [{ googleAuth }, { googleSheetReader }, { googleSheetsSink }] = await Promise.all([
    import('./google/spreadsheet.ts'),
    import('./google/sheets-reader.ts'),
    import('./google/sheets-sink.ts'),
  ]);
  const context = (scope: string): GoogleContext => ({ auth: googleAuth(account, scope), account: account.email, retry: config.google.retry, log });
  const reader = googleSheetReader(context(READ_SCOPE));
  const writer = context(WRITE_SCOPE);
  const sinks = new Map<string, GoogleScorecardSink>();
  const googleSinkFor = (domain: string) => {
    const target = config.scorecards[domain];
    if (!target) return undefined;
    let sink = sinks.get(domain);
    if (!sink) {
      sink = googleSheetsSink(writer, target.spreadsheetId);
      sinks.set(domain, sink);
    }
    return sink;
  };
  const usesGoogle = (task: Task) =>
    (task.node.kind === 'sheet' && config.sheets[task.node.source]?.google !== undefined) ||
    (task.node.kind === 'publish' && config.scorecards[task.node.declaration.domain] !== undefined);
  log.info({ account: account.email }, 'Google Sheets: using the service account from the environment');
  return {
    sheets: {
      read: (name, source) => (source.google ? reader.read(name, source) : local.read(name, source)),
      contentKey: async (name, source) => (source.google ? undefined : local.contentKey?.(name, source)),
    },
    sinkFor: (domain) => googleSinkFor(domain) ?? workbooks,
    googleSinkFor,
    poolsOf: (task) => [...oneWriterPerScorecard(task), ...(usesGoogle(task) ? [{ name: 'sheets', concurrency: config.google.concurrency }] : [])],
    googleAccount: account.email,
  };
}
