import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { Driver } from '../executor/driver.ts'
import { leadingEnumValueAdditions } from './enum-value-statements.ts'
import {
  type CreatedIndex,
  createdIndex,
  droppedIndexes,
  type InvalidIndex,
  invalidIndexes,
} from './invalid-indexes.ts'
import { readDirectives } from './migration-format.ts'
import { type SqlStatement, splitStatements } from './split-statements.ts'

/** The command a script runs for: its errors say which, and what to run next. */
export type MigrationOperation = 'migrate' | 'down'

/**
 * Runs a script statement by statement (so a failure names its statement), then `record`,
 * all in one transaction; or, for `-- fluentorm:no-transaction` files, one by one on the
 * session, recording only after the last statement succeeded. A transactional file's leading
 * `ALTER TYPE … ADD VALUE` statements commit in a transaction of their own first: the rest of
 * the file may use the new values, which PostgreSQL allows only once they are committed.
 *
 * Before a `CREATE INDEX CONCURRENTLY` it drops an invalid index of that name (what a failed
 * run of the same statement leaves, and what `IF NOT EXISTS` would skip), and it records
 * nothing while an index the script creates is invalid. Returns what it did besides the
 * script's own statements (the invalid indexes it dropped), for the command to print.
 */
export async function runScript(
  session: Driver,
  operation: MigrationOperation,
  file: string,
  sql: string,
  record: (db: Driver, startedAt: Date, transactional: boolean) => Promise<void>,
): Promise<string[]> {
  const statements = splitStatements(sql)
  const transactional = !readDirectives(sql).noTransaction
  const committedFirst = transactional ? leadingEnumValueAdditions(statements) : 0
  const startedAt = new Date()
  const notes: string[] = []
  const script = { operation, file, statements, transactional }
  const execute = async (db: Driver, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const statement = statements[i]!
      const index = transactional ? null : createdIndex(statement.text)
      if (index?.concurrently) notes.push(...(await dropInvalid(db, script, i, index)))
      try {
        await db.exec(statement.text)
      } catch (error) {
        const left = index?.concurrently ? await invalidIndexes(db, [index]).catch(() => []) : []
        throw statementFailed(script, i, error, {
          committedFirst: i < committedFirst ? 0 : committedFirst,
          leftInvalid: left[0] ?? null,
        })
      }
    }
  }
  if (!transactional) {
    await execute(session, 0, statements.length)
    await refuseInvalidIndexes(session, script)
    await record(session, startedAt, transactional)
    return notes
  }
  if (committedFirst > 0) await session.transaction((tx) => execute(tx, 0, committedFirst))
  await session.transaction(async (tx) => {
    await execute(tx, committedFirst, statements.length)
    await refuseInvalidIndexes(tx, script)
    await record(tx, startedAt, transactional)
  })
  return notes
}

interface Script {
  readonly operation: MigrationOperation
  readonly file: string
  readonly statements: readonly SqlStatement[]
  readonly transactional: boolean
}

/** `0002_x.sql, statement 2 of 3 (line 4)` */
function position(script: Script, index: number): string {
  const statement = script.statements[index]!
  return `${script.file}, statement ${index + 1} of ${script.statements.length} (line ${statement.line})`
}

/** What to do once the cause is fixed: `run migrate again`, or for a rollback, `down` again. */
function runAgain(script: Script): string {
  return script.operation === 'migrate'
    ? 'run migrate again'
    : `run down again (${script.file.replace(/\.down\.sql$/, '.sql')} is still recorded as applied)`
}

/**
 * Drops the invalid index a failed `CREATE INDEX CONCURRENTLY` of this name left, so the
 * statement builds it again instead of `IF NOT EXISTS` skipping it. One being built right now
 * by another session is left alone (the check after the script reports it).
 */
