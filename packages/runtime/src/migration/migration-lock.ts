import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { Driver } from '../executor/driver.ts'

const POLL_MS = 100

/**
 * Runs `fn` while holding fluentorm's advisory lock for the current schema, as a *session*
 * lock on `session`, the connection that then runs the DDL. Waiting is done by polling
 * `pg_try_advisory_lock` outside any transaction: a runner blocked inside
 * `pg_advisory_lock` would count as an open transaction and deadlock another runner's
 * `CREATE INDEX CONCURRENTLY`. The lock dies with the session, so a killed runner never
 * leaves it behind.
 */
export async function withMigrationLock<T>(
  session: Driver,
  waitMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const key = await session.query<{ schema: string; key: number }>({
    text: `SELECT current_schema() AS schema, hashtext(current_schema()) AS key`,
  })
  const { schema, key: schemaKey } = key.rows[0]!
  const lockArgs = `hashtext('fluentorm_migrations'), ${Number(schemaKey)}`
  const deadline = Date.now() + waitMs
  for (;;) {
    const result = await session.query<{ locked: boolean }>({
      text: `SELECT pg_try_advisory_lock(${lockArgs}) AS locked`,
    })
    if (result.rows[0]?.locked) break
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
  try {
    return await fn()
  } finally {
    await session.query({ text: `SELECT pg_advisory_unlock(${lockArgs})` })
  }
}
