import type { Database } from '@fluentorm/runtime'
import type { ExplainAnswer, QueryEntryInfo } from './api-types.ts'
import { StudioError } from './http.ts'

/** Statements EXPLAIN takes: what the models and queries send, not DDL, COPY or several at once. */
const EXPLAINABLE = /^\s*(?:\(\s*)*(select|insert|update|delete|with|values|table|merge)\b/i
/** Read in the whole text, literals and comments too: a quote in a comment hides nothing. */
const WRITE = /\b(insert|update|delete|merge)\b/i
/**
 * Calls whose effect the rollback does not undo: a session's advisory lock (the migration
 * lock among them) taken or released, another session ended, a remote statement run.
 */
const OUTLIVES_ROLLBACK =
  /\b(?:pg_(?:try_)?advisory_\w*|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|dblink\w*)\s*\(/i
let counter = 0

/** Thrown to roll back the transaction an EXPLAIN ran in. */
class RollBack extends Error {
  constructor(readonly answer: ExplainAnswer) {
    super('rolled back')
  }
}

/**
 * The plan of one logged statement. The log keeps no values (they may be secrets), so:
 * EXPLAIN plans it as a prepared statement with a generic plan (`plan_cache_mode =
 * force_generic_plan`, the plan for any values; PostgreSQL 12 and later, PGlite too);
 * EXPLAIN ANALYZE runs it with the values the developer types, in a transaction that is
 * always rolled back (a write changes nothing), under a 15 s statement timeout. A write is
 * analyzed only while the Data view's writes are on.
 */
export async function explain(
  db: Database,
  entry: QueryEntryInfo,
  request: { analyze: boolean; params: unknown; writes: boolean },
): Promise<ExplainAnswer> {
  if (entry.truncated) {
    throw new StudioError(
      400,
      'this statement is longer than the log keeps: it cannot be explained',
    )
  }
  const text = oneStatement(entry.text)
  if (text === null || !EXPLAINABLE.test(text)) {
    throw new StudioError(
      400,
      'only one SELECT, INSERT, UPDATE, DELETE or WITH statement can be explained',
    )
  }
  const params = request.analyze ? paramsOf(request.params, entry.values) : []
  const writes = WRITE.test(text)
  if (request.analyze && writes && !request.writes) {
    throw new StudioError(
      403,
      'this statement writes: turn writes on to EXPLAIN ANALYZE it (it is rolled back)',
    )
  }
  if (request.analyze && OUTLIVES_ROLLBACK.test(text)) {
    throw new StudioError(
      400,
      'this statement takes or releases a lock or reaches another session: a rollback would not undo it, so it is not analyzed',
    )
  }
  try {
    await db.transaction(async (tx) => {
      // A statement that does not write runs read-only: a function it calls that writes, or
      // a sequence's nextval (which no rollback gives back), is refused by PostgreSQL.
      if (!writes) await tx.exec('SET TRANSACTION READ ONLY')
      await tx.exec("SET LOCAL statement_timeout = '15s'")
      let lines: string[]
      if (request.analyze) {
        const result = await tx.query<Record<string, string>>({
          text: `EXPLAIN (ANALYZE, BUFFERS) ${text}`,
          values: params,
        })
        lines = result.rows.map((row) => Object.values(row)[0] ?? '')
      } else if (entry.values === 0) {
        const result = await tx.query<Record<string, string>>({ text: `EXPLAIN ${text}` })
        lines = result.rows.map((row) => Object.values(row)[0] ?? '')
      } else {
        const name = `fluentorm_studio_explain_${++counter}`
        await tx.exec(`PREPARE ${name} AS ${text}`)
        await tx.exec('SET LOCAL plan_cache_mode = force_generic_plan')
        const nulls = Array.from({ length: entry.values }, () => 'NULL').join(', ')
        const result = await tx.query<Record<string, string>>({
          text: `EXPLAIN EXECUTE ${name}(${nulls})`,
        })
        lines = result.rows.map((row) => Object.values(row)[0] ?? '')
        await tx.exec(`DEALLOCATE ${name}`)
      }
      throw new RollBack({ plan: lines.join('\n'), analyzed: request.analyze })
    })
  } catch (error) {
    if (error instanceof RollBack) return error.answer
    throw new StudioError(400, `PostgreSQL could not explain it: ${messageOf(error)}`)
  }
  throw new StudioError(500, 'the EXPLAIN transaction ended without a plan')
}

function paramsOf(given: unknown, count: number): (string | null)[] {
  if (!Array.isArray(given) || given.length !== count) {
    throw new StudioError(400, `EXPLAIN ANALYZE needs the statement's ${count} parameter values`)
  }
  return given.map((value, i) => {
    if (value === null || typeof value === 'string') return value
    throw new StudioError(400, `parameter $${i + 1} must be text or null`)
  })
}

/**
 * The statement without trailing semicolons, or null when a semicolon is left anywhere else.
 * `PREPARE … AS <text>` goes through the simple protocol, which runs every statement of the
 * text: one after a `COMMIT` would escape the rollback. A scan for quotes alone is fooled by
 * a quote in a comment or a dollar-quoted string (`/* ' *\/; COMMIT; DELETE …`), so no
 * semicolon is trusted to sit inside a literal: a statement that has one is not explained.
 */
export function oneStatement(text: string): string | null {
  const body = text.replace(/[\s;]+$/, '')
  return body.includes(';') ? null : body
}

/** PostgreSQL's message without the values it quotes (`invalid input syntax for type uuid: "…"`). */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/: "(?:[^"\\]|\\.)*"/g, '')
}
