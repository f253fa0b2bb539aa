import { GoogleSpreadsheet } from 'google-spreadsheet';
import type { GoogleSpreadsheetWorksheet } from 'google-spreadsheet';
import { JWT } from 'google-auth-library';
import type { Logger } from '../../log.ts';
import { httpStatusOf, isTransient, withRetry } from '../../engine/retry.ts';
import type { RetryOptions, RetryPolicy } from '../../engine/retry.ts';
import type { ServiceAccount } from './credentials.ts';

/** A Google Sheets call that failed, with what a user needs to fix it. */
export class GoogleSheetsError extends Error {
  readonly code = 'google_sheets';
  /** Transient faults were already retried here: the task must not retry them again. */
  readonly transient = false;

  constructor(
    message: string,
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'GoogleSheetsError';
  }
}

/**
 * An OAuth client for the service account. Its token requests go through the global `fetch`
 * (like google-spreadsheet's own requests), not gaxios's bundled node-fetch.
 */
export function googleAuth(account: ServiceAccount, scope: string): JWT {
  return new JWT({
    email: account.email,
    key: account.privateKey,
    scopes: [scope],
    transporterOptions: { fetchImplementation: globalThis.fetch },
  });
}

export interface GoogleContext {
  readonly auth: JWT;
  /** The service account's email, named in access errors: it is who the sheet must be shared with. */
  readonly account: string;
  readonly retry: RetryPolicy;
  readonly log: Logger;
  /** How to wait between attempts; tests pass one that only records the delay. */
  readonly sleep?: RetryOptions['sleep'];
}

/**
 * Runs `work` on a freshly loaded spreadsheet. The whole operation is retried on 429/5xx
 * (google-spreadsheet's HTTP client retries only reads, and our writes are planned from what
 * was read, so a retry starts over), with a back-off long enough to wait out a per-minute
 * quota; 403/404 fail at once with the id and the account.
 */
export async function withSpreadsheet<T>(
  context: GoogleContext,
  spreadsheetId: string,
  what: string,
  work: (doc: GoogleSpreadsheet) => Promise<T>,
): Promise<T> {
  const waited = { attempts: 1, ms: 0 };
  try {
    return await withRetry(
      async () => {
        // Retries are ours alone: ky's own would stack with them.
        const doc = new GoogleSpreadsheet(spreadsheetId, context.auth, { retryConfig: { limit: 0 } });
        await doc.loadInfo();
        return work(doc);
      },
      {
        ...context.retry,
        ...(context.sleep ? { sleep: context.sleep } : {}),
        isRetryable: isTransient,
        onRetry: (error, attempt, delayMs) => {
          waited.attempts = attempt + 1;
          waited.ms += delayMs;
          const status = httpStatusOf(error);
          context.log.warn(
            { spreadsheet: spreadsheetId, attempt, delayMs, status },
            `${what}: ${transientProblem(status)} on spreadsheet ${spreadsheetId}: waiting ${seconds(delayMs)} s before attempt ${attempt + 1} of ${context.retry.attempts}`,
          );
        },
      },
    );
  } catch (error) {
    throw explain(error, spreadsheetId, context.account, what, waited);
  }
}

function transientProblem(status: number | undefined): string {
  if (status === 429) return 'Google Sheets quota exceeded (429)';
  return status === undefined ? 'Google Sheets unreachable' : `Google Sheets unavailable (${status})`;
}

const seconds = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));

export function requireTab(doc: GoogleSpreadsheet, tab: string, spreadsheetId: string): GoogleSpreadsheetWorksheet {
  const sheet = doc.sheetsByTitle[tab];
  if (!sheet) {
    const tabs = doc.sheetsByIndex.map((worksheet) => worksheet.title).join(', ');
    throw new GoogleSheetsError(`spreadsheet ${spreadsheetId} has no tab "${tab}" (tabs: ${tabs || 'none'})`, undefined);
  }
  return sheet;
}

function explain(error: unknown, spreadsheetId: string, account: string, what: string, waited: { attempts: number; ms: number }): Error {
  if (error instanceof GoogleSheetsError) return error;
  const status = httpStatusOf(error);
  const cause = error instanceof Error ? error : new Error(String(error));
  const retried = waited.attempts > 1 ? `, retried for ${seconds(waited.ms)} s (${waited.attempts} attempts)` : '';
  switch (status) {
    case 403:
      return new GoogleSheetsError(
        `${what}: Google Sheets refused access to spreadsheet ${spreadsheetId} (403): share it with ${account}`,
        status,
        { cause },
      );
    case 404:
      return new GoogleSheetsError(
        `${what}: spreadsheet ${spreadsheetId} was not found (404): check its id in the configuration and that ${account} can open it`,
        status,
        { cause },
      );
    case 429:
      return new GoogleSheetsError(
        `${what}: Google Sheets quota exceeded (429) for spreadsheet ${spreadsheetId}${retried}: ${cause.message}`,
        status,
        { cause },
      );
    default:
      return new GoogleSheetsError(
        `${what}: Google Sheets failed on spreadsheet ${spreadsheetId}${status ? ` (${status})` : ''}${retried}: ${cause.message}`,
        status,
        { cause },
      );
  }
}
