import { inspect } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type Executor,
  FluentOrmError,
  setErrorDetail,
  toDriver,
} from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

const { Member, Note, Vault } = modelsOf({
  members: (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'email', unique: true })
    t.string({ name: 'nick', nullable: true })
    t.integer({ name: 'age', nullable: true })
    t.check('members_age_check', 'age >= 0')
  },
  notes: (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'member_id' })
    t.belongsTo({ name: 'member', column: 'member_id', referencesTable: 'members' })
  },
  vaults: (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'owner', unique: true })
    t.string({ name: 'secret', redacted: true, unique: true })
    t.integer({ name: 'level' })
    t.check('vaults_level_check', 'level > 0')
  },
})

/** Every way an error reaches a log: message, fields, toString, JSON, util.inspect (cause too). */
function everything(error: unknown): string {
  const e = error as FluentOrmError
  return [e.message, e.detail, String(e), JSON.stringify(e), inspect(e, { depth: 10 })].join('\n')
}

async function failure(run: () => Promise<unknown>): Promise<FluentOrmError> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(FluentOrmError)
  return error as FluentOrmError
}

/** Row values PostgreSQL reports stay out of errors unless setErrorDetail('full'), and redacted columns always. */
describe.each(BACKENDS)('row values in errors on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  beforeAll(async () => {
    backend = await open()
    db = backend.db
    for (const model of [Member, Note, Vault]) await model.createTable(db)
    await Member.insert(db, { email: 'victim@example.com', nick: 'the-nick', age: 30 })
    await Vault.insert(db, { owner: 'owner-one', secret: 'hunter2-secret', level: 1 })
  })
  afterAll(() => backend?.close())
  afterEach(() => setErrorDetail('safe'))

  it('names constraint, table and columns of a unique violation, no value', async () => {
    const error = await failure(() => Member.insert(db, { email: 'victim@example.com' }))
    expect(error).toMatchObject({
      kind: 'unique_violation',
      constraint: 'members_email_key',
      table: 'members',
      column: 'email',
      detail: 'Key (email) already exists.',
    })
    expect(error.message).toBe(
      'Member.insert failed: duplicate value for unique constraint members_email_key on table members: (email) already exists',
    )
    expect((error.cause as { code: string }).code).toBe('23505')
    expect(everything(error)).not.toContain('victim')
  })

  it('keeps the failing row of check and not-null violations out', async () => {
    const check = await failure(() =>
      Member.insert(db, { email: 'other@example.com', nick: 'secret-nick', age: -1 }),
    )
    expect(check.message).toBe(
      'Member.insert failed: check constraint members_age_check on table members rejected the row',
    )
    expect(check.detail).toBeUndefined()
    const notNull = await failure(() =>
      toDriver(db).query({
        text: 'INSERT INTO members (email, nick) VALUES ($1, $2)',
        values: [null, 'secret-nick'],
      }),
    )
    expect(notNull).toMatchObject({ kind: 'not_null_violation', column: 'email' })
    for (const error of [check, notNull]) {
      expect(everything(error)).not.toMatch(/secret-nick|other@example|Failing row/)
    }
  })

  it('keeps key values of foreign key violations out, both ways', async () => {
    const missing = await failure(() => Note.insert(db, { member_id: 987654 }))
    expect(missing.message).toBe(
      'Note.insert failed: foreign key constraint fk_notes_member on table notes violated: (member_id) is not present in table "members"',
    )
    const member = await Member.query().where('email', 'victim@example.com').first(db)
    await Note.insert(db, { member_id: member.id })
    const referenced = await failure(() => Member.hardDelete(db, member.id))
    expect(referenced.detail).toBe('Key (id) is still referenced from table "notes".')
    for (const error of [missing, referenced]) {
      expect(everything(error)).not.toMatch(/987654|\(id\)=/)
    }
    await toDriver(db).query({ text: 'DELETE FROM notes' })
  })

  it('leaves out the input value PostgreSQL quotes for invalid input', async () => {
    const error = await failure(() =>
      toDriver(db).query({
        text: 'SELECT $1::integer',
        values: ['card-4111111111111111'],
      }),
    )
    expect(error.message).toBe('query failed: invalid input syntax for type integer')
    expect(everything(error)).not.toContain('4111')
  })

  it("shows values with setErrorDetail('full')", async () => {
    setErrorDetail('full')
    const unique = await failure(() => Member.insert(db, { email: 'victim@example.com' }))
    expect(unique.message).toBe(
      'Member.insert failed: duplicate value for unique constraint members_email_key on table members: (email)=(victim@example.com) already exists',
    )
    expect(unique.detail).toBe('Key (email)=(victim@example.com) already exists.')
    const check = await failure(() =>
      Member.insert(db, { email: 'other@example.com', nick: 'shown-nick', age: -1 }),
    )
    expect(check.message).toMatch(/rejected the row \(Failing row contains \(.*shown-nick.*\)\)$/)
  })

  it("never shows a redacted column's value, even with setErrorDetail('full')", async () => {
    setErrorDetail('full')
    const key = await failure(() =>
      Vault.insert(db, { owner: 'owner-two', secret: 'hunter2-secret', level: 1 }),
    )
    expect(key.message).toBe(
      'Vault.insert failed: duplicate value for unique constraint vaults_secret_key on table vaults: (secret) already exists',
    )
    const row = await failure(() =>
      Vault.insert(db, { owner: 'owner-three', secret: 'other-secret', level: 0 }),
    )
    expect(row.message).toBe(
      'Vault.insert failed: check constraint vaults_level_check on table vaults rejected the row',
    )
    for (const error of [key, row]) expect(everything(error)).not.toMatch(/hunter2|other-secret/)
    // A key of the same table's other columns is shown: only redacted columns are withheld.
    const owner = await failure(() =>
      Vault.insert(db, { owner: 'owner-one', secret: 'x-secret', level: 1 }),
    )
    expect(owner.detail).toBe('Key (owner)=(owner-one) already exists.')
  })

  it('refuses an unknown error detail mode', () => {
    expect(() => setErrorDetail('verbose' as never)).toThrow(
      /errorDetail must be 'safe' or 'full', got "verbose"/,
    )
  })
})
