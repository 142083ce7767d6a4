import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { Driver, Executor } from '../executor/driver.ts'
import { toDriver } from '../executor/to-driver.ts'
import { leadingEnumValueAdditions } from './enum-value-statements.ts'
import { compareMigrations, type Migration, readDirectives } from './migration-format.ts'
import {
  type AppliedMigration,
  deleteApplied,
  ensureHistoryTable,
  readHistory,
  recordApplied,
} from './migration-history.ts'
import { withMigrationLock } from './migration-lock.ts'
import { type MigrationSource, resolveMigrations } from './migration-source.ts'
import { splitStatements } from './split-statements.ts'
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
}

export interface DownOptions extends Omit<MigrateOptions, 'dryRun'> {
  /** How many of the last applied migrations to roll back. @default 1 */
  readonly steps?: number
  readonly dryRun?: boolean
}

export interface MigrationStatus {
  readonly applied: readonly AppliedMigration[]
  readonly pending: readonly string[]
  /** Edited, missing or out-of-order migrations: `migrate` refuses while there are any. */
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
      }
    }
    for (const migration of pending) {
      await runScript(
        session,
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
    }
    return { applied: pending.map((m) => m.name), sql: '' }
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
      historyProblems(applied, migrations).filter(
        (p) => !p.includes('is not applied but sorts before'),
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
      }
    }
    for (const migration of targets) {
      await runScript(session, `${migration.name}.down.sql`, migration.down!, (tx) =>
        deleteApplied(tx, migration.name),
      )
    }
    return { applied: targets.map((m) => m.name), sql: '' }
  })
}

/** Applied and pending migrations and any problem `migrate` would refuse on. Read-only, no lock. */
export async function status(
  db: Executor,
  options: { migrations: MigrationSource } | MigrationSource,
): Promise<MigrationStatus> {
  const source =
    typeof options === 'string' || Array.isArray(options)
      ? options
      : (options as { migrations: MigrationSource }).migrations
  const migrations = await resolveMigrations(source)
  const applied = await readHistory(toDriver(db))
  const done = new Set(applied.map((a) => a.name))
  return {
    applied,
    pending: migrations.filter((m) => !done.has(m.name)).map((m) => m.name),
    problems: historyProblems(applied, migrations),
  }
}

type Resolved = Required<Omit<MigrateOptions, 'migrations'>> & { migrations: MigrationSource }

function normalise(
  options: MigrateOptions | MigrationSource,
  operation: 'migrate' | 'down',
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
  operation: 'migrate' | 'down',
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

/**
 * Runs a script statement by statement (so a failure names its statement), then `record`,
 * all in one transaction; or, for `-- fluentorm:no-transaction` files, one by one on the
 * session, recording only after the last statement succeeded. A transactional file's leading
 * `ALTER TYPE … ADD VALUE` statements commit in a transaction of their own first: the rest of
 * the file may use the new values, which PostgreSQL allows only once they are committed.
 */
async function runScript(
  session: Driver,
  file: string,
  sql: string,
  record: (db: Driver, startedAt: Date, transactional: boolean) => Promise<void>,
): Promise<void> {
  const statements = splitStatements(sql)
  const transactional = !readDirectives(sql).noTransaction
  const committedFirst = transactional ? leadingEnumValueAdditions(statements) : 0
  const startedAt = new Date()
  const execute = async (db: Driver, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const statement = statements[i]!
      try {
        await db.exec(statement.text)
      } catch (error) {
        throw statementFailed(file, i, statements.length, statement, error, {
          transactional,
          committedFirst: i < committedFirst ? 0 : committedFirst,
        })
      }
    }
  }
  if (!transactional) {
    await execute(session, 0, statements.length)
    await record(session, startedAt, transactional)
    return
  }
  if (committedFirst > 0) await session.transaction((tx) => execute(tx, 0, committedFirst))
  await session.transaction(async (tx) => {
    await execute(tx, committedFirst, statements.length)
    await record(tx, startedAt, transactional)
  })
}

function statementFailed(
  file: string,
  index: number,
  count: number,
  statement: { text: string; line: number },
  error: unknown,
  run: { transactional: boolean; committedFirst: number },
): FluentOrmError {
  const inner = error instanceof FluentOrmError ? error : undefined
  const message = inner?.reason ?? (error as Error).message
  const outcome = !run.transactional
    ? `${file} runs without a transaction: the statements before this one stay applied. Fix it so every statement can run again (IF [NOT] EXISTS), then run migrate again.`
    : run.committedFirst > 0
      ? `The enum values added by the first ${run.committedFirst} statement(s) of ${file} stay: they commit before the rest of the file, which may use them. The rest was rolled back. Fix it and run migrate again (ADD VALUE IF NOT EXISTS does nothing for a value already there).`
      : `Nothing of ${file} was applied (its transaction was rolled back). Fix it and run migrate again.`
  return new FluentOrmError({
    code: inner?.code ?? 'MIGRATION_FAILED',
    kind: inner?.kind ?? 'database',
    operation: 'migrate',
    reason: `${file}, statement ${index + 1} of ${count} (line ${statement.line}): ${message}\n  ${statement.text.split('\n').join('\n  ')}\n${outcome}`,
    detail: inner?.detail,
    hint: inner?.hint,
    sql: statement.text,
    cause: error,
  })
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

function refuseOn(problems: readonly string[], operation: 'migrate' | 'down'): void {
  if (problems.length === 0) return
  throw new FluentOrmError({
    code: 'MIGRATION_HISTORY',
    kind: 'invalid_usage',
    operation,
    reason: `nothing was run:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  })
}
