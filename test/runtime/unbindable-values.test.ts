import { copyRows, FluentOrmError, sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

type Row = Record<string, unknown>

/**
 * Values no column can hold as given, found by the fuzz test (test/runtime/fuzz): each is
 * refused with a FluentOrmError before anything is stored, and the connection answers the
 * next statement.
 */
describe.each(BACKENDS)('unbindable values on $name', ({ open }) => {
  const { Note } = modelsOf({
    notes: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.string({ name: 'body', nullable: true })
      t.string({ name: 'labels', array: true, nullable: true })
      t.integer({ name: 'scores', array: true, nullable: true })
      t.jsonb({ name: 'meta', nullable: true })
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows
  const count = async () => Number((await hand('SELECT count(*)::int AS n FROM notes'))[0]!.n)

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Note.createTable(db)
  })
  afterAll(() => backend?.close())

  /** Refused with a FluentOrmError, nothing stored, and the next statement runs. */
  async function refused(run: () => Promise<unknown>, message: RegExp) {
    const before = await count()
    const error = await run().then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(FluentOrmError)
    expect((error as FluentOrmError).message).toMatch(message)
    expect(await hand('SELECT 1 AS one')).toEqual([{ one: 1 }])
    expect(await count()).toBe(before)
  }

  it('refuses a string with a lone surrogate, which UTF-8 would store as U+FFFD', async () => {
    const lone = 'a\ud800b'
    await refused(() => Note.insert(db, { body: lone }), /lone surrogate/)
    await refused(() => Note.insertMany(db, [{ body: lone }, { body: 'x' }]), /lone surrogate/)
    await refused(() => Note.insert(db, { labels: ['ok', lone] }), /lone surrogate/)
    await refused(() => copyRows(db, Note, [{ body: lone }]), /lone surrogate/)
    await refused(() => Note.query().where('body', lone).fetch(db), /lone surrogate/)
    await refused(() => sql`SELECT ${lone}::text AS x`.fetch(db), /lone surrogate/)
    // A pair is one character and is stored as it is.
    const [row] = await Note.insertMany(db, [{ body: '🎉' }])
    expect((await hand('SELECT body FROM notes WHERE id = $1', [row.id]))[0]!.body).toBe('🎉')
  })

  it('refuses a function or a symbol, which pg would send as its source text', async () => {
    await refused(() => Note.insert(db, { body: () => 'x' }), /a function/)
    await refused(() => Note.update(db, 1, { body: Symbol('s') }), /a symbol/)
    await refused(() => Note.insert(db, { labels: [() => 1] }), /a function/)
    await refused(() => copyRows(db, Note, [{ body: Symbol('s') }]), /a symbol/)
    // Inside a json value JSON's own rules apply, on every path: a function in an array is null.
    await copyRows(db, Note, [{ meta: [() => 1] }])
    await Note.insert(db, { meta: [() => 1] })
    expect(await hand('SELECT meta::text AS m FROM notes WHERE meta IS NOT NULL')).toEqual([
      { m: '[null]' },
      { m: '[null]' },
    ])
    await hand('DELETE FROM notes')
    await refused(
      () =>
        Note.query()
          .where('body', () => 1)
          .fetch(db),
      /a function/,
    )
    // insertMany's unnest arrays wrote a function as the text 'undefined'.
    await refused(() => Note.insertMany(db, [{ body: () => 1 }, { body: 'x' }]), /a function/)
    await refused(() => Note.insertMany(db, [{ body: Symbol('s') }]), /a symbol/)
  })

  it('refuses a value its parameter type cannot take without breaking the connection', async () => {
    // PGlite's serializers threw half-way through the Bind message: the next statements on
    // the instance failed with "invalid message format".
    await refused(() => Note.insert(db, { scores: true }), /failed/)
    await refused(() => Note.insert(db, { labels: 7 }), /failed/)
    await refused(() => Note.insert(db, { meta: [1, 2n] }), /failed/)
    await refused(() => Note.query().where('scores', false).fetch(db), /failed/)
  })

  it('refuses an option String() throws on with a FluentOrmError', async () => {
    const bare = Object.create(null)
    await refused(
      () => Note.findAll(db, { withDeleted: bare }),
      /withDeleted must be true or false, got an object without a text form/,
    )
    await refused(() => Note.insert(db, { body: 'x' }, { onConflict: bare }), /unknown onConflict/)
    await refused(() => Note.upsert(db, { body: 'x' }, { conflict: [bare] }), /unknown column/)
    await refused(() => copyRows(db, Note, [{ body: 'x' }], { identity: bare }), /identity must be/)
  })

  it('stores a number or bigint in a json column as its digits, on both backends', async () => {
    // PGlite's own serializer wrote a bigint as a JSON string and NaN as JSON null.
    const row = await Note.insert(db, { meta: 2n ** 63n })
    expect((await hand('SELECT meta::text AS m FROM notes WHERE id = $1', [row.id]))[0]!.m).toBe(
      '9223372036854775808',
    )
    await refused(() => Note.insert(db, { meta: Number.NaN }), /failed/)
    await refused(() => Note.insert(db, { meta: Number.POSITIVE_INFINITY }), /failed/)
    await hand('DELETE FROM notes')
  })

  it('tells what a JSON value throws while it is bound as a FluentOrmError', async () => {
    await refused(() => Note.update(db, 1, { meta: { n: 2n } }), /holds a bigint/)
    await refused(() => copyRows(db, Note, [{ meta: [1n] }]), /holds a bigint/)
    // insertMany did not check: PGlite stored { a: 1n } as { "a": "1" }, and nesting past 1,000.
    await refused(() => Note.insertMany(db, [{ meta: { a: 1n } }, {}]), /holds a bigint/)
    let deep: unknown = 1
    for (let i = 0; i < 1_001; i++) deep = [deep]
    await refused(() => Note.insertMany(db, [{ meta: deep }]), /nested more than 1000/)
    const exploding = [
      {
        toJSON() {
          throw new Error('toJSON exploded')
        },
      },
    ]
    await refused(() => Note.insert(db, { meta: exploding }), /toJSON exploded/)
    await refused(() => copyRows(db, Note, [{ meta: exploding }]), /toJSON exploded/)
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error('trap exploded')
        },
      },
    )
    await refused(() => Note.insert(db, { meta: trap }), /could not be read: trap exploded/)
    await refused(
      () => Note.query().update(db, { meta: { a: trap } }, { all: true }),
      /trap exploded/,
    )
  })
})
