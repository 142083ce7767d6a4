import pg from 'pg'
import { fromConfig, type StatementConfig } from './pg-statement.ts'
import { runMessages, type WireValues, wireValues } from './wire-messages.ts'

/**
 * How many named prepared statements each connection keeps when nothing else is said
 * (`connect({ statementCacheSize })`). A prepared statement holds its parse tree and plan
 * in the server backend, a few kB to tens of kB each: 256 of them cost a backend a few MB,
 * and an application's hot statements (model CRUD, its kept queries) fit many times over.
 */
export const defaultStatementCacheSize = 256

/** pg's own bookkeeping of one connection's named statements (pg/lib/connection.js). */
interface PgWire {
  readonly parsedStatements: Record<string, string | undefined>
  readonly submittedNamedStatements: Record<string, string | undefined>
  readonly stream: { cork?(): void; uncork?(): void }
  close(message: { type: 'S'; name: string }): void
  bind(message: object): void
  _send(buffer: Buffer): boolean
}

/**
 * What pg's Result keeps of a RowDescription (pg/lib/result.js, pg 8): the fields, one
 * parser per field, and the empty row every row is copied from.
 */
interface RowShape {
  readonly fields: unknown[]
  readonly _parsers: unknown[] | undefined
  readonly _prebuiltEmptyResultObject: object | undefined
}

/** A statement that returns no rows: its Describe answers NoData, pg's Result stays empty. */
const NO_ROWS: RowShape = Object.freeze({
  fields: [],
  _parsers: undefined,
  _prebuiltEmptyResultObject: undefined,
})

/** pg.Query's internals this class drives (pg/lib/query.js, pg 8). */
interface PgQueryInternals {
  readonly portal: string
  readonly binary: boolean | undefined
  readonly callback: unknown
  readonly rows: number | undefined
  _result: RowShape & { fields: unknown[] }
  _accumulateRows: unknown
  _getRows(connection: pg.Connection, rows: number | undefined): void
}

/** pg.Query's own steps that this class runs around (pg/lib/query.js, pg 8). */
interface PgQueryMethods {
  prepare(connection: pg.Connection): void
  handleRowDescription(message: object): void
  handleCommandComplete(message: object, connection: pg.Connection): void
  handleError(error: unknown, connection: pg.Connection): void
}

const base = pg.Query.prototype as unknown as PgQueryMethods

/** How pg turns a parameter into wire text; without it (another pg), every run describes. */
const prepareValue = (pg as unknown as { utils?: { prepareValue?(v: unknown): unknown } }).utils
  ?.prepareValue

/**
 * The names prepared on each connection, least recently used first, each with the shape of
 * its rows once a RowDescription has told it (undefined until then).
 */
const prepared = new WeakMap<object, Map<string, RowShape | undefined>>()

/** Names whose plan went stale on each connection: closed before they are prepared again. */
const stale = new WeakMap<object, Set<string>>()

/**
 * PostgreSQL's answer to a prepared statement whose table changed type under it (an ALTER
 * COLUMN … TYPE, a dropped and recreated table): the statement fails on every run until it
 * is prepared again. It fails before it runs, so nothing was done. Also the answer to one the
 * session lost (26000: a DEALLOCATE or DISCARD ALL sent by hand on the connection): it too
 * fails at Bind, before anything runs, until it is prepared again.
 */
export function isStalePlan(error: unknown): boolean {
  const fields = error as { code?: unknown; routine?: unknown } | null
  if (fields?.code === '26000') return true
  if (fields?.code !== '0A000') return false
  // The routine's name is never translated (lc_messages); the message is, and is the fallback.
  return (
    fields.routine === 'RevalidateCachedQuery' ||
    /cached plan must not change result type/.test(String((error as Error).message))
  )
}

/**
 * A query on a named prepared statement that keeps at most `cacheSize` named statements on
 * its connection. When it is written and its name is new there, the least recently used
 * names beyond the size are closed (the protocol's Close message, in the same write as this
 * query's Parse, so it costs no round trip) and forgotten by pg, which prepares them again
 * if they come back. The decision is made when pg writes the query, not when it is queued,
 * so it follows the order the server sees.
 *
 * A statement whose Parse is still in flight is never closed (pg would record it as prepared
 * when its ParseComplete arrives): the cache can exceed its size by the statements being
 * prepared at that moment, and shrinks back with the next new name.
 *
 * Once a statement's rows have been described on a connection, later runs there send Bind,
 * Execute and Sync only: pg sends a Describe with every run and parses the RowDescription
 * it answers, field objects and parsers rebuilt each time, while a prepared statement's
 * row type cannot change (PostgreSQL fails the statement instead: "cached plan must not
 * change result type"). The shape kept is pg's own (its fields, parsers and empty row),
 * set where pg would have set it, so rows are decoded exactly as before.
 */
export class PreparedQuery extends pg.Query {
  #wire: PgWire | undefined
  #described = false
  #values: WireValues | undefined

