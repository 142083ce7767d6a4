import { sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/**
 * `redacted: true` (issue 13, item 4): left out of every row unless selected by name, and not
 * nameable as a string where a request-chosen name could probe it; required belongsTo
 * includes (issue 12, item 9).
 */
describe.each(BACKENDS)('redacted columns on $name', ({ open }) => {
  const { Account, Session } = modelsOf({
    accounts: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.string({ name: 'email', unique: true })
      t.string({ name: 'password_hash', redacted: true })
      t.string({ name: 'token', redacted: true, nullable: true })
      t.hasMany({ name: 'sessions', foreignTable: 'sessions', foreignColumn: 'account_id' })
    },
    sessions: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'account_id' })
      t.string({ name: 'label' })
      t.belongsTo({ name: 'account', column: 'account_id', referencesTable: 'accounts' })
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows
  let ann: Row

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Account.createTable(db)
    await Session.createTable(db)
    ann = await Account.insert(db, {
      email: 'ann@example.com',
      password_hash: 'h:ann',
      token: 't1',
    })
    await Account.insert(db, { email: 'bob@example.com', password_hash: 'h:bob' })
    await Session.insertMany(db, [
      { account_id: ann.id, label: 'laptop' },
      { account_id: ann.id, label: 'phone' },
    ])
  })
  afterAll(() => backend.close())

  it('leaves redacted columns out of every row that does not select them', async () => {
    const shown = { id: ann.id, email: 'ann@example.com' }
    expect(ann).toEqual(shown)
    expect(await Account.findById(db, ann.id)).toEqual(shown)
    expect((await Account.findAll(db))[0]).toEqual(shown)
    expect(await Account.update(db, ann.id, { email: 'ann@example.com' })).toEqual(shown)
    expect(await Account.upsert(db, { email: 'ann@example.com', password_hash: 'h:ann' })).toEqual(
      shown,
    )
    const upserted = await Account.upsertMany(
      db,
      [{ email: 'ann@example.com', password_hash: 'x' }],
      { update: [] },
    )
    expect(upserted).toEqual([shown])
    const [session] = await Session.query().include('account').orderBy('id').fetch(db)
    expect(session!.account).toEqual(shown)
    const [withSessions] = await Account.query()
      .where('id', ann.id)
      .include('sessions', (q: any) => q.orderBy('id'))
      .fetch(db)
    expect(Object.keys(withSessions!)).toEqual(['id', 'email', 'sessions'])
    const unioned = await Account.query().union(Account.query()).orderBy('id').fetch(db)
    expect(unioned.map((row: Row) => Object.keys(row))).toEqual([
      ['id', 'email'],
      ['id', 'email'],
    ])
    // The values are stored all the same.
    expect(await hand('SELECT email, password_hash FROM accounts ORDER BY id')).toEqual([
      { email: 'ann@example.com', password_hash: 'h:ann' },
      { email: 'bob@example.com', password_hash: 'h:bob' },
    ])
  })

  it('reads a redacted column selected by name, in includes too', async () => {
    const login = await Account.query()
      .select('id', 'password_hash')
      .where('email', 'ann@example.com')
      .first(db)
    expect(login).toEqual({ id: ann.id, password_hash: 'h:ann' })
    expect(await Account.query().orderBy('id').pluck(db, 'token')).toEqual(['t1', null])
    const [session] = await Session.query()
      .include('account', (q: any) => q.select('email', 'token'))
      .orderBy('id')
      .fetch(db)
    expect(session!.account).toEqual({ email: 'ann@example.com', token: 't1' })
  })

  it('refuses a redacted column named as a string in conditions, order, grouping and aggregates', async () => {
    // The attack: a filter field from a request probing a secret one character at a time.
    const field = 'password_hash' as string
    const probes: (() => unknown)[] = [
      () => Account.query().where(field, 'like', 'h:a%').exists(db),
      () => Account.query().where(field, 'startsWith', 'h:').exists(db),
      () => Account.query().whereIn(field, ['h:ann']),
      () => Account.query().whereNull(field),
      () => Account.query().orderBy(field),
      () => Account.query().select('email').groupBy(field),
      () => Account.query().max(db, field),
      () => Account.query().whereColumn(field, '=', 'email'),
      () =>
        Session.query().join(Account, 'accounts.id', 'account_id').where('accounts.token', 't1'),
      () => Session.query().withMax('account', 'token' as never),
      () => Session.query().whereHas('account', (q: any) => q.where('token', 't1')),
      () => Account.query().orderBy(field).cursorPaginate(db, { perPage: 1 }),
    ]
    for (const probe of probes) await expectRefused(probe, /is redacted/)
  })

  it('lets code opt in: allowRedacted(), or Model.column()', async () => {
    const byToken = await Account.query().allowRedacted().where('token', 't1').fetch(db)
    expect(byToken.map((row: Row) => row.email)).toEqual(['ann@example.com'])
    const byRef = await Account.query()
      .where(Account.column('token'), '=', 't1')
      .orderBy(sql`length(${Account.column('password_hash')})`)
      .fetch(db)
    expect(byRef.map((row: Row) => row.email)).toEqual(['ann@example.com'])
  })

  it('gives a required belongsTo always, and refuses an include that would filter it away', async () => {
    const sessions = await Session.query().include('account').orderBy('id').fetch(db)
    expect(sessions.every((row: any) => row.account !== null)).toBe(true)
    await expectRefused(
      () => Session.query().include('account', (q: any) => q.where('email', 'x')),
      /always has its row/,
    )
    // Selecting, or ordering, does not filter.
    const [first] = await Session.query()
      .include('account', (q: any) => q.select('email'))
      .orderBy('id')
      .fetch(db)
    expect(first!.account).toEqual({ email: 'ann@example.com' })
  })
})
