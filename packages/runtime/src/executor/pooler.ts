import type pg from 'pg'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { sqlSkeleton } from './sql-skeleton.ts'

/**
 * The connection pooler between fluentorm and PostgreSQL (`connect({ pooler })`).
 * `'transaction'`: each transaction, and each statement outside one, may run on a different
 * server connection (PgBouncer `pool_mode = transaction`, Supavisor, pgcat, RDS Proxy).
 * `'session'`: one server connection per client connection, for as long as it stays open.
 */
export type PoolerMode = 'transaction' | 'session'

interface SessionFeature {
  /** Matches the feature at the start of a statement (`(?:^|;)`) or as a function call. */
  readonly pattern: RegExp
  readonly name: string
  readonly instead: string
  /** Inside a transaction it leaves nothing behind, unless this also matches. */
  readonly fineInTransaction?: boolean
  /** Inside a transaction, this makes it leave nothing behind. */
  readonly fineInTransactionWith?: RegExp
}

const sessionFeatures: readonly SessionFeature[] = [
  {
    pattern: /(?:^|;)\s*listen\b/i,
    name: 'LISTEN',
    instead:
      "Listen on a second Database opened with the server's own URL (not the pooler's): connect({ url: directUrl })",
  },
  {
    pattern: /\bpg_(?:try_)?advisory_(?:lock|unlock)(?:_shared|_all)?\s*\(/i,
    name: 'a session advisory lock (pg_advisory_lock)',
    instead:
      'Take a transaction-level lock inside transaction(db, async (tx) => …): pg_advisory_xact_lock, released at COMMIT',
  },
  {
    pattern: /(?:^|;)\s*create\s+(?:(?:global|local)\s+)?temp(?:orary)?\s+table\b/i,
    name: 'a temporary table',
    instead: 'Create it inside transaction(db, async (tx) => …) with ON COMMIT DROP',
    fineInTransactionWith: /\bon\s+commit\s+drop\b/i,
  },
  {
    pattern: /(?:^|;)\s*(?:set|reset)\s+(?!local\b|transaction\b|constraints\b)/i,
    name: 'SET (a session setting)',
    instead:
      'Use SET LOCAL inside transaction(db, async (tx) => …), or set it for the role (ALTER ROLE … SET …)',
  },
  {
    pattern: /(?:^|;)\s*prepare\b/i,
    name: 'PREPARE',
    instead: 'Send the statement with its parameters each time (db.query({ text, values }))',
  },
  {
    pattern: /(?:^|;)\s*declare\b[^;]*\bwith\s+hold\b/i,
    name: 'a cursor WITH HOLD',
    instead: 'Declare the cursor without HOLD inside transaction(db, async (tx) => …)',
  },
  {
    pattern: /(?:^|;)\s*(?:begin|start\s+transaction)\b/i,
    name: 'BEGIN outside transaction()',
    instead: 'Run the statements in transaction(db, async (tx) => …)',
    fineInTransaction: true,
  },
]

/**
 * The refusal of a statement that would leave state on a server connection behind a
 * transaction-mode pooler, where other clients get that connection next (and this client's
 * next statement may not); undefined when it leaves nothing. Only asked in
 * `pooler: 'transaction'` mode.
 *
 * @example
 * sessionFeatureError('LISTEN jobs', false, 'query')
 * // FluentOrmError INVALID_USAGE: query failed: LISTEN needs a session of its own, …
 */
export function sessionFeatureError(
  sql: string,
  inTransaction: boolean,
  operation: string,
): FluentOrmError | undefined {
  // A comment in front of SET or LISTEN hides nothing.
  const code = sqlSkeleton(sql)
  for (const feature of sessionFeatures) {
    if (!feature.pattern.test(code)) continue
    if (inTransaction && feature.fineInTransaction) continue
    if (inTransaction && feature.fineInTransactionWith?.test(code)) continue
    return poolerUsageError(
      operation,
      `${feature.name} needs a session of its own`,
      feature.instead,
      sql,
    )
  }
  return undefined
}

/** `session()` behind a transaction-mode pooler: there is no session to give. */
export function sessionRefused(): FluentOrmError {
  return poolerUsageError(
    'session',
    'session() needs one server connection for several statements',
    "Run the statements in transaction(db, async (tx) => …) (advisory locks: pg_advisory_xact_lock; settings: SET LOCAL), or open a second Database with the server's own URL for session work",
  )
}

function poolerUsageError(
  operation: string,
  what: string,
  instead: string,
  sql?: string,
): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    operation,
    reason: `${what}, but with connect({ pooler: 'transaction' }) the pooler runs each transaction, and each statement outside one, on whichever server connection is free: what it leaves on that connection would reach other clients, and your next statement may not see it. ${instead}`,
    sql,
  })
}

/**
 * Whether `client`'s connection goes through a pooler. PostgreSQL's BackendKeyData carries
 * the backend's process id; a pooler (PgBouncer, pgcat, Supavisor) sends a cancel key of its
 * own, since the backend behind it changes. One query, on the first connection of a
 * `connect()` that was not told the pooler.
 */
export async function behindPooler(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  return rows[0]?.pid !== (client as unknown as { processID?: number }).processID
}
