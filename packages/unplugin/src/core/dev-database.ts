import { createHash } from 'node:crypto'
import type { LintRule, MigrationPlan, SchemaIR } from '@fluentorm/core'
import {
  DEV_STATE_TABLE,
  preparePendingChange,
  quoteIdent,
  readDevState,
  readMigrationDirectory,
} from '@fluentorm/core'
import {
  type ConnectOptions,
  type Database,
  HISTORY_TABLE,
  migrate,
  resolveMigrations,
  status,
} from '@fluentorm/runtime'
import type { ResolvedOptions } from '../options.ts'

/** Changes that lose data: the dev server waits for the developer to say so. */
const DESTRUCTIVE_RULES: ReadonlySet<LintRule> = new Set([
  'drop-table',
  'drop-column',
  'narrowing-type-change',
  'truncate-cascade',
])

/** What following a schema did to the dev database. */
export type FollowOutcome =
  | { readonly kind: 'current' }
  | { readonly kind: 'applied'; readonly sql: readonly string[] }
  /** Destructive: applied only once approved (`approve(token)`). */
  | {
      readonly kind: 'waiting'
      readonly sql: readonly string[]
      readonly reasons: readonly string[]
      readonly token: string
    }
  /** PostgreSQL refused the change on the dev database's rows: `approve(token)` empties it first. */
  | {
      readonly kind: 'blocked'
      readonly sql: readonly string[]
      readonly error: string
      readonly token: string
    }
  | { readonly kind: 'unavailable'; readonly error: string }

export interface Followed {
  readonly outcome: FollowOutcome
  /** The schema the dev database is at: the models to serve. */
  readonly schema: SchemaIR
  /** Numbered migrations recorded as applied because the dev database already had them. */
  readonly adopted: readonly string[]
  /** Numbered migrations run. */
  readonly migrated: readonly string[]
}

/**
 * The dev database the plugin owns under the dev server: `url` (else DATABASE_URL, else an
 * in-memory PGlite), opened on first use. `follow(schema)` brings it to `schema`: the numbered
 * migrations of migrations/, then one pending change (the diff from the last migration's
 * snapshot, or from what it last applied, to the schemas), recorded in `fluentorm_dev_state`.
 */
export interface DevDatabase {
  database(): Promise<Database>
  follow(schema: SchemaIR): Promise<Followed>
  /**
   * Lets the waiting change whose token this is apply on the next `follow`; for a blocked one,
   * the next `follow` first empties the dev database (drops the schemas' tables and the history)
   * and builds it again, so the change applies to no rows.
   */
  approve(token: string): boolean
  close(): Promise<void>
}

/**
 * `open` connects (`connect` from `@fluentorm/runtime`): under Vite, the one loaded by the SSR
 * runner, whose own `import()` of PGlite works after the config's runner has closed.
 */
