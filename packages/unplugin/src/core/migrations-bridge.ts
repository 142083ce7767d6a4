import { readFile } from 'node:fs/promises'
import type { SchemaIR } from '@fluentorm/core'
import {
  generateMigrationsModule,
  parseSnapshot,
  planMigration,
  snapshotPath,
} from '@fluentorm/core'
import { resolveMigrations } from '@fluentorm/runtime'

/**
 * The code of `virtual:fluentorm/migrations`: the numbered migrations of `migrationsDir`
 * (generated or hand-written; not the per-table `users.sql` files), read exactly as the
 * runner reads a folder, with their rollbacks and checksums. No folder yet: no migrations.
 */
export async function bundledMigrationsModule(migrationsDir: string): Promise<string> {
  const migrations = await resolveMigrations(migrationsDir).catch(() => [])
  return generateMigrationsModule(migrations)
}

/**
 * What the next build would write as a migration for `schema`, for the dev server to print;
 * null when the schema matches the last migration's snapshot.
 */
export async function pendingMigrationPreview(
  migrationsDir: string,
  schema: SchemaIR,
): Promise<string | null> {
  const file = snapshotPath(migrationsDir)
  const text = await readFile(file, 'utf8').catch(() => null)
  const plan = planMigration(text === null ? null : parseSnapshot(text, file).schema, schema)
  if (plan.up.length === 0) return null
  const findings = plan.findings.map((f) => `  ${f.severity}: ${f.message}\n`).join('')
  return `pending migration ${plan.name} (the next build writes it to ${migrationsDir}):\n${plan.up.join('\n')}\n${findings}`
}
