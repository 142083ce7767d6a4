import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { PGlite } from '@electric-sql/pglite'
import { parseSnapshot, planMigration, type SchemaIR, snapshotPath } from '@fluentorm/core'
import { migrate, resolveMigrations } from '@fluentorm/runtime'

/** What the typing database must be at: the numbered migrations, then the pending change to `schema`. */
export interface SchemaState {
  readonly migrationsDir: string
  /** The schemas' IR; null when there are no schema files (the migrations alone). */
  readonly schema: SchemaIR | null
}

/**
 * What the typing database must hold for a state: the migrations and the pending change's
 * SQL, and a key that is the same exactly when they are (read from the files, no database).
 */
export interface ResolvedState {
  readonly key: string
  readonly migrations: Awaited<ReturnType<typeof resolveMigrations>>
  readonly pending: readonly string[]
}

export async function resolveState(state: SchemaState): Promise<ResolvedState> {
  const migrations = await resolveMigrations(state.migrationsDir).catch(() => [])
  const pending =
    state.schema === null ? [] : await pendingChange(state.migrationsDir, state.schema)
  const key = createHash('sha256')
    .update(JSON.stringify([migrations.map((m) => [m.name, m.checksum]), pending]))
    .digest('hex')
  return { key, migrations, pending }
}

/**
 * An in-memory PGlite at the project's schema, where `.sql` statements are prepared to learn
 * their types. Started on first use (seconds: its WASM and initdb), kept between files and
 * saves; built again (on the same PGlite, its `public` schema dropped) only when the
 * migrations or the pending change differ from last time.
 */
export interface TypingDatabase {
  at(state: ResolvedState): Promise<PGlite>
  close(): Promise<void>
}

export function createTypingDatabase(): TypingDatabase {
  let opened: Promise<PGlite> | null = null
  let current: string | null = null
  let built = false
  let queue: Promise<unknown> = Promise.resolve()

  async function bring({ key, migrations, pending }: ResolvedState): Promise<PGlite> {
    opened ??= import('@electric-sql/pglite').then(({ PGlite }) => PGlite.create())
    const db = await opened
    if (key === current) return db
    current = null
    if (built) await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
    built = true
    await migrate(db, migrations)
    for (const statement of pending) await db.exec(statement)
    current = key
    return db
  }

  return {
    at(state) {
      const run = queue.then(() => bring(state))
      queue = run.catch(() => undefined)
      return run
    },
    async close() {
      const db = await opened?.catch(() => null)
      opened = null
      current = null
      built = false
      await db?.close()
    },
  }
}

/** The SQL from the last migration's snapshot (none: from nothing) to `schema`. */
async function pendingChange(migrationsDir: string, schema: SchemaIR): Promise<readonly string[]> {
  const file = snapshotPath(migrationsDir)
  const text = await readFile(file, 'utf8').catch(() => null)
  return planMigration(text === null ? null : parseSnapshot(text, file).schema, schema).up
}
