import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { Driver, Executor } from '../executor/driver.ts'
import { toDriver } from '../executor/to-driver.ts'
import { invalidIndexes, invalidIndexProblem } from './invalid-indexes.ts'
import { compareMigrations, type Migration, readDirectives } from './migration-format.ts'
import {
  type AppliedMigration,
  deleteApplied,
  ensureHistoryTable,
  readHistory,
  recordApplied,
} from './migration-history.ts'
import { withMigrationLock } from './migration-lock.ts'
import { type MigrationOperation, runScript } from './migration-script.ts'
import { type MigrationSource, resolveMigrations } from './migration-source.ts'
import { historyProblems } from './verify-history.ts'

export interface MigrateOptions {
  /** A migrations directory, or the array from `virtual:fluentorm/migrations`. */
  readonly migrations: MigrationSource
  /** Print nothing, change nothing: return the SQL that would run. @default false */
  readonly dryRun?: boolean
  /** How long to wait for another runner's lock, in ms. @default 300_000 */
  readonly lockWaitTimeout?: number
  /** `lock_timeout` while migrating, in ms (0: none): DDL stuck behind a long query fails instead of queueing every query behind it. @default 10_000 */
  readonly lockTimeout?: number
  /** `statement_timeout` while migrating, in ms (0: none). @default 600_000 */
  readonly statementTimeout?: number
}

export interface MigrateResult {
  /** Names applied by this run (with `dryRun`, the ones that would be). */
  readonly applied: readonly string[]
  /** With `dryRun`: the SQL that would run, file by file. */
  readonly sql: string
  /**
   * What the runner did besides the files' statements, for the person running it: each invalid
   * index (left by a failed `CREATE INDEX CONCURRENTLY`) it dropped to build it again.
   */
  readonly notes: readonly string[]
}

export interface DownOptions extends Omit<MigrateOptions, 'dryRun'> {
  /** How many of the last applied migrations to roll back. @default 1 */
  readonly steps?: number
  readonly dryRun?: boolean
}

export interface MigrationStatus {
  readonly applied: readonly AppliedMigration[]
  readonly pending: readonly string[]
  /**
   * Edited, missing or out-of-order migrations (`migrate` refuses while there are any), and
   * invalid indexes in the schema (left by a failed `CREATE INDEX CONCURRENTLY`: they enforce
   * nothing), each with what to do.
   */
  readonly problems: readonly string[]
}

/**
 * Applies pending migrations in order, each in its own transaction (unless the file says
 * `-- fluentorm:no-transaction`), under an advisory lock, so concurrent runners apply each
 * migration exactly once. Refuses before running anything when history and files disagree;
 * stops at the first failing statement.
 *
 * ```ts
 * import { migrate } from '@fluentorm/runtime'
 * await migrate(pool, { migrations: 'migrations' })
 * // BEGIN; <0002_add_phone_to_users.sql>; INSERT INTO fluentorm_migrations …; COMMIT
 * ```
 */
export async function migrate(
  db: Executor,
  options: MigrateOptions | MigrationSource,
): Promise<MigrateResult> {
  const resolved = normalise(options, 'migrate')
  const migrations = await resolveMigrations(resolved.migrations)
  return run(db, resolved, async (session) => {
    if (!resolved.dryRun) await ensureHistoryTable(session)
    const applied = await readHistory(session)
    refuseOn(historyProblems(applied, migrations), 'migrate')
    const done = new Set(applied.map((a) => a.name))
    const pending = migrations.filter((m) => !done.has(m.name))
    if (resolved.dryRun) {
      return {
        applied: pending.map((m) => m.name),
        sql: pending.map((m) => `-- ${m.name}.sql\n${m.sql.trim()}\n`).join('\n'),
        notes: [],
      }
    }
    const notes: string[] = []
    for (const migration of pending) {
      const done = await runScript(
        session,
        'migrate',
        `${migration.name}.sql`,
        migration.sql,
        (tx, startedAt, transactional) =>
          recordApplied(tx, {
            name: migration.name,
            checksum: migration.checksum,
            startedAt,
            transactional,
          }),
      )
      notes.push(...done)
    }
    return { applied: pending.map((m) => m.name), sql: '', notes }
  })
}

/** `down`'s `steps`, own property only: a positive whole number, 1 when not given. */
function stepsOf(options: DownOptions): number {
  const steps = Object.hasOwn(options, 'steps') ? options.steps : undefined
  if (steps === undefined) return 1
  if (typeof steps === 'number' && Number.isSafeInteger(steps) && steps >= 1) return steps
  const hint =
    'Pass { steps: 1 } for the last migration, { steps: 3 } for the last three; leave it out for 1.'
  throw new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    operation: 'down',
    reason: `steps must be a positive whole number (how many of the last applied migrations to roll back), got ${typeof steps === 'string' ? JSON.stringify(steps) : String(steps)}. ${hint}`,
    hint,
  })
}

