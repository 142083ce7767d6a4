import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { Executor, TransactionOptions } from './driver.ts'
import { toDriver } from './to-driver.ts'
import { type Transaction, TransactionDriver } from './transaction-driver.ts'

export interface TransactionRunOptions extends TransactionOptions {
  /**
   * Run the whole callback again when PostgreSQL aborts it with a serialization failure
   * (40001) or a deadlock (40P01), up to `attempts` runs in all, with a short random
   * back-off. Only for callbacks that are safe to repeat (no e-mails sent from inside).
   */
  readonly retry?: { readonly attempts: number }
}

/**
 * Runs `fn` in a transaction: COMMIT when it resolves, ROLLBACK when it throws, and the
 * error `fn` threw is rethrown as it was. Called with a transaction, it nests as a savepoint.
 *
 * @example
 * await transaction(db, async (tx) => {
 *   const user = await User.insert(tx, { email, name })
 *   await Post.insert(tx, { title, user_id: user.id })
 * }, { isolationLevel: 'serializable' })
 * // BEGIN ISOLATION LEVEL SERIALIZABLE; INSERT …; INSERT …; COMMIT
 */
export async function transaction<T>(
  db: Executor,
  fn: (tx: Transaction) => Promise<T>,
  options: TransactionRunOptions = {},
): Promise<T> {
  checkTransactionOptions(options)
  const { retry, ...modes } = options
  const driver = toDriver(db)
  // A savepoint cannot be retried alone: the serialization failure dooms the outer transaction.
  const attempts = driver instanceof TransactionDriver ? 1 : retryAttempts(retry)
  for (let attempt = 1; ; attempt++) {
    try {
      return await driver.transaction(fn, modes)
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error
      await backOff(attempt)
    }
  }
}

const optionNames = ['isolationLevel', 'readOnly', 'retry']

/** A misspelt option would be no option: `{ isolationlevel: 'serializable' }` ran at READ COMMITTED. */
function checkTransactionOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw usageError(
      `the options of transaction must be an object, got ${Array.isArray(options) ? 'an array' : String(options)}; pass e.g. { isolationLevel: 'serializable' }`,
    )
  }
  for (const name of Object.keys(options)) {
    if (!optionNames.includes(name)) {
      throw usageError(
        `transaction has no option ${JSON.stringify(name)}; its options are ${optionNames.join(', ')} (docs/TRANSACTIONS.md)`,
      )
    }
  }
}

function usageError(reason: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    operation: 'transaction',
    reason,
  })
}

/** `retry.attempts`: a whole number of at least 1 (a string would never stop the retries). */
function retryAttempts(retry: TransactionRunOptions['retry']): number {
  if (retry === undefined) return 1
  const attempts = typeof retry === 'object' && retry !== null ? retry.attempts : undefined
  if (typeof attempts === 'number' && Number.isSafeInteger(attempts) && attempts >= 1) {
    return attempts
  }
  throw new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    operation: 'transaction',
    reason: `retry.attempts must be a whole number of at least 1 (runs in all), got ${typeof attempts === 'string' ? JSON.stringify(attempts) : String(attempts)}; pass e.g. { retry: { attempts: 3 } }`,
  })
}

function isRetryable(error: unknown): boolean {
  return (
    error instanceof FluentOrmError &&
    (error.kind === 'serialization_failure' || error.kind === 'deadlock')
  )
}

/** Random back-off, growing per attempt, so the retried transactions do not collide again. */
function backOff(attempt: number): Promise<void> {
  const millis = Math.random() * 20 * 2 ** attempt
  return new Promise((resolve) => setTimeout(resolve, millis))
}
