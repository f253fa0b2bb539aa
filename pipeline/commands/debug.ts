import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { DefinitionError } from '../../graph/errors.ts';
import { nodesOf } from '../../graph/build.ts';
import { CONFIG_FILE } from '../config.ts';
import type { Config } from '../config.ts';
import { createConnectors } from '../connectors/factory.ts';
import { hasGoogleCredentials, serviceAccountFromEnv } from '../connectors/google/credentials.ts';
import { checkSheets } from '../connectors/sheets/sheets-check.ts';
import { fixturesLoaded } from '../connectors/warehouse/fixtures.ts';
import { MIGRATION_NAMES } from '../connectors/warehouse/migrations.ts';
import { redact, serverOf } from '../connectors/warehouse/postgres.ts';
import type { ReadOnlyWarehouse } from '../connectors/warehouse/warehouse.ts';
import { currentInstant, resolveWeeks, restateWindow, weekPolicyOf } from '../dates.ts';
import { EXIT } from '../exit-codes.ts';
import { createLogger } from '../log.ts';
import { loadProject } from '../project/project.ts';
import type { Project } from '../project/project.ts';
import { displayPath } from '../reports/summary.ts';
import { scrubSecrets } from '../secrets.ts';
import { counted } from '../words.ts';
import { readConfig, writeJson } from './context.ts';
import { nodesDirOf } from './options.ts';
import { withWarehouse } from './read-warehouse.ts';

export interface DebugFlags {
  config?: string;
  nodes?: string;
  google?: boolean;
  json?: boolean;
}