async function dropInvalid(
  db: Driver,
  script: Script,
  index: number,
  created: CreatedIndex,
): Promise<string[]> {
  const invalid = (await invalidIndexes(db, [created])).filter((i) => i.buildingPid === null)
  for (const found of invalid) {
    try {
      await db.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${found.qualified}`)
    } catch (error) {
      throw new FluentOrmError({
        code: 'MIGRATION_FAILED',
        kind: 'database',
        operation: script.operation,
        reason: `${position(script, index)}: the index ${found.name} on ${found.table} is INVALID (left by a CREATE INDEX CONCURRENTLY that failed), and dropping it before building it again failed: ${messageOf(error)}. Drop it yourself (DROP INDEX CONCURRENTLY ${found.qualified}), then ${runAgain(script)}.`,
        cause: error,
      })
    }
  }
  return invalid.map(
    (found) =>
      `${script.file}: dropped the invalid index ${found.name} on ${found.table} (left by a CREATE INDEX CONCURRENTLY that failed) to build it again.`,
  )
}

/** No script is recorded while an index it creates is invalid: it would enforce nothing. */
async function refuseInvalidIndexes(db: Driver, script: Script): Promise<void> {
  const created = script.statements.flatMap((s) => createdIndex(s.text) ?? [])
  const invalid = await invalidIndexes(db, created)
  if (invalid.length === 0) return
  const recorded = script.operation === 'migrate' ? 'applied' : 'rolled back'
  const outcome = script.transactional
    ? `Nothing of ${script.file} was applied (its transaction was rolled back).`
    : `${script.file} runs without a transaction: its statements stay applied, but it is not recorded as ${recorded}.`
  const lines = invalid.map((found) =>
    found.buildingPid !== null
      ? `  - ${found.name} on ${found.table}: another session (pid ${found.buildingPid}) is building it right now with CREATE INDEX CONCURRENTLY. Wait for that to finish, then ${runAgain(script)}.`
      : `  - ${found.name} on ${found.table}: IF NOT EXISTS found an invalid index of that name (left by a CREATE INDEX CONCURRENTLY that failed) and did nothing. Drop it (DROP INDEX CONCURRENTLY ${found.qualified}), fix what made it fail (for a unique index: the duplicate values), then ${runAgain(script)}.`,
  )
  throw new FluentOrmError({
    code: 'MIGRATION_FAILED',
    kind: 'database',
    operation: script.operation,
    reason: `${script.file} creates ${invalid.length === 1 ? 'an index that is' : 'indexes that are'} INVALID: ${invalid.length === 1 ? 'it enforces' : 'they enforce'} nothing, not even UNIQUE, and no query uses ${invalid.length === 1 ? 'it' : 'them'}.\n${lines.join('\n')}\n${outcome}`,
  })
}

function statementFailed(
  script: Script,
  index: number,
  error: unknown,
  run: { committedFirst: number; leftInvalid: InvalidIndex | null },
): FluentOrmError {
  const inner = error instanceof FluentOrmError ? error : undefined
  const statement = script.statements[index]!
  const { file } = script
  const again = runAgain(script)
  const outcome = !script.transactional
    ? [
        `${file} runs without a transaction: the statements before this one stay applied, so every statement must be able to run again (IF [NOT] EXISTS).`,
        ...droppedBefore(script, index),
        run.leftInvalid === null
          ? `Fix the cause, then ${again}.`
          : `PostgreSQL left the index ${run.leftInvalid.name} on ${run.leftInvalid.table} behind, INVALID (a failed CREATE INDEX CONCURRENTLY does): it enforces nothing. Fix what made it fail (for a unique index: the duplicate values), then ${again}: fluentorm drops the invalid ${run.leftInvalid.name} and builds it again, and records ${file} only once every index it creates is valid. (By hand: DROP INDEX CONCURRENTLY ${run.leftInvalid.qualified};)`,
      ].join('\n')
    : run.committedFirst > 0
      ? `The enum values added by the first ${run.committedFirst} statement(s) of ${file} stay: they commit before the rest of the file, which may use them. The rest was rolled back. Fix it and ${again} (ADD VALUE IF NOT EXISTS does nothing for a value already there).`
      : `Nothing of ${file} was applied (its transaction was rolled back). Fix it and ${again}.`
  return new FluentOrmError({
    code: inner?.code ?? 'MIGRATION_FAILED',
    kind: inner?.kind ?? 'database',
    operation: script.operation,
    reason: `${position(script, index)}: ${messageOf(error)}\n  ${statement.text.split('\n').join('\n  ')}\n${outcome}`,
    detail: inner?.detail,
    hint: inner?.hint,
    sql: statement.text,
    cause: error,
  })
}

/** The indexes earlier statements of a no-transaction file dropped: they stay dropped. */
function droppedBefore(script: Script, index: number): string[] {
  return script.statements.slice(0, index).flatMap((statement, k) => {
    const names = droppedIndexes(statement.text)
    return names.length === 0
      ? []
      : [
          `Statement ${k + 1} dropped the index ${names.join(', ')}: ${names.length === 1 ? 'it stays' : 'they stay'} dropped until ${script.file} runs to its end.`,
        ]
  })
}

function messageOf(error: unknown): string {
  return error instanceof FluentOrmError ? error.reason : (error as Error).message
}
