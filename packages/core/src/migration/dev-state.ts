import type { Driver, Migration } from '@fluentorm/runtime'
import type { SchemaIR } from '../schema/schema-ir.ts'
import type { MigrationDirectoryState } from './migration-directory.ts'
import { type MigrationPlan, planMigration } from './migration-plan.ts'
import {
  createSnapshot,
  EMPTY_SCHEMA_HASH,
  parseSnapshot,
  serializeSnapshot,
} from './schema-snapshot.ts'

/** The dev database's own record of the pending change the plugin's dev server applied to it. */
export const DEV_STATE_TABLE = 'fluentorm_dev_state'

/**
 * What the dev server applied on top of the numbered migrations: `base` is the schema they
 * produce (the snapshot of migrations/ when it was applied), `applied` the schema the dev
 * database is at. No row (or no table): the database is exactly at its numbered migrations.
 */
export interface DevState {
  readonly baseHash: string
  readonly base: SchemaIR | null
  readonly applied: SchemaIR
  readonly appliedHash: string
}

/** The dev state, or null; creates nothing (a production database never has the table). */
export async function readDevState(db: Driver): Promise<DevState | null> {
  const exists = await db.query<{ found: boolean }>({
    text: `SELECT to_regclass('${DEV_STATE_TABLE}') IS NOT NULL AS found`,
  })
  if (!exists.rows[0]?.found) return null
  const { rows } = await db.query<{
    base_hash: string
    base_snapshot: string | null
    applied_snapshot: string
  }>({ text: `SELECT base_hash, base_snapshot, applied_snapshot FROM ${DEV_STATE_TABLE}` })
  const row = rows[0]
  if (row === undefined) return null
  const where = `the ${DEV_STATE_TABLE} table of the dev database`
  const applied = parseSnapshot(row.applied_snapshot, where)
  return {
    baseHash: row.base_hash,
    base: row.base_snapshot === null ? null : parseSnapshot(row.base_snapshot, where).schema,
    applied: applied.schema,
    appliedHash: applied.hash,
  }
}

/** `state` null: the database is at its numbered migrations again (the row goes). */
export async function writeDevState(
  db: Driver,
  state: {
    readonly baseHash: string
    readonly base: SchemaIR | null
    readonly applied: SchemaIR
  } | null,
): Promise<void> {
  await db.exec(
    `CREATE TABLE IF NOT EXISTS ${DEV_STATE_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), base_hash TEXT NOT NULL, base_snapshot TEXT, applied_snapshot TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
  )
  if (state === null) {
    await db.exec(`DELETE FROM ${DEV_STATE_TABLE}`)
    return
  }
  const base = state.base === null ? null : serializeSnapshot(createSnapshot(state.base))
  await db.query({
    text: `INSERT INTO ${DEV_STATE_TABLE} (id, base_hash, base_snapshot, applied_snapshot) VALUES (1, $1, $2, $3)
      ON CONFLICT (id) DO UPDATE SET base_hash = $1, base_snapshot = $2, applied_snapshot = $3, updated_at = now()`,
    values: [state.baseHash, base, serializeSnapshot(createSnapshot(state.applied))],
  })
}

/**
 * Runs a plan's statements and records the dev state they leave (null: at the numbered
 * migrations), in one transaction unless the plan builds indexes concurrently. The plan's
 * added enum values, its first statements, commit before it, as the runner commits a file's:
 * PostgreSQL lets the rest use a new value only once its ADD VALUE has committed.
 */
export async function applyDevPlan(
  db: Driver,
  plan: MigrationPlan,
  state: Parameters<typeof writeDevState>[1],
): Promise<void> {
  const committedFirst = plan.transactional
    ? plan.changes.filter((c) => c.kind === 'addEnumValue').length
    : 0
  const run = async (driver: Driver, statements: readonly string[]) => {
    for (const statement of statements) await driver.exec(statement)
  }
  if (!plan.transactional) {
    await run(db, plan.up)
    await writeDevState(db, state)
    return
  }
  if (committedFirst > 0) await db.transaction((tx) => run(tx, plan.up.slice(0, committedFirst)))
  await db.transaction(async (tx) => {
    await run(tx, plan.up.slice(committedFirst))
    await writeDevState(tx, state)
  })
}

/** What the runner needs, passed in: core does not import the runtime. */
export interface DevRunner {
  migrate(
    db: Driver,
    migrations: readonly Migration[],
  ): Promise<{ readonly applied: readonly string[] }>
  status(
    db: Driver,
    migrations: readonly Migration[],
  ): Promise<{ readonly pending: readonly string[] }>
}

/**
 * Before numbered migrations run on a dev database that has a pending change: when the pending
 * files go from the state's base to what it applied (the change frozen by `generate` or a build),
 * records them as applied, with their checksums, without running them; otherwise undoes the
 * pending change, so they run on the schema they were written for. Either way the state goes.
 * Returns the names recorded without running.
 */
export async function reconcileDevState(
  db: Driver,
  directory: MigrationDirectoryState,
  migrations: readonly Migration[],
  runner: DevRunner,
): Promise<{ readonly adopted: readonly string[]; readonly undone: boolean }> {
  const state = await readDevState(db)
  if (state === null) return { adopted: [], undone: false }
  const pending = new Set((await runner.status(db, migrations)).pending)
  if (pending.size === 0) return { adopted: [], undone: false }
  if (frozenFrom(state, directory, pending)) {
    await runner.migrate(
      db,
      migrations.map((m) => (pending.has(m.name) ? adoptedAs(m) : m)),
    )
    await writeDevState(db, null)
    return { adopted: [...pending], undone: false }
  }
  const empty: SchemaIR = { kind: 'schema', tables: [], enums: [] }
  if (state.base !== null || state.baseHash === EMPTY_SCHEMA_HASH) {
    await applyDevPlan(db, planMigration(state.applied, state.base ?? empty), null)
  } else {
    await writeDevState(db, null)
  }
  return { adopted: [], undone: true }
}

function frozenFrom(
  state: DevState,
  directory: MigrationDirectoryState,
  pending: ReadonlySet<string>,
): boolean {
  const files = directory.files.filter((f) => pending.has(f.name))
  if (files.some((f) => f.hashes === null)) return false
  return files[0]?.hashes?.from === state.baseHash && files.at(-1)?.hashes?.to === state.appliedHash
}

/** Recorded with its own name and checksum, but running nothing: its change is already there. */
function adoptedAs(migration: Migration): Migration {
  return { ...migration, sql: '-- applied by the fluentorm dev server as its pending change\n' }
}
