import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  copyRows,
  type Executor,
  FluentOrmError,
  toDriver,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { expectRefused } from '../support/usage-error.ts'

const { Doc } = modelsOf({
  docs: (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'slug', unique: true })
    t.jsonb({ name: 'body', nullable: true })
    t.timestamptz({ name: 'due', nullable: true })
  },
})

/** Nested `depth` levels: [[[…]]]. */
function nested(depth: number): unknown {
  let value: unknown = []
  for (let i = 1; i < depth; i++) value = [value]
  return value
}

async function failure(run: () => unknown): Promise<FluentOrmError> {
  const error = await Promise.resolve()
    .then(run)
    .then(
      () => null,
      (e: unknown) => e,
    )
  expect(error).toBeInstanceOf(FluentOrmError)
  return error as FluentOrmError
}

/** Bad arguments are FluentOrmErrors that say what to pass, before any SQL is sent. */
describe.each(BACKENDS)('argument errors on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  const count = async () =>
    Number(
      (await toDriver(db).query<{ n: number }>({ text: 'SELECT count(*)::int AS n FROM docs' }))
        .rows[0]!.n,
    )
  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Doc.createTable(db)
  })
  afterAll(() => backend?.close())

  it('names the conflict option and the rows argument', async () => {
    await expectRefused(
      () => Doc.upsert(db, { slug: 'a' }, { conflict: 'slug' as never }),
      /conflict must be an array of column names, got "slug".*\{ conflict: \['slug'\] \}/,
    )
    await expectRefused(
      () => Doc.insertMany(db, { slug: 'a' } as never),
      /expected an array of rows.*Pass insertMany\(db, \[row, …\]\)/,
    )
  })

  it('takes only the four isolation levels, by own key, and a boolean readOnly', async () => {
    for (const level of ['constructor', 'toString', '__proto__', 'SERIALIZABLE; DROP TABLE docs']) {
      await expectRefused(
        () => transaction(db, async () => 1, { isolationLevel: level as never }),
        /unknown isolationLevel .*; use one of read uncommitted, read committed, repeatable read, serializable/,
      )
    }
    // A misspelt option was no option: the transaction ran at READ COMMITTED.
    await expectRefused(
      () => transaction(db, async () => 1, { isolationlevel: 'serializable' } as never),
      /transaction has no option "isolationlevel"; its options are isolationLevel, readOnly, retry/,
    )
    await expectRefused(
      () => transaction(db, async () => 1, 'serializable' as never),
      /the options of transaction must be an object/,
    )
    await expectRefused(
      () => transaction(db, async () => 1, { readOnly: 'false' as never }),
      /readOnly must be true or false, got "false"/,
    )
    await expectRefused(
      () => transaction(db, async () => 1, { retry: { attempts: 'x' as never } }),
      /retry\.attempts must be a whole number of at least 1 \(runs in all\), got "x"/,
    )
    expect(await transaction(db, async () => 2, { isolationLevel: 'serializable' })).toBe(2)
  })

  it('refuses deeply nested or cyclic JSON naming the column', async () => {
    await expectRefused(
      () => Doc.insert(db, { slug: 'deep', body: nested(100_000) }),
      /the value for column "body" of table docs is nested more than 1000 levels deep/,
    )
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    await expectRefused(
      () => Doc.insert(db, { slug: 'cycle', body: cyclic }),
      /column "body" of table docs contains itself \(a cycle\)/,
    )
    const doc = await Doc.insert(db, { slug: 'ok', body: nested(999) })
    await expectRefused(
      () => Doc.update(db, doc.id, { body: nested(100_000) }),
      /Doc\.update failed: the value for column "body"/,
    )
    await expectRefused(
      () => copyRows(db, Doc, [{ slug: 'c', body: nested(100_000) }]),
      /Doc\.copyRows failed: the value for column "body"/,
    )
    // insertMany checks each row's json values too, naming the column.
    const many = await failure(() =>
      Doc.insertMany(db, [
        { slug: 'm1', body: nested(100_000) },
        { slug: 'm2', body: null },
      ]),
    )
    expect(many).toMatchObject({ code: 'INVALID_USAGE' })
    expect(many.message).toMatch(/column "body" of table docs is nested more than 1000 levels deep/)
    expect(await count()).toBe(1)
  })

  it('refuses Invalid Dates and years past 9999 naming the column', async () => {
    const invalid = await failure(() => Doc.insert(db, { slug: 'd1', due: new Date('nope') }))
    expect(invalid).toMatchObject({ code: 'INVALID_DATE', column: 'due' })
    expect(invalid.message).toMatch(/column "due" of table docs was given an Invalid Date/)
    const far = await failure(() => Doc.insert(db, { slug: 'd2', due: new Date('+010000-01-01') }))
    expect(far.message).toMatch(/column "due" of table docs was given a Date in year 10000/)
    const where = await failure(() => Doc.query().where('due', '<', new Date(8.64e15)).fetch(db))
    expect(where).toMatchObject({ code: 'INVALID_DATE' })
    expect(where.message).toMatch(/a parameter is a Date in year 275760, outside 0001–9999/)
    expect(
      await Doc.insert(db, { slug: 'd3', due: new Date('9999-12-31T23:59:59Z') }),
    ).toMatchObject({ due: new Date('9999-12-31T23:59:59Z') })
  })

  it('reports a paginate offset past a safe integer as a usage error', async () => {
    await expectRefused(
      () =>
        Doc.query()
          .orderBy('id')
          .paginate(db, 2 ** 52, 10),
      /Doc\.paginate failed: page 4503599627370496 of 10 rows would start after row .*cursorPaginate/,
    )
  })
})
