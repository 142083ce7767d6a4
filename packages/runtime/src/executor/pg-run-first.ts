import type pg from 'pg'
import { noteStatementTimeout } from './session-timeout.ts'

/** Statements to send ahead of a query, and how far they got. */
export interface RunFirst {
  readonly statements: readonly string[]
  /** Written to the connection (false: the query failed before anything was sent). */
  sent: boolean
  /** How many of them completed. */
  ran: number
}

/** pg's connection, as far as the statements sent ahead use it (pg/lib/connection.js, pg 8). */
interface PgWire {
  readonly parsedStatements: Record<string, string | undefined>
  readonly stream: { cork?(): void; uncork?(): void }
  parse(message: { text: string; name: string; types: readonly number[] }): void
  bind(message: object): void
  execute(message: { portal: string; rows: number }): void
}

/** pg.Query's steps that the statements sent ahead run around (pg/lib/query.js, pg 8). */
interface PgQuerySteps {
  submit(connection: pg.Connection): Error | null | undefined
  handleCommandComplete(message: object, connection: pg.Connection): void
  handleError(error: unknown, connection: pg.Connection): void
}

/**
 * Has `query` send `first.statements` (parameterless statements: BEGIN and its SET LOCAL
 * settings) ahead of its own messages, each as an unnamed Parse, Bind and Execute, with the
 * query's own Sync ending them all: one write and one round trip where they would cost one
 * each. The socket is corked from the first of them to the query's own messages: pg writes
 * each message as it is made, so without it each Parse, Bind and Execute sent ahead was a
 * system call and a packet of its own (three per statement, ahead of the query's one write). The server runs them in order and stops at the first error, skipping the rest until
 * that Sync, so the query fails with that error and `first.ran` says how many completed.
 *
 * Their CommandCompletes are counted off before pg's query sees any message of its own, so
 * its result is exactly what it would have been alone. `query` must use the extended
 * protocol (pgQuery sends its statements so): a simple Query message after them would be
 * skipped with them when one fails, and pg would wait for its answer forever.
 */
export function runFirst(query: pg.Query, first: RunFirst): void {
  const steps = query as unknown as PgQuerySteps
  // The query's own steps, whether its class's or its own properties (PreparedQuery's submit).
  const own = {
    submit: steps.submit,
    complete: steps.handleCommandComplete,
    fail: steps.handleError,
  }
  const name = (query as { readonly name?: string }).name
  let parsedBefore = false
  steps.submit = (connection) => {
    const wire = connection as unknown as PgWire
    parsedBefore = name !== undefined && wire.parsedStatements[name] !== undefined
    first.sent = true
    wire.stream.cork?.()
    try {
      for (const text of first.statements) {
        wire.parse({ text, name: '', types: [] })
        wire.bind({})
        wire.execute({ portal: '', rows: 0 })
      }
      return own.submit.call(query, connection)
    } finally {
      wire.stream.uncork?.()
    }
  }
  steps.handleCommandComplete = (message, connection) => {
    if (first.ran < first.statements.length) {
      // What a statement did to statement_timeout sets the deadline of the next ones.
      noteStatementTimeout(connection, first.statements[first.ran]!)
      first.ran += 1
      return
    }
    own.complete.call(query, message, connection)
  }
  steps.handleError = (error, connection) => {
    // pg took the ParseComplete of a statement sent ahead for the named one's own: forgotten
    // again when the named statement's Parse was skipped, so its next run prepares it.
    if (first.ran < first.statements.length && name !== undefined && !parsedBefore) {
      delete (connection as unknown as PgWire).parsedStatements[name]
    }
    own.fail.call(query, error, connection)
  }
}
