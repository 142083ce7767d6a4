import { AsyncLocalStorage } from 'node:async_hooks'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'

/**
 * How long a statement sent on a PGlite from inside its own open transaction waits for that
 * transaction to end before it is refused. Work the callback starts without awaiting (or a
 * LISTEN handler PGlite calls during COMMIT) runs as soon as the transaction ends; a statement
 * the callback awaits never would, so past this wait it fails instead of hanging forever.
 */
export const ownTransactionWaitMs = 2_000

/** A transaction whose callback is running: the connection it holds, and when it ends. */
interface OpenTransaction {
  readonly connection: object
  open: boolean
  readonly ended: Promise<void>
  readonly outer: OpenTransaction | undefined
}

const current = new AsyncLocalStorage<OpenTransaction>()

/**
 * Runs a transaction's body with the knowledge, in every async call it makes, that it holds
 * `connection` (a PGlite instance): a statement sent to that connection from inside, not
 * through `tx`, then waits for the end of the transaction itself (see `afterOwnTransaction`).
 */
export async function holdingConnection<T>(connection: object, body: () => Promise<T>): Promise<T> {
  let end!: () => void
  const ended = new Promise<void>((resolve) => {
    end = resolve
  })
  const scope: OpenTransaction = { connection, open: true, ended, outer: current.getStore() }
  try {
    return await current.run(scope, body)
  } finally {
    scope.open = false
    end()
  }
}

/**
 * Sends a statement on `connection` (`send`) at once; from code running inside an open
 * transaction that holds `connection`, only once that transaction has ended, or fails it with
 * DB_INSIDE_TRANSACTION when the end does not come within `ownTransactionWaitMs`.
 */
export function outsideOwnTransaction<T>(
  connection: object,
  operation: string,
  sql: string | undefined,
  send: () => Promise<T>,
): Promise<T> {
  const open = ownOpenTransaction(connection)
  return open === undefined ? send() : afterOwnTransaction(open, operation, sql).then(send)
}

/**
 * The open transaction holding `connection` that the calling code runs inside, if any.
 * Synchronous, so the common path (no transaction) costs one lookup.
 */
function ownOpenTransaction(connection: object): OpenTransaction | undefined {
  for (let scope = current.getStore(); scope !== undefined; scope = scope.outer) {
    if (scope.connection === connection && scope.open) return scope
  }
  return undefined
}

/**
 * Resolves when `transaction` has ended, so the statement can go; rejects with
 * DB_INSIDE_TRANSACTION when it has not ended within `ownTransactionWaitMs`: the transaction
 * is then, almost surely, waiting for this very statement.
 */
function afterOwnTransaction(
  transaction: OpenTransaction,
  operation: string,
  sql?: string,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const refused = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(insideOwnTransaction(operation, sql)), ownTransactionWaitMs)
  })
  return Promise.race([transaction.ended, refused]).finally(() => clearTimeout(timer))
}

function insideOwnTransaction(operation: string, sql: string | undefined): FluentOrmError {
  return new FluentOrmError({
    code: 'DB_INSIDE_TRANSACTION',
    kind: 'invalid_usage',
    reason: `db was used inside its own transaction(db, async (tx) => …) callback and waited ${ownTransactionWaitMs / 1000} s for that transaction to end. PGlite runs one statement at a time and holds every statement not sent through tx until the transaction ends, which waits for the callback. Pass tx to every query inside the callback (and transaction(tx, …) for a savepoint)`,
    operation,
    sql,
  })
}
