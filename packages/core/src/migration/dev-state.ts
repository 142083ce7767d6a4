import type { SchemaIR } from '@fluentorm/core'
import { createSnapshot, parseSnapshot, serializeSnapshot } from '@fluentorm/core'
import type { Driver } from '@fluentorm/runtime'

/** The dev database's own record of the pending change the dev server applied to it. */
export const DEV_STATE_TABLE = 'fluentorm_dev_state'

/**
 * What the dev server applied on top of the numbered migrations: `base` is the schema they
 * produce (the snapshot of migrations/ when it was applied), `applied` the schema the dev
 * database is at. No row: the dev database is exactly at its numbered migrations.
 */
export interface DevState {
  readonly baseHash: string
  readonly base: SchemaIR | null
  readonly applied: SchemaIR
  readonly appliedHash: string
}

export async function readDevState(db: Driver): Promise<DevState | null> {
  await db.exec(
    `CREATE TABLE IF NOT EXISTS ${DEV_STATE_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), base_hash TEXT NOT NULL, base_snapshot TEXT, applied_snapshot TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
  )
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

export async function writeDevState(
  db: Driver,
  state: { readonly baseHash: string; readonly base: SchemaIR | null; readonly applied: SchemaIR },
): Promise<void> {
  const base = state.base === null ? null : serializeSnapshot(createSnapshot(state.base))
  await db.query({
    text: `INSERT INTO ${DEV_STATE_TABLE} (id, base_hash, base_snapshot, applied_snapshot) VALUES (1, $1, $2, $3)
      ON CONFLICT (id) DO UPDATE SET base_hash = $1, base_snapshot = $2, applied_snapshot = $3, updated_at = now()`,
    values: [state.baseHash, base, serializeSnapshot(createSnapshot(state.applied))],
  })
}

export async function clearDevState(db: Driver): Promise<void> {
  await db.exec(`DELETE FROM ${DEV_STATE_TABLE}`)
}
