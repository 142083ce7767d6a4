import { AsyncLocalStorage } from 'node:async_hooks'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'

/** A transaction whose callback is running: the connection it holds, and whether it is still open. */
interface OpenTransaction {
  readonly connection: object
  open: boolean
  readonly outer: OpenTransaction | undefined
}

const current = new AsyncLocalStorage<OpenTransaction>()

/**
 * Runs a transaction's body with the knowledge, in every async call it makes, that it holds
 * `connection` (a PGlite instance): a statement sent to that connection from inside, not
 * through `tx`, can then be refused instead of waiting for the transaction it is part of.
 */
export async function holdingConnection<T>(connection: object, body: () => Promise<T>): Promise<T> {
  const scope: OpenTransaction = { connection, open: true, outer: current.getStore() }
  try {
    return await current.run(scope, body)
  } finally {
    // Work the callback started but did not await, run after the end, is not refused.
    scope.open = false
  }
}

/**
 * Refuses a statement sent on `connection` by code running inside a transaction that holds
 * it: on a single connection that waits for the transaction to end, which waits for the
 * statement, forever. Returns undefined when the statement may go.
 */
export function refuseInsideOwnTransaction(
  connection: object,
  operation: string,
  sql?: string,
): FluentOrmError | undefined {
  for (let scope = current.getStore(); scope !== undefined; scope = scope.outer) {
    if (scope.connection === connection && scope.open) {
      return new FluentOrmError({
        code: 'DB_INSIDE_TRANSACTION',
        kind: 'invalid_usage',
        reason:
          'db was used inside its own transaction(db, async (tx) => …) callback. PGlite runs one statement at a time and holds every statement not sent through tx until the transaction ends, so this one would wait forever. Pass tx to every query inside the callback (and transaction(tx, …) for a savepoint)',
        operation,
        sql,
      })
    }
  }
  return undefined
}