export function createDevDatabase(
  options: () => ResolvedOptions,
  open: (options: ConnectOptions) => Promise<Database>,
): DevDatabase {
  let opened: Promise<Database> | null = null
  let waiting: string | null = null
  let approved: string | null = null
  let blocked: string | null = null
  let reset = false

  const database = () => {
    const { url } = options()
    opened ??= open(url === null ? {} : { url })
    return opened
  }

  async function follow(schema: SchemaIR): Promise<Followed> {
    let db: Database
    try {
      db = await database()
    } catch (error) {
      opened = null
      return unavailable(schema, error)
    }
    try {
      return await bringTo(db, schema)
    } catch (error) {
      return unavailable(schema, error)
    }
  }

  async function bringTo(db: Database, schema: SchemaIR): Promise<Followed> {
    const { migrationsDir } = options()
    const directory = await readMigrationDirectory(migrationsDir)
    if (directory.problems.length > 0) {
      return unavailable(schema, directory.problems.join('\n'))
    }
    const migrations = await resolveMigrations(migrationsDir).catch(() => [])
    if (reset) {
      reset = false
      const state = await readDevState(db)
      await emptyDatabase(db, [schema, state?.applied, state?.base, directory.snapshot?.schema])
    }
    const pending = await preparePendingChange(db, directory, migrations, schema, {
      migrate,
      status,
    })
    const { adopted, migrated, plan } = pending
    const at = pending.at ?? emptySchema()
    const followed = (outcome: FollowOutcome, at: SchemaIR): Followed => ({
      outcome,
      schema: at,
      adopted,
      migrated,
    })
    if (plan.up.length === 0) return followed({ kind: 'current' }, schema)
    const reasons = destructiveReasons(plan)
    const token = tokenOf(plan.up)
    if (reasons.length > 0 && approved !== token) {
      waiting = token
      return followed({ kind: 'waiting', sql: plan.up, reasons, token }, at)
    }
    approved = null
    waiting = null
    blocked = null
    try {
      await pending.apply()
    } catch (error) {
      blocked = token
      return followed({ kind: 'blocked', sql: plan.up, error: messageOf(error), token }, at)
    }
    return followed({ kind: 'applied', sql: plan.up }, schema)
  }

  return {
    database,
    follow,
    approve(token) {
      if (token === waiting) approved = token
      else if (token === blocked) reset = true
      else return false
      return true
    },
    async close() {
      const db = await opened?.catch(() => null)
      opened = null
      await db?.close()
    },
  }
}

/**
 * Drops every table, enum, function and domain the given schemas name, the migration history and the dev state:
 * the next steps rebuild the dev database from the numbered migrations, without rows.
 */
async function emptyDatabase(
  db: Database,
  schemas: readonly (SchemaIR | null | undefined)[],
): Promise<void> {
  const names = (pick: (schema: SchemaIR) => readonly { name: string }[]) => [
    ...new Set(schemas.flatMap((schema) => (schema ? pick(schema).map((x) => x.name) : []))),
  ]
  await db.transaction(async (tx) => {
    // A name may be a view in one schema and a table in another: dropped as what it is now.
    const { rows } = await tx.query<{ name: string; kind: string }>({
      text: "SELECT relname AS name, relkind::text AS kind FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p', 'v', 'm') AND relname = ANY($1)",
      values: [names((schema) => schema.tables)],
    })
    const what: Record<string, string> = { v: 'VIEW', m: 'MATERIALIZED VIEW' }
    for (const { name, kind } of rows) {
      await tx.exec(`DROP ${what[kind] ?? 'TABLE'} IF EXISTS ${quoteIdent(name)} CASCADE`)
    }
    for (const type of names((schema) => schema.enums)) {
      await tx.exec(`DROP TYPE IF EXISTS ${quoteIdent(type)} CASCADE`)
    }
    // Declared functions and domains too: the migrations create them plainly, without OR REPLACE.
    for (const schema of schemas) {
      for (const item of schema?.functions ?? []) {
        const types = item.args.map((arg) => arg.type).join(', ')
        await tx.exec(`DROP FUNCTION IF EXISTS ${quoteIdent(item.name)}(${types}) CASCADE`)
      }
    }
    for (const domain of names((schema) => schema.domains ?? [])) {
      await tx.exec(`DROP DOMAIN IF EXISTS ${quoteIdent(domain)} CASCADE`)
    }
    await tx.exec(`DROP TABLE IF EXISTS ${HISTORY_TABLE}, ${DEV_STATE_TABLE}`)
  })
}

function destructiveReasons(plan: MigrationPlan): string[] {
  const findings = plan.findings.filter((f) => DESTRUCTIVE_RULES.has(f.rule)).map((f) => f.message)
  return findings.length > 0 ? findings : [...plan.irreversible]
}

function tokenOf(sql: readonly string[]): string {
  return createHash('sha256').update(sql.join('\n')).digest('hex').slice(0, 16)
}

function emptySchema(): SchemaIR {
  return { kind: 'schema', tables: [], enums: [] }
}

function unavailable(schema: SchemaIR, error: unknown): Followed {
  return {
    outcome: { kind: 'unavailable', error: messageOf(error) },
    schema,
    adopted: [],
    migrated: [],
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
