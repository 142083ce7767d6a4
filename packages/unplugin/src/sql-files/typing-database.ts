import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { PGlite } from '@electric-sql/pglite'
import { parseSnapshot, planMigration, type SchemaIR, snapshotPath } from '@fluentorm/core'
import { migrate, resolveMigrations } from '@fluentorm/runtime'
import type { DataDirCache } from './data-dir-cache.ts'
import { createTypingCatalog, type TypingCatalog } from './typing-catalog.ts'

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
  /** The same for the migrations alone: what a kept data directory is for (data-dir-cache.ts). */
  readonly migrationsKey: string
  readonly migrations: Awaited<ReturnType<typeof resolveMigrations>>
  readonly pending: readonly string[]
}

export async function resolveState(state: SchemaState): Promise<ResolvedState> {
  const migrations = await resolveMigrations(state.migrationsDir).catch(() => [])
  const pending =
    state.schema === null ? [] : await pendingChange(state.migrationsDir, state.schema)
  const applied = migrations.map((m) => [m.name, m.checksum])
  const key = createHash('sha256')
    .update(JSON.stringify([applied, pending]))
    .digest('hex')
  const migrationsKey = createHash('sha256').update(JSON.stringify(applied)).digest('hex')
  return { key, migrationsKey, migrations, pending }
}

/**
 * A typing database only prepares statements: PostgreSQL's default 128 MB of shared buffers,
 * which it zeroes at every start, would hold nothing (a fifth of a start's CPU time).
 */
const START_PARAMS = ['-c', 'shared_buffers=16MB']

/**
 * WAL segments of 1 MB instead of 16 (the smallest PostgreSQL takes): a kept data directory
 * holds the current one whole, mostly zeros that every start would copy and unpack.
 */
const INITDB_PARAMS = ['--wal-segsize=1']

/**
 * The template databases (half of the rest of a data directory) serve only CREATE DATABASE,
 * which typing never runs: a kept data directory goes without them.
 */
const DROP_TEMPLATES = [
  'ALTER DATABASE template0 IS_TEMPLATE false',
  'ALTER DATABASE template1 IS_TEMPLATE false',
  'DROP DATABASE template0',
  'DROP DATABASE template1',
]

/** The typing database at one state, and what has been read of its catalog at that state. */
export interface TypingSession {
  readonly db: PGlite
  readonly catalog: TypingCatalog
}

/**
 * An in-memory PGlite at the project's schema, where `.sql` statements are prepared to learn
 * their types. Started on first use and kept between files and saves: from the data directory
 * `dataDirs` keeps for these migrations when there is one (a load, no initdb, no migration
 * run), else from initdb with the migrations applied, whose data directory is then kept for
 * the next start. The pending change is applied on top. Built again (on the same PGlite, its
 * `public` schema dropped) only when the migrations or the pending change differ from last
 * time.
 */
export interface TypingDatabase {
  at(state: ResolvedState, dataDirs: DataDirCache): Promise<TypingSession>
  close(): Promise<void>
}

export function createTypingDatabase(): TypingDatabase {
  let opened: Promise<{ db: PGlite; migrationsKey: string }> | null = null
  let session: TypingSession | null = null
  let current: string | null = null
  let pristine = true
  let queue: Promise<unknown> = Promise.resolve()
  const writes = new Set<Promise<void>>()

  async function open(state: ResolvedState, dataDirs: DataDirCache) {
    const [{ PGlite }, kept] = await Promise.all([
      import('@electric-sql/pglite'),
      dataDirs.read(state.migrationsKey),
    ])
    // A PGlite without defaultStartParams gets none: its startParams would replace its defaults.
    const defaults = PGlite.defaultStartParams as readonly string[] | undefined
    const tuning = defaults && {
      startParams: [...defaults, ...START_PARAMS],
      initDbStartParams: INITDB_PARAMS,
    }
    // A kept directory PGlite cannot start from is built again, as if none were kept.
    const loaded = kept && (await PGlite.create({ loadDataDir: kept, ...tuning }).catch(() => null))
    if (loaded) return { db: loaded, migrationsKey: state.migrationsKey }
    const db = await PGlite.create({ ...tuning })
    try {
      await migrate(db, state.migrations)
    } catch (error) {
      await db.close()
      throw error
    }
    if (dataDirs.keeps()) {
      // Dumped before the pending change is applied: what is kept is the migrations alone.
      for (const statement of DROP_TEMPLATES) await db.exec(statement).catch(() => undefined)
      const write = dataDirs.write(state.migrationsKey, await db.dumpDataDir('none'))
      writes.add(write)
      void write.finally(() => writes.delete(write))
    }
    return { db, migrationsKey: state.migrationsKey }
  }

  async function bring(state: ResolvedState, dataDirs: DataDirCache): Promise<TypingSession> {
    opened ??= open(state, dataDirs)
    // A start that failed (a migration PostgreSQL refused) is tried again on the next call.
    const { db, migrationsKey } = await opened.catch((error: unknown) => {
      opened = null
      throw error
    })
    if (state.key === current && session !== null) return session
    current = null
    if (!pristine || migrationsKey !== state.migrationsKey) {
      await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
      await migrate(db, state.migrations)
    }
    pristine = false
    for (const statement of state.pending) await db.exec(statement)
    session = { db, catalog: createTypingCatalog(db) }
    current = state.key
    return session
  }

  return {
    at(state, dataDirs) {
      const run = queue.then(() => bring(state, dataDirs))
      queue = run.catch(() => undefined)
      return run
    },
    async close() {
      const db = await opened?.then(({ db }) => db).catch(() => null)
      await Promise.all(writes)
      opened = null
      session = null
      current = null
      pristine = true
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
