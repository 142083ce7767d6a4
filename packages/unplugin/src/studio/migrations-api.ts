import type { SchemaIR } from '@fluentorm/core'
import { planMigration, readMigrationDirectory } from '@fluentorm/core'
import { type Database, resolveMigrations, status } from '@fluentorm/runtime'
import type { WaitingChange } from '../core/apply-endpoint.ts'
import type { MigrationsAnswer, PendingDiff } from './api-types.ts'

export interface MigrationsSource {
  readonly migrationsDir: string
  /** The schema the files declare (the last valid one), or null before any was read. */
  schema(): Promise<SchemaIR | null>
  /** The dev database, or null when the plugin owns none. */
  database: (() => Promise<Database>) | null
  /** The dev loop's change waiting for the developer (`/__fluentorm/apply`). */
  waiting(): WaitingChange | null
}

/**
 * The migrations as the dev database and migrations/ have them: the applied ones from the
 * history (when, checksum), the numbered files not applied yet, the change from the last
 * migration's snapshot to the schemas (what the next `fluentorm generate` writes) with its
 * lint findings, and what the dev loop did with it: applied, or waiting to be approved.
 */
export async function readMigrations(source: MigrationsSource): Promise<MigrationsAnswer> {
  const directory = await readMigrationDirectory(source.migrationsDir)
  const schema = await source.schema()
  const pending = schema === null ? null : pendingDiff(directory.snapshot?.schema ?? null, schema)
  const waiting = source.waiting()
  const dev: MigrationsAnswer['dev'] =
    waiting === null
      ? { state: source.database === null ? 'unavailable' : 'current' }
      : {
          state: waiting.reset ? 'blocked' : 'waiting',
          sql: waiting.sql,
          reasons: waiting.reasons,
          token: waiting.token,
        }
  if (source.database === null) {
    return { applied: [], pendingFiles: [], problems: [...directory.problems], pending, dev }
  }
  const db = await source.database()
  const migrations = await resolveMigrations(source.migrationsDir).catch(() => [])
  const current = await status(db, migrations)
  return {
    applied: current.applied.map((m) => ({
      name: m.name,
      checksum: m.checksum,
      finishedAt: m.finishedAt.toISOString(),
      executionMs: m.executionMs,
    })),
    pendingFiles: current.pending,
    problems: [...directory.problems, ...current.problems],
    pending,
    dev,
  }
}

function pendingDiff(from: SchemaIR | null, to: SchemaIR): PendingDiff | null {
  const plan = planMigration(from, to)
  if (plan.up.length === 0) return null
  return {
    name: plan.name,
    sql: plan.up,
    findings: plan.findings.map(({ rule, severity, message }) => ({ rule, severity, message })),
    transactional: plan.transactional,
    irreversible: plan.irreversible,
  }
}
