import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../config.ts';

export const READ_SCOPE = 'https://www.googleapis.com/auth/spreadsheets.readonly';
export const WRITE_SCOPE = 'https://www.googleapis.com/auth/spreadsheets';

/** A service account's identity, from the environment only. */
export interface ServiceAccount {
  readonly email: string;
  readonly privateKey: string;
  /** Which variable it came from, for messages. */
  readonly from: string;
}

/** Whether the environment names Google credentials, without reading them. */
export const hasGoogleCredentials = (env: NodeJS.ProcessEnv = process.env): boolean => Boolean(env.GOOGLE_SERVICE_ACCOUNT_JSON || env.GOOGLE_APPLICATION_CREDENTIALS);

/**
 * The service account in `GOOGLE_SERVICE_ACCOUNT_JSON` (the key file's JSON) or in the file
 * `GOOGLE_APPLICATION_CREDENTIALS` names; undefined when neither is set. Errors name the
 * variable, never its content.
 */
export async function serviceAccountFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<ServiceAccount | undefined> {
  let text: string;
  let from: string;
  if (env.GOOGLE_SERVICE_ACCOUNT_JSON) {
    text = env.GOOGLE_SERVICE_ACCOUNT_JSON;
    from = 'GOOGLE_SERVICE_ACCOUNT_JSON';
  } else if (env.GOOGLE_APPLICATION_CREDENTIALS) {
    from = `GOOGLE_APPLICATION_CREDENTIALS (${env.GOOGLE_APPLICATION_CREDENTIALS})`;
    try {
      text = await readFile(env.GOOGLE_APPLICATION_CREDENTIALS, 'utf8');
    } catch (error) {
      throw new ConfigError(`${from}: cannot read the key file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else {
    return undefined;
  }
  let key: { client_email?: unknown; private_key?: unknown };
  try {
    key = JSON.parse(text) as typeof key;
  } catch {
    throw new ConfigError(`${from}: not JSON; expected a Google service-account key`);
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string' || !key.private_key.includes('PRIVATE KEY')) {
    throw new ConfigError(`${from}: not a service-account key (needs client_email and private_key)`);
  }
  return { email: key.client_email, privateKey: key.private_key, from };
}
