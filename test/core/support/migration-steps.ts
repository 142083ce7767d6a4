import { type MigrationPlan, planMigration, type SchemaIR } from '@fluentorm/core'
import type pg from 'pg'
import type { Backend } from '../../support/backends.ts'

/**
 * Plans from → to and runs the up statements on the backend, in one transaction unless the
 * plan is not transactional (CREATE INDEX CONCURRENTLY), as the migration runner does.
 */
export async function migrateUp(
  backend: Backend<pg.Pool>,
  from: SchemaIR | null,
  to: SchemaIR,
): Promise<MigrationPlan> {
  const plan = planMigration(from, to)
  await run(backend, plan.up, plan.transactional)
  return plan
}

/** Runs a plan's down statements (failing the test when the plan has none). */
export async function migrateDown(backend: Backend<pg.Pool>, plan: MigrationPlan): Promise<void> {
  if (plan.down === null) throw new Error(`irreversible: ${plan.irreversible.join('; ')}`)
  await run(backend, plan.down, plan.transactional)
}

async function run(
  backend: Backend<pg.Pool>,
  statements: readonly string[],
  transactional: boolean,
): Promise<void> {
  const client = await backend.db.connect()
  try {
    if (transactional) await client.query('BEGIN')
    for (const statement of statements) await client.query(statement)
    if (transactional) await client.query('COMMIT')
  } catch (error) {
    if (transactional) await client.query('ROLLBACK')
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