/**
 * Rolls back the last `steps` applied migrations, newest first, each with its `.down.sql`
 * in a transaction. Refuses before running anything when one has no rollback or is marked
 * irreversible.
 */
export async function down(db: Executor, options: DownOptions): Promise<MigrateResult> {
  const resolved = normalise(options, 'down')
  const steps = stepsOf(options)
  const migrations = await resolveMigrations(resolved.migrations)
  const byName = new Map(migrations.map((m) => [m.name, m]))
  return run(db, resolved, async (session) => {
    const applied = await readHistory(session)
    refuseOn(
      // A pending file out of order or sharing a number does not change what rolls back.
      historyProblems(applied, migrations).filter(
        (p) => !p.includes('is not applied but sorts before') && !p.includes(' share the number '),
      ),
      'down',
    )
    const targets = applied
      .map((a) => byName.get(a.name)!)
      .sort((a, b) => compareMigrations(b.name, a.name))
      .slice(0, steps)
    refuseOn(targets.flatMap(rollbackProblem), 'down')
    if (resolved.dryRun) {
      return {
        applied: targets.map((m) => m.name),
        sql: targets.map((m) => `-- ${m.name}.down.sql\n${m.down!.trim()}\n`).join('\n'),
        notes: [],
      }
    }
    const notes: string[] = []
    for (const migration of targets) {
      const done = await runScript(
        session,
        'down',
        `${migration.name}.down.sql`,
        migration.down!,
        (tx) => deleteApplied(tx, migration.name),
      )
      notes.push(...done)
    }
    return { applied: targets.map((m) => m.name), sql: '', notes }
  })
}

/**
 * Applied and pending migrations, any problem `migrate` would refuse on, and the invalid
 * indexes of the current schema (one being built right now is not a problem). Read-only, no lock.
 */
export async function status(
  db: Executor,
  options: { migrations: MigrationSource } | MigrationSource,
): Promise<MigrationStatus> {
  const source =
    typeof options === 'string' || Array.isArray(options)
      ? options
      : (options as { migrations: MigrationSource }).migrations
  const migrations = await resolveMigrations(source)
  const driver = toDriver(db)
  const applied = await readHistory(driver)
  const done = new Set(applied.map((a) => a.name))
  const invalid = (await invalidIndexes(driver, null)).filter((i) => i.buildingPid === null)
  return {
    applied,
    pending: migrations.filter((m) => !done.has(m.name)).map((m) => m.name),
    problems: [...historyProblems(applied, migrations), ...invalid.map(invalidIndexProblem)],
  }
}

type Resolved = Required<Omit<MigrateOptions, 'migrations'>> & { migrations: MigrationSource }

function normalise(
  options: MigrateOptions | MigrationSource,
  operation: MigrationOperation,
): Resolved {
  const given: MigrateOptions =
    typeof options === 'string' || Array.isArray(options)
      ? { migrations: options as MigrationSource }
      : (options as MigrateOptions)
  return {
    migrations: given.migrations,
    dryRun: given.dryRun ?? false,
    lockWaitTimeout: milliseconds(given, 'lockWaitTimeout', 300_000, operation),
    lockTimeout: milliseconds(given, 'lockTimeout', 10_000, operation),
    statementTimeout: milliseconds(given, 'statementTimeout', 600_000, operation),
  }
}

/** A timeout option, own property only: a whole number of milliseconds, 0 or more. */
function milliseconds(
  options: MigrateOptions,
  name: 'lockWaitTimeout' | 'lockTimeout' | 'statementTimeout',
  fallback: number,
  operation: MigrationOperation,
): number {
  const value = Object.hasOwn(options, name) ? options[name] : undefined
  if (value === undefined) return fallback
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  const hint = `Pass a whole number of milliseconds, e.g. { ${name}: ${fallback} }${name === 'lockWaitTimeout' ? '' : ' (0: no timeout)'}.`
  throw new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    operation,
    reason: `the option ${name} must be a whole number of milliseconds (0 or more), got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}. ${hint}`,
    hint,
  })
}

/** One connection: timeouts set, the lock held, everything run on it (migration-lock.ts). */
function run<T>(db: Executor, options: Resolved, fn: (session: Driver) => Promise<T>): Promise<T> {
  return withMigrationLock(toDriver(db), options, fn)
}

function rollbackProblem(migration: Migration): string[] {
  if (migration.down === undefined) {
    return [
      `${migration.name}.sql has no rollback (${migration.name}.down.sql). Write one, or undo the change with a new migration.`,
    ]
  }
  const { irreversible } = readDirectives(migration.down)
  return irreversible
    ? [
        `${migration.name}.sql cannot be rolled back: it ${irreversible}. Undo the change with a new migration instead.`,
      ]
    : []
}

function refuseOn(problems: readonly string[], operation: MigrationOperation): void {
  if (problems.length === 0) return
  throw new FluentOrmError({
    code: 'MIGRATION_HISTORY',
    kind: 'invalid_usage',
    operation,
    reason: `nothing was run:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  })
}
