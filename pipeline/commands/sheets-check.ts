import { createConnectors } from '../connectors/factory.ts';
import { resolveWeeks, weekPolicyOf } from '../dates.ts';
import { EXIT } from '../exit-codes.ts';
import { createLogger } from '../log.ts';
import { loadProject } from '../project/project.ts';
import { checkSheets } from '../connectors/sheets/sheets-check.ts';
import { readConfig } from './context.ts';
import { nodesDirOf } from './options.ts';

/** `sheets check`: access to every configured spreadsheet and tab, and what publish would write where, without writing. */
export async function sheetsCheckCommand(flags: { config?: string; nodes?: string; week?: string }): Promise<void> {
  const config = await readConfig(flags);
  const project = await loadProject(config, nodesDirOf(flags));
  const [week] = resolveWeeks(flags, { ...weekPolicyOf(config), maxWeeks: 1 });
  const connectors = await createConnectors(config, createLogger());
  if (!connectors.googleAccount) {
    process.stdout.write('no Google credentials in the environment: set GOOGLE_APPLICATION_CREDENTIALS (a key file) or GOOGLE_SERVICE_ACCOUNT_JSON\n');
    process.exitCode = EXIT.failed;
    return;
  }
  const lines = await checkSheets(config, project, week!, connectors);
  if (lines.length === 0) process.stdout.write('no Google spreadsheet is configured (sheets.*.google, scorecards.*.spreadsheetId)\n');
  for (const line of lines) process.stdout.write(`${line.ok ? 'ok  ' : 'FAIL'} ${line.text}\n`);
  process.exitCode = lines.every((line) => line.ok) ? EXIT.ok : EXIT.failed;
}
