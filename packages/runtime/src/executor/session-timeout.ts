/**
 * The `statement_timeout` a session set for itself: the client-side deadline of its
 * statements follows it, so a session that raises it (migrate() sets 10 minutes for its DDL)
 * is not cut off by the deadline meant for the connection's startup `statementTimeout`.
 */
interface SessionTimeouts {
  /** `SET statement_timeout`, until RESET. */
  session?: number
  /** `SET LOCAL statement_timeout`, until the transaction ends. */
  local?: number
}

const timeouts = new WeakMap<object, SessionTimeouts>()

/** `SET [LOCAL|SESSION] statement_timeout = 5000 | '5s' | DEFAULT`, `RESET statement_timeout`, `RESET ALL`. */
const setting =
  /\b(set|reset)\s+(?:(local|session)\s+)?(statement_timeout|all)\b(?:\s*(?:=|to)\s*(?:'?\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*'?|default\b))?/gi

const transactionEnd = /^\s*(?:commit|end|abort|rollback(?!\s+to\b))\b/i

const unitMs: Readonly<Record<string, number>> = {
  us: 0.001,
  ms: 1,
  s: 1_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/**
 * A time setting's value in ms (`5000`, `5s`, `1.5min`), as the server reads it; undefined
 * for a form not read here (the server also takes octal `010` and hex `0x10`) or one it refuses.
 */
export function settingMs(value: string): number | undefined {
  const match = /^\s*(0|[1-9]\d*|\d+\.\d*|\.\d+)\s*(us|ms|s|min|h|d)?\s*$/.exec(value)
  if (match === null) return undefined
  return Math.round(Number(match[1]) * unitMs[match[2] ?? 'ms']!)
}

/** Records what a statement that ran on `wire` (pg's connection) did to its statement_timeout. */
export function noteStatementTimeout(wire: object, sql: string): void {
  let known = timeouts.get(wire)
  if (known?.local !== undefined && transactionEnd.test(sql)) known.local = undefined
  if (!/statement_timeout|reset\s+all/i.test(sql)) return
  for (const [, command, scope, name, amount, unit] of sql.matchAll(setting)) {
    if (command!.toLowerCase() === 'set' && name!.toLowerCase() === 'all') continue
    known ??= {}
    timeouts.set(wire, known)
    const ms =
      command!.toLowerCase() === 'reset' || amount === undefined
        ? undefined
        : Number(amount) * (unitMs[(unit ?? 'ms').toLowerCase()] ?? 1)
    if (scope?.toLowerCase() === 'local') known.local = ms
    else known.session = ms
  }
}

/**
 * The deadline (ms, 0: none) of a statement on `wire`: `queryTimeout`, or, where the session
 * set its own statement_timeout, that plus the same margin `queryTimeout` allows over the
 * startup `statementTimeout` (never less than `queryTimeout`).
 */
export function sessionDeadline(
  wire: object,
  queryTimeout: number,
  statementTimeout: number,
): number {
  const known = timeouts.get(wire)
  const own = known?.local ?? known?.session
  if (own === undefined || queryTimeout === 0) return queryTimeout
  if (own === 0) return 0
  return Math.max(queryTimeout, own + queryTimeout - statementTimeout)
}