/** One thing `debug` looked at: fine, or a problem a run would meet. */
export interface Finding {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * `debug`, as dbt's: the configuration and what it resolves to (secrets redacted), the
 * warehouse, Google credentials, the node files and the week a plain run would compute. Exit
 * 0 when everything a run needs is there, 1 otherwise, with a line per problem.
 */
export async function debugCommand(flags: DebugFlags): Promise<void> {
  const { config, findings } = await diagnose(flags);
  if (flags.json) {
    writeJson({ config: config === undefined ? null : JSON.parse(scrubSecrets(JSON.stringify(resolved(config)))), findings });
  } else {
    const lines = config === undefined ? [] : ['configuration, resolved:', ...scrubSecrets(JSON.stringify(resolved(config), null, 2)).split('\n').map((line) => `  ${line}`), ''];
    for (const finding of findings) lines.push(`${finding.ok ? 'ok  ' : 'FAIL'} ${finding.check}: ${scrubSecrets(finding.detail)}`);
    const problems = findings.filter((finding) => !finding.ok).length;
    lines.push('', problems === 0 ? 'everything a run needs is there' : `${counted(problems, 'problem')}: a run would not get far`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  process.exitCode = findings.every((finding) => finding.ok) ? EXIT.ok : EXIT.failed;
}

/** Every check, each failure caught as a finding: one broken part does not hide the others. */
export async function diagnose(flags: DebugFlags, env: NodeJS.ProcessEnv = process.env): Promise<{ config?: Config; findings: Finding[] }> {
  const file = resolve(flags.config ?? CONFIG_FILE);
  let config: Config;
  try {
    config = await readConfig(flags, env);
  } catch (error) {
    return { findings: [{ check: 'configuration', ok: false, detail: (error as Error).message }] };
  }
  const findings: Finding[] = [
    { check: 'configuration', ok: true, detail: existsSync(file) ? displayPath(file) : `no ${CONFIG_FILE}: the embedded defaults` },
  ];
  const found = (check: string, work: () => Promise<string | Finding[]>) =>
    work().then(
      (detail) => (typeof detail === 'string' ? [{ check, ok: true, detail }] : detail),
      (error: unknown) => [{ check, ok: false, detail: (error as Error).message }],
    );

  let project: Project | undefined;
  findings.push(
    ...(await found('nodes', async () => {
      try {
        project = await loadProject(config, nodesDirOf(flags));
      } catch (error) {
        if (!(error instanceof DefinitionError)) throw error;
        return error.problems.map((problem) => ({ check: 'nodes', ok: false, detail: problem.file ? `${problem.file}: ${problem.message}` : problem.message }));
      }
      const nodes = nodesOf(project.graph);
      const count = (kind: string, word: string, plural?: string) => counted(nodes.filter((node) => node.kind === kind).length, word, plural);
      return `${displayPath(nodesDirOf(flags) ?? config.paths.nodes)} compiled: ${count('kpi', 'KPI')}, ${count('model', 'model')}, ${count('publish', 'publish', 'publishes')} in ${counted(project.domains.length, 'domain')}`;
    })),
  );
  findings.push(...(await found('warehouse', () => checkWarehouse(config, project))));
  findings.push(...(await sheetFiles(config)));
  findings.push(...(await found('google', () => checkGoogle(config, project, flags.google === true, env))));
  findings.push(
    ...(await found('weeks', async () => {
      const policy = weekPolicyOf(config);
      const [week] = resolveWeeks({}, policy);
      const restate = restateWindow({}, policy);
      const now = currentInstant().toZonedDateTimeISO(config.timeZone).toPlainDateTime().toString({ smallestUnit: 'minute' });
      return `time zone ${config.timeZone} (now ${now}); a plain run computes ${week!.id}` + (restate.length > 0 ? ` and rechecks ${restate[0]!.id}..${restate.at(-1)!.id}` : '');
    })),
  );
  return { config, findings };
}

/** The configuration as the engine uses it, its connection string without the password. */
function resolved(config: Config): Config {
  return config.databaseUrl === undefined ? config : { ...config, databaseUrl: redact(config.databaseUrl) };
}

/**
 * Reaches the warehouse as a reader (an embedded one only if it exists: debug creates nothing)
 * and says what it holds: the server, its schemas, the demo data, the ledger's migrations and
 * whether the tables the KPIs read are there.
 */
async function checkWarehouse(config: Config, project: Project | undefined): Promise<Finding[]> {
  const where = config.databaseUrl
    ? `PostgreSQL at ${serverOf(config.databaseUrl).address}/${serverOf(config.databaseUrl).database}`
    : `embedded (PGlite) at ${displayPath(join(config.paths.state, 'warehouse'))}`;
  if (!config.databaseUrl && !existsSync(join(config.paths.state, 'warehouse', 'PG_VERSION'))) {
    return [{ check: 'warehouse', ok: true, detail: `${where}: not created yet; the first run creates it and loads the demo data` }];
  }
  try {
    return await withWarehouse(config, async (warehouse) => describeWarehouse(warehouse, where, project));
  } catch (error) {
    // A connection error names the server already.
    const message = (error as Error).message;
    return [{ check: 'warehouse', ok: false, detail: config.databaseUrl && message.includes(serverOf(config.databaseUrl).address) ? message : `${where}: ${message}` }];
  }
}

async function describeWarehouse(warehouse: ReadOnlyWarehouse, where: string, project: Project | undefined): Promise<Finding[]> {
  const { db } = warehouse;
  const version = (await sql<{ server_version: string }>`show server_version`.execute(db)).rows[0]?.server_version ?? '?';
  const schemas = (await sql<{ name: string }>`select nspname as name from pg_namespace where nspname !~ '^pg_' and nspname <> 'information_schema' order by 1`.execute(db)).rows.map((row) => row.name);
  const applied = warehouse.hasLedger ? (await sql<{ name: string }>`select name from kpi_ledger.kysely_migration`.execute(db)).rows.map((row) => row.name) : [];
  const demo = warehouse.hasLedger && (await fixturesLoaded(db));
  const findings: Finding[] = [
    { check: 'warehouse', ok: true, detail: `${where}: reached, server ${version}; schemas ${schemas.join(', ') || '(none)'}` },
    {
      check: 'ledger',
      ok: true,
      detail: warehouse.hasLedger
        ? `${applied.length} of ${MIGRATION_NAMES.length} migrations applied; demo data ${demo ? 'seeded' : 'not seeded (pipeline seed loads it)'}`
        : 'none yet: the first run creates it',
    },
  ];
  const tables = project ? nodesOf(project.graph).flatMap((node) => (node.kind === 'table' ? [node.table] : [])) : [];
  if (tables.length > 0) {
    const { rows } = await sql<{ name: string }>`select name from unnest(${tables}::text[]) as t (name) where to_regclass(name) is null order by 1`.execute(db);
    findings.push(
      rows.length === 0
        ? { check: 'source tables', ok: true, detail: `the ${counted(tables.length, 'table')} the KPIs read are there` }
        : { check: 'source tables', ok: false, detail: `missing: ${rows.map((row) => row.name).join(', ')} (pipeline seed loads the demo ones)` },
    );
  }
  return findings;
}

/** Each configured sheet source's local file is there and readable. */
async function sheetFiles(config: Config): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [name, source] of Object.entries(config.sheets)) {
    if (source.file === undefined) continue;
    const path = resolve(config.paths.root, source.file);
    const readable = await access(path, constants.R_OK).then(
      () => true,
      () => false,
    );
    findings.push({ check: `sheet ${name}`, ok: readable, detail: readable ? displayPath(path) : `${displayPath(path)} cannot be read` });
  }
  return findings;
}

/** Credentials present and readable; Google itself is asked only with `--google` (what `sheets check` checks). */
async function checkGoogle(config: Config, project: Project | undefined, callGoogle: boolean, env: NodeJS.ProcessEnv): Promise<string | Finding[]> {
  if (!hasGoogleCredentials(env)) return 'no credentials in the environment: sheet sources are read from local files, scorecards written to local workbooks';
  const account = await serviceAccountFromEnv(env);
  const readable = `service account ${account!.email} from ${account!.from}, readable`;
  if (!callGoogle) return `${readable} (not checked with Google: --google does)`;
  if (!project) return [{ check: 'google', ok: false, detail: `${readable}; not checked with Google: the node files do not compile` }];
  const [week] = resolveWeeks({}, weekPolicyOf(config));
  const lines = await checkSheets(config, project, week!, await createConnectors(config, createLogger(), env));
  return [{ check: 'google', ok: true, detail: readable }, ...lines.map((line) => ({ check: 'google', ok: line.ok, detail: line.text }))];
}
