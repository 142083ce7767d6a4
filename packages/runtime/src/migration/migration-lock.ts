import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { Driver } from '../executor/driver.ts'

const POLL_MS = 100

export interface MigrationLockOptions {
  /** How long to wait for another runner's lock, in ms. */
  readonly lockWaitTimeout: number
  /** `lock_timeout` while migrating, in ms (0: none). */
  readonly lockTimeout: number
  /** `statement_timeout` while migrating, in ms (0: none). */
  readonly statementTimeout: number
}

/**
 * Runs `fn` on one connection with the migration timeouts set, while holding fluentorm's
 * advisory lock for the current schema, and leaves nothing behind on that connection.
 *
 * Directly (or behind a session pooler): a *session* lock on a dedicated session, which
 * then runs the DDL, each migration in a transaction of its own. Waiting is done by polling
 * `pg_try_advisory_lock` outside any transaction: a runner blocked inside
 * `pg_advisory_lock` would count as an open transaction and deadlock another runner's
 * `CREATE INDEX CONCURRENTLY`. The lock dies with the session, so a killed runner never
 * leaves it behind; the timeouts are RESET at the end.
 *
 * Behind a transaction pooler (`db.pooler === 'transaction'`) there is no session to hold:
 * the whole run is one transaction, with `SET LOCAL` timeouts and a transaction lock
 * (`pg_try_advisory_xact_lock`), each migration a savepoint inside it. COMMIT (or ROLLBACK)
 * releases everything, so the server connection goes back to the pooler clean.
 */
export function withMigrationLock<T>(
  db: Driver,
  options: MigrationLockOptions,
  fn: (session: Driver) => Promise<T>,
): Promise<T> {
  const set = (command: string) =>
    `${command} lock_timeout = ${Math.trunc(options.lockTimeout)}; ${command} statement_timeout = ${Math.trunc(options.statementTimeout)}`
  if (db.pooler === 'transaction') {
    return db.transaction(async (tx) => {
      await tx.exec(set('SET LOCAL'))
      await acquire(tx, 'pg_try_advisory_xact_lock', options.lockWaitTimeout)
      return fn(tx)
    })
  }
  return db.session(async (session) => {
    await session.exec(set('SET'))
    try {
      const release = await acquire(session, 'pg_try_advisory_lock', options.lockWaitTimeout)
      try {
        return await fn(session)
      } finally {
        await session.query({ text: `SELECT pg_advisory_unlock(${release})` })
      }
    } finally {
      await session.exec('RESET lock_timeout; RESET statement_timeout')
    }
  })
}

/** Polls `tryLock` until it succeeds or `waitMs` pass; returns the lock's arguments. */
async function acquire(db: Driver, tryLock: string, waitMs: number): Promise<string> {
  const key = await db.query<{ schema: string; key: number }>({
    text: `SELECT current_schema() AS schema, hashtext(current_schema()) AS key`,
  })
  const { schema, key: schemaKey } = key.rows[0]!
  const lockArgs = `hashtext('fluentorm_migrations'), ${Number(schemaKey)}`
  const deadline = Date.now() + waitMs
  for (;;) {
    const result = await db.query<{ locked: boolean }>({
      text: `SELECT ${tryLock}(${lockArgs}) AS locked`,
    })
    if (result.rows[0]?.locked) return lockArgs
    if (Date.now() >= deadline) {
      throw new FluentOrmError({
        code: 'MIGRATION_LOCK_TIMEOUT',
        kind: 'lock_timeout',
        operation: 'migrate',
        reason: `another migration run held the migration lock on schema ${schema} for more than ${waitMs} ms. It is still running (a crashed runner releases the lock when its connection closes): wait for it, or raise lockWaitTimeout (--lock-wait on the CLI).`,
      })
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}
