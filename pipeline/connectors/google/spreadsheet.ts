import { GoogleSpreadsheet } from 'google-spreadsheet';
import type { GoogleSpreadsheetWorksheet } from 'google-spreadsheet';
import type { JWT } from 'google-auth-library';
import type { Logger } from '../../log.ts';
import { httpStatusOf, isTransient, withRetry } from '../../retry.ts';
import type { RetryPolicy } from '../../retry.ts';

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

export interface GoogleContext {
  readonly auth: JWT;
  /** The service account's email, named in access errors: it is who the sheet must be shared with. */
  readonly account: string;
  readonly retry: RetryPolicy;
  readonly log: Logger;
}

/**
 * Runs `work` on a freshly loaded spreadsheet. The whole operation is retried on 429/5xx
 * (google-spreadsheet's HTTP client retries only reads, and our writes are planned from what
 * was read, so a retry starts over); 403/404 fail at once with the id and the account.
 */
export async function withSpreadsheet<T>(
  context: GoogleContext,
  spreadsheetId: string,
  what: string,
  work: (doc: GoogleSpreadsheet) => Promise<T>,
): Promise<T> {
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
        isRetryable: isTransient,
        onRetry: (error, attempt, delayMs) =>
          context.log.warn({ spreadsheet: spreadsheetId, attempt, delayMs, status: httpStatusOf(error) }, `${what}: transient Google Sheets error, retrying in ${delayMs} ms`),
      },
    );
  } catch (error) {
    throw explain(error, spreadsheetId, context.account, what);
  }
}

export function requireTab(doc: GoogleSpreadsheet, tab: string, spreadsheetId: string): GoogleSpreadsheetWorksheet {
  const sheet = doc.sheetsByTitle[tab];
  if (!sheet) {
    const tabs = doc.sheetsByIndex.map((worksheet) => worksheet.title).join(', ');
    throw new GoogleSheetsError(`spreadsheet ${spreadsheetId} has no tab "${tab}" (tabs: ${tabs || 'none'})`, undefined);
  }
  return sheet;
}

function explain(error: unknown, spreadsheetId: string, account: string, what: string): Error {
  if (error instanceof GoogleSheetsError) return error;
  const status = httpStatusOf(error);
  const cause = error instanceof Error ? error : new Error(String(error));
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
    default:
      return new GoogleSheetsError(
        `${what}: Google Sheets failed on spreadsheet ${spreadsheetId}${status ? ` (${status})` : ''}: ${cause.message}`,
        status,
        { cause },
      );
  }
}
