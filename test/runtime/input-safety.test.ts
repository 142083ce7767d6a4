import { FluentOrmError, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

type Row = Record<string, unknown>

/**
 * What the compiler does with input it must not trust: inherited properties, array values
 * for scalar columns, row keys PostgreSQL would mangle, and the soft-delete filter on every
 * path onlyDeleted() and includes take. Each checked against the table as plain SQL reads it.
 */
describe.each(BACKENDS)('input safety on $name', ({ open }) => {
  const { Account, Note, Label, NoteLabel } = modelsOf({
    accounts: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'tenant_id' })
      t.string({ name: 'email' })
      t.string({ name: 'password_hash', updateInput: false, nullable: true })
      t.timestamps()
      t.softDelete()
    },
    notes: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'account_id', nullable: true })
      t.string({ name: 'body' })
      t.softDelete()
      t.belongsTo({ name: 'account', column: 'account_id', referencesTable: 'accounts' })
      t.manyToMany({
        name: 'labels',
        targetTable: 'labels',
        through: 'note_labels',
        throughLocalColumn: 'note_id',
        throughForeignColumn: 'label_id',
      })
    },
    labels: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.string({ name: 'name' })
    },
    note_labels: (t) => {
      t.integer({ name: 'note_id' })
      t.integer({ name: 'label_id' })
      t.primaryKey(['note_id', 'label_id'])
      t.softDelete()
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    for (const model of [Account, Note, Label, NoteLabel]) await model.createTable(db)
  })
  afterAll(() => backend.close())

  const refused = async (run: () => unknown, message: RegExp) => {
    let error: unknown
    try {
      await run()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FluentOrmError)
    expect((error as FluentOrmError).code).toBe('INVALID_USAGE')
    expect((error as FluentOrmError).message).toMatch(message)
  }

  it('writes only own properties, never inherited ones', async () => {
    const inherited = Object.create({ id: 999, created_at: new Date(0), deleted_at: new Date(0) })
    Object.assign(inherited, { tenant_id: 1, email: 'own@example.com' })
    const account = await Account.insert(db, inherited)
    expect(account.id).not.toBe(999)
    expect(account.deleted_at).toBeNull()
    const update = Object.create({ password_hash: 'stolen', tenant_id: 77 })
    update.email = 'changed@example.com'
    await Account.update(db, account.id, update)
    await Account.query().where('id', account.id).update(db, update)
    const [row] = await hand('SELECT tenant_id, email, password_hash FROM accounts WHERE id = $1', [
      account.id,
    ])
    expect(row).toEqual({ tenant_id: 1, email: 'changed@example.com', password_hash: null })
    await Account.hardDelete(db, account.id)
  })

  it('ignores a polluted Object.prototype on every write path', async () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.deleted_at = new Date(0)
    proto.tenant_id = 666
    try {
      const one = await Account.insert(db, { tenant_id: 2, email: 'a@example.com' })
      const many = await Account.insertMany(db, [
        { tenant_id: 2, email: 'b@example.com' },
        { tenant_id: 2, email: 'c@example.com' },
      ])
      await Account.update(db, one.id, { email: 'e@example.com' })
      expect([one, ...many].every((row) => row.deleted_at === null)).toBe(true)
    } finally {
      delete proto.deleted_at
      delete proto.tenant_id
    }
    const rows = await hand('SELECT tenant_id, deleted_at FROM accounts ORDER BY id')
    expect(rows).toEqual(rows.map(() => ({ tenant_id: 2, deleted_at: null })))
    await hand('DELETE FROM accounts')
  })

  it('never turns an array value for a scalar column into extra rows', async () => {
    const before = (await hand('SELECT count(*)::int AS n FROM notes'))[0]!.n
    const error = await Note.insertMany(db, [{ account_id: null, body: ['a', 'b', 'c'] as never }])
      .then(() => null)
      .catch((e: unknown) => e)
    const after = (await hand('SELECT count(*)::int AS n FROM notes'))[0]!.n
    // Bound exactly as insert binds it: stored as that one value, or refused by the server.
    expect(Number(after) - Number(before)).toBe(error ? 0 : 1)
    if (error) expect(error).toBeInstanceOf(FluentOrmError)
    await hand('DELETE FROM notes')
  })

  it('reads safety flags strictly: only true means true', async () => {
    const account = await Account.insert(db, { tenant_id: 9, email: 'flag@example.com' })
    await Account.softDelete(db, account.id)
    await refused(
      () => Account.query().delete(db, { all: 'false' } as never),
      /all must be true or false/,
    )
    await refused(
      () => Account.findAll(db, { withDeleted: 'false' } as never),
      /withDeleted must be true or false/,
    )
    await refused(
      () => Account.count(db, { withDeleted: 1 } as never),
      /withDeleted must be true or false/,
    )
    expect(await Account.findById(db, account.id, { withDeleted: true })).not.toBeNull()
    expect(await Account.findById(db, account.id, { withDeleted: false })).toBeNull()
    const [{ n }] = (await hand('SELECT count(*)::int AS n FROM accounts')) as [{ n: number }]
    expect(n).toBe(1)
    await hand('DELETE FROM accounts')
  })

  it('refuses row keys PostgreSQL would reject, cut or merge', async () => {
    await refused(() => Note.query().select({ '': 'body' }), /non-empty string/)
    await refused(() => Note.query().select({ 'a\0b': 'body' }), /NUL/)
    const long = 'k'.repeat(64)
    await refused(() => Note.query().select({ [long]: 'body' }), /longer than PostgreSQL's 63/)
    await refused(() => Note.query().selectAggregate('count', '*', ''), /non-empty string/)
    const fits = 'k'.repeat(63)
    expect(
      await Note.query()
        .select({ [fits]: 'body' })
        .fetch(db),
    ).toEqual([])
  })

  it("keeps joined tables' soft-delete filter under onlyDeleted()", async () => {
    const live = await Account.insert(db, { tenant_id: 1, email: 'live@example.com' })
    const gone = await Account.insert(db, { tenant_id: 1, email: 'gone@example.com' })
    await Account.softDelete(db, gone.id)
    for (const account of [live, gone]) {
      const note = await Note.insert(db, { account_id: account.id, body: `of ${account.email}` })
      await Note.softDelete(db, note.id)
    }
    const rows = await Note.query()
      .onlyDeleted()
      .join(Account, 'accounts.id', 'account_id')
      .select('body')
      .fetch(db)
    expect(rows).toEqual(
      await hand(`SELECT n.body FROM notes n JOIN accounts a ON a.id = n.account_id
        AND a.deleted_at IS NULL WHERE n.deleted_at IS NOT NULL`),
    )
    expect(rows).toEqual([{ body: 'of live@example.com' }])
    await hand('DELETE FROM notes')
    await hand('DELETE FROM accounts')
  })

  it('leaves soft-deleted junction rows out of a manyToMany include', async () => {
    const account = await Account.insert(db, { tenant_id: 1, email: 'x@example.com' })
    const note = await Note.insert(db, { account_id: account.id, body: 'tagged' })
    const [red, blue] = await Label.insertMany(db, [{ name: 'red' }, { name: 'blue' }])
    await NoteLabel.insertMany(db, [
      { note_id: note.id, label_id: red.id },
      { note_id: note.id, label_id: blue.id },
    ])
    await NoteLabel.softDelete(db, { note_id: note.id, label_id: blue.id })
    const [loaded] = await Note.query()
      .include('labels', (q: any) => q.select('name').orderBy('name'))
      .fetch(db)
    const expected = await hand(
      `SELECT l.name FROM labels l JOIN note_labels nl ON nl.label_id = l.id
       WHERE nl.note_id = $1 AND nl.deleted_at IS NULL ORDER BY l.name`,
      [note.id],
    )
    expect(loaded.labels).toEqual(expected)
    expect(loaded.labels).toEqual([{ name: 'red' }])
  })
})
