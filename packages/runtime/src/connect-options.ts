import type { ConnectOptions } from './connect.ts'
import { FluentOrmError } from './errors/fluent-orm-error.ts'

/**
 * The numeric options of `connect()` checked before anything connects: a timeout from an
 * environment variable arrives as a string, and `'x'` would otherwise reach PostgreSQL as
 * `lock_timeout = NaN` and come back as a connection failure. Options are read by own key.
 */
export function checkConnectOptions(options: object): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    invalid('options', options, 'an object')
  }
  // A misspelt option would be no option: `poolr: 'transaction'` ran without pooler mode.
  for (const name of Object.keys(options)) {
    if (!Object.hasOwn(optionNames, name)) unknownOption(name, optionNames)
  }
  for (const name of [
    'statementTimeout',
    'lockTimeout',
    'queryTimeout',
    'keepAliveInitialDelayMillis',
    'statementCacheSize',
  ]) {
    milliseconds(own(options, name), name, 0)
  }
  const pool = own(options, 'pool')
  if (pool !== undefined) {
    if (typeof pool !== 'object' || pool === null) invalid('pool', pool, 'an object')
    for (const name of Object.keys(pool)) {
      if (!Object.hasOwn(poolOptionNames, name))
        unknownOption(`pool.${name}`, poolOptionNames, 'pool.')
    }
    milliseconds(own(pool as object, 'max'), 'pool.max', 1)
    milliseconds(own(pool as object, 'connectionTimeoutMillis'), 'pool.connectionTimeoutMillis', 0)
    milliseconds(own(pool as object, 'idleTimeoutMillis'), 'pool.idleTimeoutMillis', 0)
  }
  const tracing = own(options, 'tracing')
  if (tracing !== undefined && typeof tracing !== 'boolean')
    invalid('tracing', tracing, 'true or false')
  const pipeline = own(options, 'pipeline')
  if (pipeline !== undefined && typeof pipeline !== 'boolean') {
    if (typeof pipeline !== 'object' || pipeline === null) {
      invalid('pipeline', pipeline, 'true, false or { connections }')
    }
    milliseconds(own(pipeline as object, 'connections'), 'pipeline.connections', 1)
  }
}

/** Every option of connect() (a missing or extra name here fails type-checking). */
const optionNames = {
  url: true,
  dataDir: true,
  pool: true,
  statementTimeout: true,
  lockTimeout: true,
  queryTimeout: true,
  keepAlive: true,
  keepAliveInitialDelayMillis: true,
  pipeline: true,
  statementCacheSize: true,
  pooler: true,
  replicas: true,
  maxLag: true,
  replicaCheckInterval: true,
  onQuery: true,
  tracing: true,
} as const satisfies Record<keyof ConnectOptions, true>

const poolOptionNames = {
  max: true,
  connectionTimeoutMillis: true,
  idleTimeoutMillis: true,
} as const satisfies Record<keyof NonNullable<ConnectOptions['pool']>, true>

function unknownOption(name: string, known: object, prefix = ''): never {
  throw new FluentOrmError({
    code: 'INVALID_OPTION',
    kind: 'invalid_usage',
    reason: `connect() has no option ${name}; its options are ${Object.keys(known)
      .map((option) => prefix + option)
      .join(', ')} (docs/CONNECT.md)`,
    operation: 'connect',
  })
}

function own(options: object, name: string): unknown {
  return Object.hasOwn(options, name) ? (options as Record<string, unknown>)[name] : undefined
}

/** A whole number at least `min` (ms, a count), or absent. */
function milliseconds(value: unknown, name: string, min: number): void {
  if (value === undefined) return
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return
  invalid(name, value, `a whole number of at least ${min}`)
}

function invalid(name: string, value: unknown, expected: string): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
  throw new FluentOrmError({
    code: 'INVALID_OPTION',
    kind: 'invalid_usage',
    reason: `the connect() option ${name} must be ${expected}, got ${shown}. Pass a number (e.g. Number(process.env.X)), or leave it out for the default`,
    operation: 'connect',
  })
}
