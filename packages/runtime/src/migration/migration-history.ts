import type { Driver } from '../executor/driver.ts'
import { sql } from '../sql/sql-fragment.ts'

/** The history table, in the schema the connection's search_path points at. */
export const HISTORY_TABLE = 'fluentorm_migrations'
const history = sql.raw(HISTORY_TABLE)

/** One applied migration, as recorded. */
export interface AppliedMigration {
  readonly name: string
  readonly checksum: string
  readonly startedAt: Date
  readonly finishedAt: Date
  readonly executionMs: number
  readonly transactional: boolean
}

const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
  name TEXT PRIMARY KEY,
  checksum TEXT NOT NULL,
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ NOT NULL,
  execution_ms INTEGER NOT NULL,
  transactional BOOLEAN NOT NULL
)`

/** Creates the table; called only under the migration lock (IF NOT EXISTS is not atomic). */
export async function ensureHistoryTable(db: Driver): Promise<void> {
  await db.exec(CREATE_HISTORY)
}

/** Applied migrations in the order they ran; none when the table does not exist yet. */
export async function readHistory(db: Driver): Promise<AppliedMigration[]> {
  const exists = await db.query<{ found: boolean }>({
    text: `SELECT to_regclass('${HISTORY_TABLE}') IS NOT NULL AS found`,
  })
  if (!exists.rows[0]?.found) return []
  const result = await db.query<{
    name: string
    checksum: string
    started_at: Date
    finished_at: Date
    execution_ms: number
    transactional: boolean
  }>({
    text: `SELECT name, checksum, started_at, finished_at, execution_ms, transactional FROM ${HISTORY_TABLE} ORDER BY finished_at, name`,
  })
  return result.rows.map((row) => ({
    name: row.name,
    checksum: row.checksum,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    executionMs: row.execution_ms,
    transactional: row.transactional,
  }))
}

export async function recordApplied(
  db: Driver,
  entry: { name: string; checksum: string; startedAt: Date; transactional: boolean },
): Promise<void> {
  const elapsed = Date.now() - entry.startedAt.getTime()
  await db.query(
    sql`INSERT INTO ${history} (name, checksum, started_at, finished_at, execution_ms, transactional)
      VALUES (${entry.name}, ${entry.checksum}, ${entry.startedAt}, clock_timestamp(), ${elapsed}, ${entry.transactional})`.toSQL(),
  )
}

export async function deleteApplied(db: Driver, name: string): Promise<void> {
  await db.query(sql`DELETE FROM ${history} WHERE name = ${name}`.toSQL())
}
