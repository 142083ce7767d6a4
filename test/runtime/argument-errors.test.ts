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

  it('names what a write by condition cannot use, as the query used it', async () => {
    await expectRefused(
      () => Doc.query().select('id').where('slug', 'a').delete(db),
      /delete\(\) by condition cannot use select: it changes the rows/,
    )
    await expectRefused(
      () => Doc.query().where('slug', 'a').limit(1).offset(1).update(db, { slug: 'b' }),
      /update\(\) by condition cannot use limit, offset:/,
    )
    expect(await count()).toBe(0)
  })

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

  it('refuses an option a call does not have, instead of reading it as no option', async () => {
    await Doc.insert(db, { slug: 'kept', body: { v: 1 } })
    const before = await count()
    const cases: [() => unknown, RegExp][] = [
      // `updaet: []` read as no option would have updated every column of the conflicting row.
      [
        () =>
          Doc.upsert(db, { slug: 'kept', body: null }, { conflict: ['slug'], updaet: [] } as never),
        /Doc\.upsert failed: upsert has no option "updaet"\. Its options are conflict, update\./,
      ],
      [
        () => Doc.upsertMany(db, [{ slug: 'kept' }], { conflicts: ['slug'] } as never),
        /upsertMany has no option "conflicts"/,
      ],
      [
        () => Doc.insert(db, { slug: 'kept' }, { onconflict: 'nothing' } as never),
        /insert has no option "onconflict"\. Its options are onConflict, conflict\./,
      ],
      [
        () => Doc.insertMany(db, [{ slug: 'x1' }], { returnning: false } as never),
        /insertMany has no option "returnning"\. Its options are onConflict, conflict, returning\./,
      ],
      [
        () => Doc.findById(db, 1, { withdeleted: true } as never),
        /findById has no option "withdeleted"/,
      ],
      [
        () => Doc.findById(db, 1, 'all' as never),
        /the options of findById must be an object, got string/,
      ],
      [
        () =>
          Doc.query()
            .where('slug', 'kept')
            .delete(db, { al: true } as never),
        /query\.delete has no option "al"\. Its options are all\./,
      ],
      [() => Doc.query().forUpdate({ skiplocked: true } as never), /has no option "skiplocked"/],
      [
        () =>
          Doc.query()
            .orderBy('slug')
            .cursorPaginate(db, { perPage: 1, afer: 'x' } as never),
        /cursorPaginate has no option "afer"\. Its options are perPage, after, before\./,
      ],
      [
        () => copyRows(db, Doc, [{ slug: 'x2' }], { identiy: 'keep' } as never),
        /copyRows has no option "identiy"/,
      ],
    ]
    for (const [run, message] of cases) await expectRefused(run, message)
    // Nothing was written, and the kept row is as it was.
    expect(await count()).toBe(before)
    const kept = await toDriver(db).query<{ body: unknown }>({
      text: "SELECT body FROM docs WHERE slug = 'kept'",
    })
    expect(kept.rows).toEqual([{ body: { v: 1 } }])
    await Doc.query().where('slug', 'kept').delete(db)
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
