import type { PGliteInterface } from '@electric-sql/pglite'
import pg from 'pg'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { type Driver, driverBrand, type Executor } from './driver.ts'
import { PgClientDriver } from './pg-client-driver.ts'
import { PgPoolDriver } from './pg-pool-driver.ts'
import { PgliteDriver } from './pglite-driver.ts'

const drivers = new WeakMap<object, Driver>()

/**
 * The Driver for whatever a model method was given: a pg.Pool, a pg.Client or PoolClient,
 * a PGlite instance, or a Driver (the Database from `connect()`, a transaction). Built once
 * per executor object and cached, so repeated calls do no detection work.
 *
 * @example
 * const driver = toDriver(new pg.Pool({ connectionString }))
 * await driver.query({ text: 'SELECT id FROM users WHERE email = $1', values: [email] })
 */
export function toDriver(executor: Executor): Driver {
  if ((executor as { [driverBrand]?: unknown })[driverBrand] === true) return executor as Driver
  let driver = drivers.get(executor)
  if (driver === undefined) {
    driver = detect(executor)
    drivers.set(executor, driver)
  }
  return driver
}

function detect(executor: unknown): Driver {
  if (isPgPool(executor)) return new PgPoolDriver(executor)
  if (isPgClient(executor)) return new PgClientDriver(executor)
  if (isPglite(executor)) return new PgliteDriver(executor)
  throw new FluentOrmError({
    code: 'INVALID_EXECUTOR',
    kind: 'invalid_executor',
    reason: `expected a pg.Pool, pg.Client, PGlite instance, transaction or the Database from connect() as the first argument, got ${describe(executor)}`,
    operation: 'toDriver',
  })
}

// instanceof first; the shape checks cover a pg installed twice (the application's own copy).
function isPgPool(value: unknown): value is pg.Pool {
  return (
    value instanceof pg.Pool ||
    (isObject(value) &&
      'idleCount' in value &&
      'waitingCount' in value &&
      hasMethods(value, 'connect', 'query'))
  )
}

function isPgClient(value: unknown): value is pg.ClientBase {
  return (
    value instanceof pg.Client ||
    (isObject(value) && 'connectionParameters' in value && hasMethods(value, 'connect', 'query'))
  )
}

function isPglite(value: unknown): value is PGliteInterface {
  return isObject(value) && hasMethods(value, 'query', 'exec', 'transaction', 'describeQuery')
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function hasMethods(value: Record<string, unknown>, ...names: string[]): boolean {
  return names.every((name) => typeof value[name] === 'function')
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (isObject(value)) return value.constructor?.name ? `a ${value.constructor.name}` : 'an object'
  return `a ${typeof value}`
}
