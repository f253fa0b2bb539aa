/**
 * Environments: `prod` and any other name (`dev`, `pr-123`). An environment other than prod has
 * its own copy of the engine's three schemas in the same warehouse — its ledger
 * (`kpi_ledger__dev`), its scorecard tables (`vl_analytics__dev`) and its models
 * (`kpi_models__dev`) — and reads sources where prod does. Code reaches an environment's schemas
 * through a Kysely plugin that renames the three schemas in every query (see inEnvironment):
 * the engine's queries are the same in every environment.
 */
import { OperationNodeTransformer, SchemableIdentifierNode, sql } from 'kysely';
import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { MODEL_SCHEMA } from '../../graph/ids.ts';
import { ConfigError } from '../config.ts';
import { ENVIRONMENT_NAME, PROD } from './names.ts';

export { PROD };

/** The schemas an environment has its own copy of. */
export const LEDGER_SCHEMA = 'kpi_ledger';
export const SCORECARD_SCHEMA = 'vl_analytics';
const OWN_SCHEMAS = [LEDGER_SCHEMA, SCORECARD_SCHEMA, MODEL_SCHEMA] as const;
/** The ledger tables an environment keeps its own rows in (its migrations and meta stay prod's). */
const LEDGER_TABLES = ['runs', 'node_runs', 'published_values', 'restatements'] as const;

const SUFFIX = '__';

/** Where a schema of the engine is in an environment: `vl_analytics` in prod, `vl_analytics__dev` in dev. */
export function schemaOf(schema: string, environment: string): string {
  return environment === PROD ? schema : `${schema}${SUFFIX}${environment}`;
}

/** Renames the engine's schemas to the environment's in every table a query names. */
class EnvironmentSchemas implements KyselyPlugin {
  readonly #transformer: OperationNodeTransformer;

  constructor(readonly environment: string) {
    const renamed = new Map<string, string>(OWN_SCHEMAS.map((schema) => [schema, schemaOf(schema, environment)]));
    this.#transformer = new (class extends OperationNodeTransformer {
      protected override transformSchemableIdentifier(node: SchemableIdentifierNode): SchemableIdentifierNode {
        const schema = node.schema && renamed.get(node.schema.name);
        return schema === undefined ? node : SchemableIdentifierNode.createWithSchema(schema, node.identifier.name);
      }
    })();
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** The warehouse as an environment sees it: prod's own handle for prod, else one whose queries use the environment's schemas. */
export function inEnvironment<DB>(db: Kysely<DB>, environment: string): Kysely<DB> {
  return environment === PROD ? db : db.withPlugin(new EnvironmentSchemas(environment));
}

/** The environment a handle from inEnvironment works in. */
export function environmentOf(db: Kysely<any>): string {
  const plugin = db.getExecutor().plugins.find((candidate) => candidate instanceof EnvironmentSchemas);
  return plugin?.environment ?? PROD;
}

/**
 * `schema.table` as text for `to_regclass`, in the handle's environment and quoted where the
 * name needs it (`"vl_analytics__pr-123".scorecard_success`): text passed as a value is not
 * renamed by the plugin, only tables a query names.
 */
export function regclassText(db: Kysely<any>, qualified: string): string {
  const dot = qualified.indexOf('.');
  const schema = dot < 0 ? undefined : qualified.slice(0, dot);
  const table = qualified.slice(dot + 1);
  const own = schema !== undefined && (OWN_SCHEMAS as readonly string[]).includes(schema) ? schemaOf(schema, environmentOf(db)) : schema;
  return own === undefined ? quoted(table) : `${quoted(own)}.${quoted(table)}`;
}

/** A schema of the engine as the handle's environment names it. */
export function ownSchema(db: Kysely<any>, schema: (typeof OWN_SCHEMAS)[number]): string {
  return schemaOf(schema, environmentOf(db));
}

const quoted = (identifier: string) => (/^[a-z_][a-z0-9_]*$/.test(identifier) ? identifier : `"${identifier.replaceAll('"', '""')}"`);

/**
 * Gives an environment its schemas and ledger tables, shaped like prod's (after prod's
 * migrations): the first run in an environment needs nothing more than its name. Node-runs share
 * prod's sequence, so the ledgers order together.
 */
