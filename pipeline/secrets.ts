/** Credentials come from the environment only, and never leave it: these keep them out of every output. */

/**
 * Removes secrets from text that a message or an error carried: the password of any URL
 * (`postgres://user:***@host`), PEM private keys (also JSON-escaped), bearer tokens, and the
 * exact secrets found in the environment.
 */
export function scrubSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let scrubbed = text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@"']*:)([^@\s"'/]+)@/gi, '$1***@')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----(\\n|\n)?/g, '[private key redacted]')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 ***');
  for (const secret of environmentSecrets(env)) scrubbed = scrubbed.split(secret).join('***');
  return scrubbed;
}

/** Secrets the environment holds: the warehouse password and a service account's private key, raw and JSON-escaped. */
function environmentSecrets(env: NodeJS.ProcessEnv): string[] {
  const secrets: string[] = [];
  for (const name of ['DATABASE_URL', 'KPI_TEST_POSTGRES_URL']) {
    try {
      const password = env[name] ? decodeURIComponent(new URL(env[name]!).password) : '';
      if (password.length >= 4) secrets.push(password);
    } catch {
      // Not a URL: nothing to take from it.
    }
  }
  try {
    const key = env.GOOGLE_SERVICE_ACCOUNT_JSON ? (JSON.parse(env.GOOGLE_SERVICE_ACCOUNT_JSON) as { private_key?: string }).private_key : undefined;
    if (key) secrets.push(key, JSON.stringify(key).slice(1, -1));
  } catch {
    // Malformed credentials are reported where they are read.
  }
  return secrets;
}
