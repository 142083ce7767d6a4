import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { PGlite, PGliteOptions } from '@electric-sql/pglite'
import { parseSnapshot, planMigration, type SchemaIR, snapshotPath } from '@fluentorm/core'
import {
  HISTORY_TABLE,
  migrate,
  readDirectives,
  resolveMigrations,
  splitStatements,
} from '@fluentorm/runtime'
import type { DataDirCache } from './data-dir-cache.ts'
import { loadPglite, pgliteArtifacts } from './pglite-files.ts'
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
 * which it zeroes at every start, would hold nothing (a fifth of a start's CPU time). 4 MB
 * (512 pages) holds the catalog pages typing reads; a start from a kept data directory
 * executed 3% fewer instructions than with 16 MB (callgrind: 4.20 against 4.34 billion),
 * and 1 MB no fewer than 4 MB.
 */
const START_PARAMS = ['-c', 'shared_buffers=4MB']

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

/** How the kept empty data directory is made: one made otherwise is never loaded. */
const EMPTY_RECIPE = JSON.stringify([INITDB_PARAMS, DROP_TEMPLATES])

/**
 * How this process's typing databases came up, counted for tests and the bench: loaded from
 * the data directory kept for their migrations, loaded from the kept empty one (then
 * migrated), or made by initdb (then migrated).
 */
export const typingDatabaseStarts = { kept: 0, empty: 0, initdb: 0 }

/** The typing database at one state, and what has been read of its catalog at that state. */
export interface TypingSession {
  readonly db: PGlite
  readonly catalog: TypingCatalog
}

/**
 * How long the typing database must go unused before it keeps its data directory: the dump
 * (a few hundred ms of the one thread) waits until the files of a build or of a page load have
 * their types, and is done at `close` if it has not been by then.
 */
const IDLE_BEFORE_DUMP_MS = 1000

/**
 * An in-memory PGlite at the project's schema, where `.sql` statements are prepared to learn
 * their types. Started on first use and kept between files and saves: from the data directory
 * `dataDirs` keeps for these migrations when there is one (a load, no initdb, no migration
 * run), else from the empty one it keeps (a load, no initdb) or from initdb (which keeps that
 * empty one, before any migration), with the migrations applied. The pending change is applied on top.
 * Built again (on the same PGlite, its `public` schema dropped) only when the migrations or
 * the pending change differ from last time.
 *
 * A database built from the migrations (not loaded) is kept for the next start only after
 * typing: once it has gone unused for a second, or at `close`, whichever comes first. Its
 * migrations alone are kept, so when a pending change is on it, they are built again first.
 */
export interface TypingDatabase {
  /** Runs `type` on the database at `state`; typing calls run side by side. */
  use<T>(
    state: ResolvedState,
    dataDirs: DataDirCache,
    type: (session: TypingSession) => Promise<T>,
  ): Promise<T>
  /** Keeps the data directory if that is still due, then closes the database. */
  close(): Promise<void>
}

export function createTypingDatabase(): TypingDatabase {
  let opened: Promise<PGlite> | null = null
  let session: TypingSession | null = null
  let current: string | null = null
  /** The migrations the database is at with nothing on top (no pending change, no rebuild). */
  let bare: string | null = null
  /** The migrations whose data directory is to be kept, once typing is done. */
  let due: { migrations: ResolvedState; dataDirs: DataDirCache } | null = null
  let queue: Promise<unknown> = Promise.resolve()
  let typing = 0
  let idle: ReturnType<typeof setTimeout> | undefined

  /** On the queue: one change of the database's state at a time. */
  function queued<T>(step: () => Promise<T>): Promise<T> {
    const run = queue.then(step)
    queue = run.catch(() => undefined)
    return run
  }

  async function open(state: ResolvedState, dataDirs: DataDirCache): Promise<PGlite> {
    const [artifacts, { PGlite }, kept] = await Promise.all([
      pgliteArtifacts(),
      loadPglite(),
      dataDirs.read(state.migrationsKey),
    ])
    // A PGlite without defaultStartParams gets none: its startParams would replace its defaults.
    const defaults = PGlite.defaultStartParams as readonly string[] | undefined
    const tuning = defaults && {
      startParams: [...defaults, ...START_PARAMS],
      initDbStartParams: INITDB_PARAMS,
    }
    // A PGlite that cannot take the files read for it (another copy of it, a later version's
    // layout) reads its own instead.
    const create = (options: PGliteOptions) =>
      PGlite.create({ ...options, ...artifacts }).catch(() => PGlite.create(options))
    // A kept directory PGlite cannot start from is built again, as if none were kept.
    const loaded = kept && (await create({ loadDataDir: kept, ...tuning }).catch(() => null))
    if (loaded) {
      typingDatabaseStarts.kept++
      bare = state.migrationsKey
      return loaded
    }
    // None for these migrations: the kept empty one, else initdb, which keeps it (once per
    // PGlite version: the templates dropped and a dump, ~0.17 s against initdb's ~2 s).
    const empty = await dataDirs.readEmpty(EMPTY_RECIPE)
    let db = empty && (await create({ loadDataDir: empty, ...tuning }).catch(() => null))
    if (db) {
      typingDatabaseStarts.empty++
    } else {
      db = await create({ ...tuning })
      typingDatabaseStarts.initdb++
      if (dataDirs.keeps()) {
        // Not kept, only the next start's initdb again: typing goes on either way.
        await keepEmpty(db, dataDirs).catch(() => undefined)
      }
    }
    try {
      await applyMigrations(db, state.migrations)
    } catch (error) {
      await db.close()
      throw error
    }
    bare = state.migrationsKey
    if (dataDirs.keeps()) due = { migrations: state, dataDirs }
    return db
  }

  async function bring(state: ResolvedState, dataDirs: DataDirCache): Promise<TypingSession> {
    opened ??= open(state, dataDirs)
    // A start that failed (a migration PostgreSQL refused) is tried again on the next call.
    const db = await opened.catch((error: unknown) => {
      opened = null
      throw error
    })
    if (state.key === current && session !== null) return session
    current = null
    session = null
    if (bare !== state.migrationsKey) {
      bare = null
      await rebuild(db, state)
      bare = state.migrationsKey
      // The kept data directory is for other migrations now: these are kept instead.
      if (dataDirs.keeps()) due = { migrations: state, dataDirs }
    }
    if (state.pending.length > 0) bare = null
    for (const statement of state.pending) await db.exec(statement)
    session = { db, catalog: createTypingCatalog(db) }
    current = state.key
    return session
  }

  /** Keeps the data directory due, at the migrations alone. */
  async function dump(): Promise<void> {
    const db = await opened?.catch(() => null)
    const keeping = due
    due = null
    if (!db || keeping === null) return
    const { migrations, dataDirs } = keeping
    if (bare !== migrations.migrationsKey) {
      // A pending change is on top: the next use applies it again, and reads the catalog anew.
      current = null
      session = null
      bare = null
      await rebuild(db, migrations)
      bare = migrations.migrationsKey
    }
    await dataDirs.write(migrations.migrationsKey, await keptDataDir(db))
  }

  function dumpWhenIdle() {
    clearTimeout(idle)
    if (due === null || typing > 0) return
    idle = setTimeout(() => {
      // A failed dump only costs the next start its initdb and migrations.
      if (typing === 0) void queued(dump).catch(() => undefined)
    }, IDLE_BEFORE_DUMP_MS)
    // A process that is done does not wait for it: its next start builds the database again.
    idle.unref()
  }

  return {
    async use(state, dataDirs, type) {
      typing++
      clearTimeout(idle)
      try {
        return await type(await queued(() => bring(state, dataDirs)))
      } finally {
        typing--
        dumpWhenIdle()
      }
    },
    async close() {
      clearTimeout(idle)
      await queued(dump).catch(() => undefined)
      const db = await opened?.catch(() => null)
      opened = null
      session = null
      current = null
      bare = null
      due = null
      await db?.close()
    },
  }
}

/** Keeps the data directory of `db`, just out of initdb, for starts with other migrations. */
async function keepEmpty(db: PGlite, dataDirs: DataDirCache): Promise<void> {
  await dataDirs.writeEmpty(EMPTY_RECIPE, await keptDataDir(db))
}

/**
 * The data directory of `db` as it is kept: without the template databases (DROP_TEMPLATES),
 * just after a CHECKPOINT. A dump is taken from a running database, so a start from it is a
 * crash recovery, which replays the WAL since the last checkpoint: the migrations' whole,
 * without this one (measured: about a tenth of a start's CPU time).
 */
async function keptDataDir(db: PGlite): Promise<Blob> {
  for (const statement of DROP_TEMPLATES) await db.exec(statement).catch(() => undefined)
  await db.exec('CHECKPOINT')
  // Without them the data directory is the same to PostgreSQL, only smaller.
  await dropRecycledWal(db).catch(() => undefined)
  return db.dumpDataDir('none')
}

/**
 * Removes the WAL segments after the one being written. PostgreSQL renames the segments it no
 * longer needs into the names of the next ones, to reuse them (six of the seven, 6 of the 15 MB
 * a kept data directory held, which every start unpacked: about a twentieth of it); a start
 * reads WAL from the checkpoint, in the current segment, and makes a next one when it needs it.
 */
async function dropRecycledWal(db: PGlite): Promise<void> {
  const { rows } = await db.query<{ dir: string; current: string }>(
    "SELECT current_setting('data_directory') AS dir, pg_walfile_name(pg_current_wal_insert_lsn()) AS current",
  )
  const { dir, current } = rows[0]!
  const wal = `${dir}/pg_wal`
  const timeline = current.slice(0, 8)
  for (const name of db.Module.FS.readdir(wal)) {
    if (/^[0-9A-F]{24}$/.test(name) && name.startsWith(timeline) && name > current) {
      db.Module.FS.unlink(`${wal}/${name}`)
    }
  }
}

/** The database at `state`'s migrations alone, from whatever state it was at. */
async function rebuild(db: PGlite, state: ResolvedState): Promise<void> {
  await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public')
  await applyMigrations(db, state.migrations)
}

/**
 * Applies the migrations on a database that has none, all in one exchange with PGlite (a
 * typing database keeps no history of them). A migration that must run outside a transaction,
 * or controls its own, and any failure (the exchange is one transaction, rolled back whole)
 * go through the migration runner instead, file by file, statement by statement, whose error
 * names the file, the statement and its line.
 */
async function applyMigrations(db: PGlite, migrations: ResolvedState['migrations']) {
  if (migrations.length === 0) return
  const together = migrations.every(
    (m) =>
      !readDirectives(m.sql).noTransaction &&
      !splitStatements(m.sql).some((s) => TRANSACTION_CONTROL.test(s.text)),
  )
  if (together) {
    const ran = await db.exec(migrations.map((m) => m.sql).join('\n;\n')).then(
      () => true,
      () => false,
    )
    if (ran) return
  }
  await migrate(db, migrations)
  // What typing sees is the same either way: the migrations' objects, not the runner's history.
  await db.exec(`DROP TABLE IF EXISTS ${HISTORY_TABLE}`)
}

/** A statement that begins or ends a transaction, which one exchange of every file cannot hold. */
const TRANSACTION_CONTROL =
  /^(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/|\s)*)(?:begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i

/** The SQL from the last migration's snapshot (none: from nothing) to `schema`. */
async function pendingChange(migrationsDir: string, schema: SchemaIR): Promise<readonly string[]> {
  const file = snapshotPath(migrationsDir)
  const text = await readFile(file, 'utf8').catch(() => null)
  return planMigration(text === null ? null : parseSnapshot(text, file).schema, schema).up
}
