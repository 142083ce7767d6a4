import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FluentOrmError,
  toDriver,
  toFluentError,
} from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'

/** What a model method does around each statement. */
async function insertAs(backend: Backend, model: string, text: string, values: unknown[]) {
  try {
    await toDriver(backend.db).query({ text, values })
  } catch (error) {
    return toFluentError(error, { model, operation: 'insert', sql: text })
  }
  throw new Error(`expected ${text} to fail`)
}

describe.each(BACKENDS)('error mapping on $name', ({ open }) => {
  let backend: Backend
  beforeAll(async () => {
    backend = await open()
    await toDriver(backend.db).exec(`
      CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL UNIQUE, age int CHECK (age >= 0));
      CREATE TABLE posts (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users (id));
      INSERT INTO users VALUES (1, 'a@b.c', 30);`)
  })
  afterAll(() => backend?.close())

  it('maps a unique violation', async () => {
    const error = await insertAs(backend, 'User', 'INSERT INTO users VALUES ($1, $2, $3)', [
      2,
      'a@b.c',
      1,
    ])
    expect(error).toBeInstanceOf(FluentOrmError)
    expect(error).toMatchObject({
      code: '23505',
      kind: 'unique_violation',
      constraint: 'users_email_key',
      table: 'users',
      column: 'email',
      model: 'User',
      operation: 'insert',
      detail: 'Key (email) already exists.',
    })
    expect(error.message).toBe(
      'User.insert failed: duplicate value for unique constraint users_email_key on table users: (email) already exists',
    )
    expect((error.cause as { code?: string }).code).toBe('23505')
  })

  it('maps a foreign key violation', async () => {
    const error = await insertAs(backend, 'Post', 'INSERT INTO posts VALUES ($1, $2)', [1, 99])
    expect(error).toMatchObject({
      code: '23503',
      kind: 'foreign_key_violation',
      constraint: 'posts_user_id_fkey',
      table: 'posts',
      column: 'user_id',
    })
    expect(error.message).toBe(
      'Post.insert failed: foreign key constraint posts_user_id_fkey on table posts violated: (user_id) is not present in table "users"',
    )
  })

  it('maps a not-null violation', async () => {
    const error = await insertAs(backend, 'User', 'INSERT INTO users (id, email) VALUES ($1, $2)', [
      3,
      null,
    ])
    expect(error).toMatchObject({
      code: '23502',
      kind: 'not_null_violation',
      table: 'users',
      column: 'email',
    })
    expect(error.message).toBe(
      'User.insert failed: column users.email is NOT NULL but the value was null; pass a value for email',
    )
  })

  it('tells DDL that makes a column NOT NULL over rows without a value what to do', async () => {
    // users has a row: a new NOT NULL column without a default has no value in it.
    const text = 'ALTER TABLE users ADD COLUMN level int NOT NULL'
    const error = await toDriver(backend.db)
      .exec(text)
      .then(
        () => null,
        (e: unknown) => toFluentError(e, { operation: 'migrate', sql: text }),
      )
    expect(error).toMatchObject({ code: '23502', kind: 'not_null_violation', table: 'users' })
    expect(error!.message).toBe(
      'migrate failed: column users.level cannot be NOT NULL: rows of the table have no value in it. Give the column a DEFAULT, or fill it in (UPDATE users SET level = …) before SET NOT NULL',
    )
  })

  it('maps a check violation', async () => {
    const error = await insertAs(backend, 'User', 'INSERT INTO users VALUES ($1, $2, $3)', [
      4,
      'x@y.z',
      -1,
    ])
    expect(error).toMatchObject({
      code: '23514',
      kind: 'check_violation',
      constraint: 'users_age_check',
      table: 'users',
    })
    expect(error.message).toBe(
      'User.insert failed: check constraint users_age_check on table users rejected the row',
    )
  })

  it('maps an undefined table', async () => {
    const error = await insertAs(backend, 'Comment', 'INSERT INTO comments VALUES ($1)', [1])
    expect(error).toMatchObject({ code: '42P01', kind: 'undefined_table', table: 'comments' })
    expect(error.message).toBe(
      'Comment.insert failed: relation "comments" does not exist; create the table first (Model.createTable(db) or run the migrations)',
    )
  })

  it('maps an undefined column', async () => {
    const error = await insertAs(backend, 'User', 'INSERT INTO users (id, phone) VALUES ($1, $2)', [
      5,
      'x',
    ])
    expect(error).toMatchObject({
      code: '42703',
      kind: 'undefined_column',
      table: 'users',
      column: 'phone',
    })
    expect(error.message).toBe(
      'User.insert failed: column "phone" of relation "users" does not exist; if the schema has this column, the database is behind it: run the pending migrations',
    )
  })

  it('re-tells a driver error from the model method that ran it', async () => {
    const driverError = await toDriver(backend.db)
      .query({ text: 'INSERT INTO users VALUES (1, $1, 1)', values: ['dup@b.c'] })
      .catch((error: unknown) => error)
    expect(driverError).toBeInstanceOf(FluentOrmError)
    expect((driverError as FluentOrmError).message).toMatch(/^query failed: duplicate value/)
    const told = toFluentError(driverError, { model: 'User', operation: 'insert' })
    expect(told.message).toBe(
      'User.insert failed: duplicate value for unique constraint users_pkey on table users: (id) already exists',
    )
    expect(told).toMatchObject({ code: '23505', constraint: 'users_pkey', column: 'id' })
    expect(told.sql).toBe('INSERT INTO users VALUES (1, $1, 1)')
  })
})

describe('toFluentError on errors that did not come from the database', () => {
  it('keeps the message and the cause', () => {
    const cause = new TypeError('bad input')
    const error = toFluentError(cause, { model: 'User', operation: 'update' })
    expect(error).toMatchObject({ kind: 'unknown', code: 'UNKNOWN', cause })
    expect(error.message).toBe('User.update failed: bad input')
  })

  it('names the pool timeout', () => {
    const error = toFluentError(new Error('timeout exceeded when trying to connect'), {
      operation: 'query',
    })
    expect(error).toMatchObject({ kind: 'timeout', code: 'POOL_TIMEOUT' })
    expect(error.message).toMatch(/^query failed: no free connection in the pool/)
  })
})

describe('parameter errors', () => {
  it('refuses an Invalid Date parameter with a clear error', async () => {
    const backend = await BACKENDS[1].open()
    try {
      const thrown = await toDriver(backend.db)
        .query({ text: 'SELECT $1::timestamptz AS at', values: [new Date('not a date')] })
        .catch((error: unknown) => error)
      expect(thrown).toMatchObject({ code: 'INVALID_DATE', kind: 'invalid_input' })
      expect((thrown as Error).message).toBe(
        'query failed: a parameter is an Invalid Date (new Date(…) could not read its input); pass a valid Date or an ISO 8601 string',
      )
    } finally {
      await backend.close()
    }
  })
})