  constructor(
    config: StatementConfig & { readonly name: string },
    readonly cacheSize: number,
  ) {
    super(config.text)
    fromConfig(this, config)
  }

  override submit: (connection: pg.Connection) => void = (connection) => {
    // Every value in its wire form before anything is recorded or written: a value that
    // cannot be sent (a throwing toPostgres, a bigint inside json) fails this run alone, as
    // pg fails a query whose submit returns an error, and the statement stays as it was.
    try {
      this.#values = wireValues((this as unknown as { values: unknown[] | undefined }).values)
    } catch (error) {
      return error
    }
    const wire = connection as unknown as PgWire
    this.#wire = wire
    // The Closes below leave in the same write as this query's own messages (pg corks only
    // around those): a stale plan's Close with the Parse that prepares it again.
    wire.stream.cork?.()
    try {
      if (stale.get(wire)?.delete(this.name!)) wire.close({ type: 'S', name: this.name! })
      keepPrepared(wire, this.name!, this.cacheSize)
      return pg.Query.prototype.submit.call(this, connection)
    } finally {
      wire.stream.uncork?.()
    }
  }

  /** pg's error step: a stale plan is forgotten, so the next run of the name prepares it again. */
  handleError(error: unknown, connection: pg.Connection): void {
    if (isStalePlan(error) && this.#wire) {
      prepared.get(this.#wire)?.delete(this.name!)
      delete this.#wire.parsedStatements[this.name!]
      let names = stale.get(this.#wire)
      if (names === undefined) {
        names = new Set()
        stale.set(this.#wire, names)
      }
      names.add(this.name!)
    }
    base.handleError.call(this, error, connection)
  }

  /** Called by pg.Query's submit when the statement needs the extended protocol (always, named). */
  prepare(connection: pg.Connection): void {
    const wire = connection as unknown as PgWire
    const shape = prepared.get(wire)?.get(this.name!)
    const self = this as unknown as PgQueryInternals
    if (shape === undefined || wire.parsedStatements[this.name!] !== this.text || !prepareValue) {
      base.prepare.call(this, connection)
      return
    }
    const values = (this as unknown as { values: unknown[] | undefined }).values
    // Bind, Execute and Sync in one buffer (wire-messages.ts, as connect()'s own wire path
    // writes them), where pg serializes and writes each message on its own.
    const whole = self.portal === '' && self.rows === undefined && !self.binary
    let messages: Buffer | undefined
    try {
      if (whole) {
        messages = runMessages(
          { close: [], parse: undefined, text: '', statement: this.name!, describe: false },
          this.#values!,
        )
      } else {
        wire.bind({
          portal: self.portal,
          statement: this.name,
          values,
          binary: self.binary,
          valueMapper: prepareValue,
        })
      }
    } catch (error) {
      // As pg does when a value cannot be bound (values are encoded before: encode-params.ts).
      wire.close({ type: 'S', name: this.name! })
      ;(connection as unknown as { sync(): void }).sync()
      this.handleError(error, connection)
      return
    }
    this.#described = true
    self._result.fields = shape.fields
    ;(self._result as { _parsers: unknown })._parsers = shape._parsers
    ;(self._result as { _prebuiltEmptyResultObject: unknown })._prebuiltEmptyResultObject =
      shape._prebuiltEmptyResultObject
    self._accumulateRows = self.callback || !this.listeners('row').length
    if (messages) wire._send(messages)
    else self._getRows(connection, self.rows)
  }

  handleRowDescription(message: object): void {
    base.handleRowDescription.call(this, message)
    this.#described = true
    const result = (this as unknown as PgQueryInternals)._result
    remember(this.#wire, this.name!, {
      fields: result.fields,
      _parsers: result._parsers,
      _prebuiltEmptyResultObject: result._prebuiltEmptyResultObject,
    })
  }

  handleCommandComplete(message: object, connection: pg.Connection): void {
    // No RowDescription before CommandComplete: the Describe answered NoData.
    if (!this.#described) remember(this.#wire, this.name!, NO_ROWS)
    base.handleCommandComplete.call(this, message, connection)
  }

  declare readonly name: string | undefined
  declare readonly text: string | undefined
}

/** Keeps a statement's row shape while its name is among the connection's prepared ones. */
function remember(wire: PgWire | undefined, name: string, shape: RowShape): void {
  const names = wire && prepared.get(wire)
  if (names?.has(name) && names.get(name) === undefined) names.set(name, shape)
}

function keepPrepared(wire: PgWire, name: string, size: number): void {
  let names = prepared.get(wire)
  if (names === undefined) {
    names = new Map()
    prepared.set(wire, names)
  }
  const shape = names.get(name)
  if (names.delete(name)) {
    names.set(name, shape)
    return
  }
  names.set(name, undefined)
  for (const victim of names.keys()) {
    if (names.size <= size) return
    if (victim === name || wire.submittedNamedStatements[victim] !== undefined) continue
    names.delete(victim)
    delete wire.parsedStatements[victim]
    wire.close({ type: 'S', name: victim })
  }
}