export async function ensureEnvironment(db: Kysely<any>, environment: string): Promise<void> {
  if (environment === PROD) return;
  const ledger = schemaOf(LEDGER_SCHEMA, environment);
  const scorecards = schemaOf(SCORECARD_SCHEMA, environment);
  if (await environmentExists(db, environment)) return;
  await db.transaction().execute(async (trx) => {
    for (const schema of [ledger, scorecards]) await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
    for (const table of LEDGER_TABLES) {
      await sql`create table if not exists ${sql.id(ledger, table)} (like ${sql.id(LEDGER_SCHEMA, table)} including all)`.execute(trx);
    }
    await sql`create table if not exists ${sql.id(scorecards, 'scorecard_status')} (like ${sql.id(SCORECARD_SCHEMA, 'scorecard_status')} including all)`.execute(trx);
  });
}

/** Whether an environment exists: prod always, another once a run has worked in it. */
export async function environmentExists(db: Kysely<any>, environment: string): Promise<boolean> {
  if (environment === PROD) return true;
  const { rows } = await sql<{ exists: boolean }>`select to_regclass(${`${quoted(schemaOf(LEDGER_SCHEMA, environment))}.node_runs`}) is not null as exists`.execute(db);
  return rows[0]?.exists === true;
}

/** Throws, exit 2, when no run has made the environment, naming those there are; `what` says who named it (`--against: `). */
export async function requireEnvironment(db: Kysely<any>, environment: string, what = ''): Promise<void> {
  if (!(await environmentExists(db, environment))) throw unknownEnvironment(environment, await otherEnvironments(db), what);
}

export function unknownEnvironment(environment: string, others: readonly string[], what = ''): ConfigError {
  return new ConfigError(`${what}there is no environment "${environment}" in this warehouse (a run makes one); environments: ${[PROD, ...others].join(', ')}`);
}

/** The environments other than prod that the warehouse holds, by name. */
export async function otherEnvironments(db: Kysely<any>): Promise<string[]> {
  const prefix = `${LEDGER_SCHEMA}${SUFFIX}`;
  const { rows } = await sql<{ name: string }>`
    select substr(nspname, ${prefix.length + 1}) as name from pg_namespace
    where starts_with(nspname, ${prefix}) order by 1`.execute(db);
  return rows.map((row) => row.name).filter((name) => ENVIRONMENT_NAME.test(name));
}

/** Removes an environment's schemas, with its tables, models and ledger rows. */
export async function dropEnvironment(db: Kysely<any>, environment: string): Promise<void> {
  if (environment === PROD) throw new Error('prod cannot be dropped');
  await db.transaction().execute(async (trx) => {
    for (const schema of OWN_SCHEMAS) await sql`drop schema if exists ${sql.id(schemaOf(schema, environment))} cascade`.execute(trx);
  });
}

export interface EnvironmentSummary {
  readonly name: string;
  /** The latest run in it, if any: its id, status and start (an ISO instant). */
  readonly lastRun?: { readonly runId: string; readonly status: string; readonly startedAt: string };
  /** KPI-weeks its own scorecard tables hold. */
  readonly kpiWeeks: number;
}

/** An environment's latest run and how many KPI-weeks it holds, read through its own handle (see inEnvironment). */
export async function summarizeEnvironment(db: Kysely<any>, name: string): Promise<EnvironmentSummary> {
  const run = await db.selectFrom('kpi_ledger.runs').select(['run_id', 'status', 'started_at']).orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  const { rows: tables } = await sql<{ name: string }>`
    select tablename as name from pg_tables where schemaname = ${ownSchema(db, SCORECARD_SCHEMA)} and tablename like 'scorecard\\_%' and tablename <> 'scorecard_status'`.execute(db);
  let kpiWeeks = 0;
  for (const table of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${SCORECARD_SCHEMA}.${table.name}`)}`.execute(db);
    kpiWeeks += rows[0]?.n ?? 0;
  }
  return {
    name,
    ...(run ? { lastRun: { runId: run.run_id, status: run.status, startedAt: new Date(run.started_at).toISOString() } } : {}),
    kpiWeeks,
  };
}
