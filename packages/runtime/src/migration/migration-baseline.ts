import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { Executor } from '../executor/driver.ts'
import { toDriver } from '../executor/to-driver.ts'
import { migrationNumber } from './migration-format.ts'
import { ensureHistoryTable, readHistory, recordApplied } from './migration-history.ts'
import { withMigrationLock } from './migration-lock.ts'
import { type MigrationSource, resolveMigrations } from './migration-source.ts'
import { historyProblems } from './verify-history.ts'

export interface BaselineOptions {
  readonly migrations: MigrationSource
  /** Record every migration numbered up to this one (inclusive). */
  readonly upTo: number
  /** How long to wait for another runner's lock, in ms. @default 300_000 */
  readonly lockWaitTimeout?: number
}

/**
 * Records the migrations numbered up to `upTo` as applied, with their checksums, without
 * running them: for a database that already has what they make (one adopted with
 * `fluentorm pull`, or built before the project used migrations). Returns the names recorded.
 * Refuses, recording nothing, an `upTo` below the first migration or past the last one.
 *
 * ```ts
 * await baseline(pool, { migrations: 'migrations', upTo: 2 })
 * // INSERT INTO fluentorm_migrations … for 0001_… and 0002_…; nothing else runs
 * ```
 */
export async function baseline(db: Executor, options: BaselineOptions): Promise<string[]> {
  const migrations = await resolveMigrations(options.migrations)
  const targets = migrations.filter((m) => migrationNumber(m.name) <= options.upTo)
  if (targets.length === 0) {
    throw new FluentOrmError({
      code: 'INVALID_USAGE',
      kind: 'invalid_usage',
      operation: 'migrate',
      reason: `no migration is numbered ${options.upTo} or below. --baseline takes the number of the last migration the database already has, e.g. --baseline 2 for 0002_….sql.`,
    })
  }
  // Past the last file, n names a migration that does not exist: a typo, or the wrong folder.
  const last = migrations.at(-1)!
  if (options.upTo > migrationNumber(last.name)) {
    throw new FluentOrmError({
      code: 'INVALID_USAGE',
      kind: 'invalid_usage',
      operation: 'migrate',
      reason: `--baseline ${options.upTo} is past the last migration, ${last.name}.sql (number ${migrationNumber(last.name)}): there is no migration ${options.upTo} to record. Nothing was recorded. --baseline takes the number of the last migration the database already has: --baseline ${migrationNumber(last.name)} records all of them; check that --migrations names the right folder.`,
    })
  }
  return withMigrationLock(
    toDriver(db),
    {
      lockWaitTimeout: options.lockWaitTimeout ?? 300_000,
      lockTimeout: 10_000,
      statementTimeout: 600_000,
    },
    async (session) => {
      await ensureHistoryTable(session)
      const applied = await readHistory(session)
      const problems = historyProblems(applied, migrations).filter(
        (p) => !p.includes('is not applied but sorts before'),
      )
      if (problems.length > 0) {
        throw new FluentOrmError({
          code: 'MIGRATION_HISTORY',
          kind: 'invalid_usage',
          operation: 'migrate',
          reason: `nothing was recorded:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
        })
      }
      const done = new Set(applied.map((a) => a.name))
      const recorded: string[] = []
      await session.transaction(async (tx) => {
        for (const migration of targets) {
          if (done.has(migration.name)) continue
          await recordApplied(tx, {
            name: migration.name,
            checksum: migration.checksum,
            startedAt: new Date(),
            transactional: true,
          })
          recorded.push(migration.name)
        }
      })
      return recorded
    },
  )
}
