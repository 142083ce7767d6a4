import { type MigrationPlan, planMigration, type SchemaIR } from '@fluentorm/core'
import type pg from 'pg'
import type { Backend } from '../../support/backends.ts'

/** Plans from → to and runs the up statements on the backend, in one transaction. */
export async function migrateUp(
  backend: Backend<pg.Pool>,
  from: SchemaIR | null,
  to: SchemaIR,
): Promise<MigrationPlan> {
  const plan = planMigration(from, to)
  await runInTransaction(backend, plan.up)
  return plan
}

/** Runs a plan's down statements (failing the test when the plan has none). */
export async function migrateDown(backend: Backend<pg.Pool>, plan: MigrationPlan): Promise<void> {
  if (plan.down === null) throw new Error(`irreversible: ${plan.irreversible.join('; ')}`)
  await runInTransaction(backend, plan.down)
}

async function runInTransaction(
  backend: Backend<pg.Pool>,
  statements: readonly string[],
): Promise<void> {
  const client = await backend.db.connect()
  try {
    await client.query('BEGIN')
    for (const statement of statements) await client.query(statement)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK')
    throw error
  } finally {
    client.release()
  }
}

/** The rows of one catalog query on the backend's schema (`$1` is the schema name). */
export async function catalogRows(
  backend: Backend<pg.Pool>,
  sql: string,
): Promise<Record<string, unknown>[]> {
  return (await backend.db.query(sql, [backend.schema])).rows
}
