import { readFile } from 'node:fs/promises'
import type { SchemaIR } from '@fluentorm/core'
import {
  generateMigrationsModule,
  parseSnapshot,
  planMigration,
  planNextMigration,
  snapshotPath,
} from '@fluentorm/core'
import { migrationChecksum, resolveMigrations } from '@fluentorm/runtime'

/** The migration a build is about to write, to bundle with the ones already written. */
export interface PendingMigration {
  readonly root: string
  readonly schema: SchemaIR
}

/**
 * The code of `virtual:fluentorm/migrations`: the numbered migrations of `migrationsDir`
 * (generated or hand-written; not the per-table `users.sql` files), read exactly as the
 * runner reads a folder, with their rollbacks and checksums. No folder yet: no migrations.
 * In a build, `pending` adds the migration that the build writes at its end (the same name,
 * text and checksum), so the bundle migrates to the schema its models were built from.
 */
export async function bundledMigrationsModule(
  migrationsDir: string,
  pending?: PendingMigration,
): Promise<string> {
  const migrations = [...(await resolveMigrations(migrationsDir).catch(() => []))]
  if (pending) {
    const planned = await planNextMigration({ ...pending, migrationsDir })
    const next = planned.ok ? planned.next : null
    if (next) {
      const { name, sql, down } = next
      migrations.push({ name, sql, down, checksum: migrationChecksum(sql) })
    }
  }
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
