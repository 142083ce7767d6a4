import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { toFluentError } from '../errors/to-fluent-error.ts'
import type { CopyTarget, Driver, QueryConfig, QueryResult, TransactionOptions } from './driver.ts'

/**
 * What `connect({ onQuery })` is told after each statement. The values themselves are never
 * passed (they may be passwords or tokens): only how many there were.
 */
export interface QueryLogEntry {
  /** The SQL text, with `$1`-style placeholders; for `copyFrom`, `COPY table (columns) FROM STDIN`. */
  readonly text: string
  /** How many parameters were bound. */
  readonly values: number
  /** From the call to the answer (or the failure), in milliseconds. */
  readonly durationMs: number
  /** The rows returned or affected (rowCount); 0 for `exec`, the rows loaded for `copyFrom`. */
  readonly rows: number
  /** Set when the statement failed: the error the caller gets. */
  readonly error?: FluentOrmError
  /** The prepared statement's name, when it ran as one (pg). */
  readonly name?: string
}

export type QueryLogger = (entry: QueryLogEntry) => void

/**
 * `db` with every statement reported to `onQuery`: its queries, `exec`, `copyFrom`, and those
 * of its transactions (savepoints too) and sessions. Built once per Database, and only when
 * `onQuery` is set, so a Database without it runs exactly the code it did before. The wrapper
 * inherits from `db` (so `instanceof`, `pool`, `kind` and the rest read through), and
 * overrides the statement methods, which delegate to `db` itself.
 */
export function logQueries<D extends Driver>(db: D, onQuery: QueryLogger): D {
  let warned = false
  const report = (entry: QueryLogEntry) => {
    try {
      const returned: unknown = onQuery(entry)
      if (isThenable(returned)) returned.then(undefined, warn)
    } catch (error) {
      warn(error)
    }
  }
  // A failing logger must never break the statement it reports: one warning, not one per query.
  const warn = (error: unknown) => {
    if (warned) return
    warned = true
    process.emitWarning(
      `the connect() option onQuery threw (${error instanceof Error ? error.message : String(error)}); the statement itself ran as usual. Later failures of onQuery are not reported again.`,
      { code: 'FLUENTORM_ON_QUERY' },
    )
  }
  // One promise reaction, no async frame and no spread: every statement of the Database
  // passes through here (1.5-2 µs per statement as an async function building its entry
  // by spread, 0.3 µs so, on a driver answering from memory).
  const timed = <T>(
    text: string,
    values: number,
    name: string | undefined,
    run: () => Promise<T>,
    rows: (result: T) => number,
  ): Promise<T> => {
    const start = performance.now()
    let running: Promise<T>
    try {
      running = run()
    } catch (error) {
      running = Promise.reject(error)
    }
    return running.then(
      (result) => {
        const durationMs = performance.now() - start
        const count = rows(result)
        report(
          name === undefined
            ? { text, values, durationMs, rows: count }
            : { text, values, durationMs, rows: count, name },
        )
        return result
      },
      (error: unknown) => {
        const durationMs = performance.now() - start
        const failure =
          error instanceof FluentOrmError
            ? error
            : toFluentError(error, { operation: 'query', sql: text })
        report(
          name === undefined
            ? { text, values, durationMs, rows: 0, error: failure }
            : { text, values, durationMs, rows: 0, error: failure, name },
        )
        throw error
      },
    )
  }
  const wrap = <W extends Driver>(driver: W): W => {
    const logged: W = Object.create(driver, {
      query: {
        value: <R>(config: QueryConfig) =>
          timed(
            config.text,
            config.values?.length ?? 0,
            config.name,
            () => driver.query<R>(config),
            (result: QueryResult<R>) => result.rowCount,
          ),
      },
      exec: {
        value: (sql: string) =>
          timed(
            sql,
            0,
            undefined,
            () => driver.exec(sql),
            () => 0,
          ),
      },
      copyFrom: {
        value: (target: CopyTarget, rows: readonly (readonly unknown[])[]) => {
          const copy = driver.copyFrom
          if (copy === undefined) throw new TypeError('this Driver has no copyFrom')
          return timed(
            `COPY ${target.table} (${target.columns.join(', ')}) FROM STDIN`,
            0,
            undefined,
            () => copy.call(driver, target, rows),
            (loaded: number) => loaded,
          )
        },
      },
      transaction: {
        value: <T>(fn: (tx: Driver) => Promise<T>, options?: TransactionOptions) =>
          driver.transaction((tx) => fn(wrap(tx)), options),
      },
      session: {
        value: <T>(fn: (session: Driver) => Promise<T>) =>
          driver.session((session) => fn(session === driver ? logged : wrap(session))),
      },
      pooler: { get: () => driver.pooler },
    })
    return logged
  }
  const self = wrap(db)
  // The Database's own members that read private state: asked of `db`, not of the wrapper.
  const members = db as unknown as Record<string, unknown>
  const primary = members.primary as Driver | undefined
  const loggedPrimary = primary === undefined || primary === db ? self : wrap(primary)
  Object.defineProperties(self, {
    primary: { get: () => loggedPrimary },
    ...('close' in db
      ? { close: { value: () => (members.close as () => Promise<void>).call(db) } }
      : {}),
    ...('replicas' in db ? { replicas: { get: () => members.replicas } } : {}),
    ...('pool' in db ? { pool: { get: () => members.pool } } : {}),
  })
  return self
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}
