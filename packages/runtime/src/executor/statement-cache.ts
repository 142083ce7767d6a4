import pg from 'pg'

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
  close(message: { type: 'S'; name: string }): void
}

/** The names prepared on each connection, least recently used first. */
const prepared = new WeakMap<object, Set<string>>()

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
 */
export class PreparedQuery extends pg.Query {
  constructor(
    config: pg.QueryConfig & { readonly name: string },
    readonly cacheSize: number,
  ) {
    super(config)
  }

  override submit: (connection: pg.Connection) => void = (connection) => {
    keepPrepared(connection as unknown as PgWire, this.name!, this.cacheSize)
    return pg.Query.prototype.submit.call(this, connection)
  }

  declare readonly name: string | undefined
}

function keepPrepared(wire: PgWire, name: string, size: number): void {
  let names = prepared.get(wire)
  if (names === undefined) {
    names = new Set()
    prepared.set(wire, names)
  }
  if (names.delete(name)) {
    names.add(name)
    return
  }
  names.add(name)
  for (const victim of names) {
    if (names.size <= size) return
    if (victim === name || wire.submittedNamedStatements[victim] !== undefined) continue
    names.delete(victim)
    delete wire.parsedStatements[victim]
    wire.close({ type: 'S', name: victim })
  }
}
