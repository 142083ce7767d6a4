import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyRows, type Executor, toDriver } from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

const { Member, Token } = modelsOf({
  members: (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'email' })
    t.string({ name: 'nick', nullable: true })
    t.integer({ name: 'score', defaultValue: '0', createInput: 'excluded' })
    t.string({ name: 'tags', array: true, nullable: true })
    t.jsonb({ name: 'prefs', nullable: true })
    t.timestamps()
    t.softDelete()
  },
  tokens: (t) => {
    t.bigIncrements({ name: 'id', primaryKey: true })
    t.string({ name: 'value' })
  },
})

/** copyRows follows insert's input rules; loading ids is the explicit `identity: 'keep'`. */
describe.each(BACKENDS)('copyRows input rules on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows
  const count = async (table: string) =>
    Number((await hand(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n)

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Member.createTable(db)
    await Token.createTable(db)
  })
  afterAll(() => backend?.close())

  it('refuses the columns insert refuses, and loads nothing', async () => {
    const ok = { email: 'a@example.com' }
    await expectRefused(
      () => copyRows(db, Member, [{ id: 7, ...ok }]),
      /column "id" of table members cannot be set on insert.*identity: 'keep'/,
    )
    await expectRefused(
      () => copyRows(db, Member, [{ ...ok, created_at: new Date(0) }]),
      /column "created_at" of table members cannot be set on insert/,
    )
    await expectRefused(
      () => copyRows(db, Member, [{ ...ok, deleted_at: new Date(0) }]),
      /column "deleted_at" of table members cannot be set on insert/,
    )
    await expectRefused(
      () => copyRows(db, Member, [{ ...ok, score: 99 }]),
      /column "score" of table members cannot be set on insert/,
    )
    // A later row that sets an excluded column gets insert's error, not a COPY error.
    await expectRefused(
      () => copyRows(db, Member, [ok, { ...ok, deleted_at: new Date(0) }]),
      /Member\.copyRows failed: column "deleted_at" of table members cannot be set/,
    )
    await expectRefused(
      () => copyRows(db, Member, [{ nick: 'no email' }]),
      /missing required column "email" of table members/,
    )
    expect(await count('members')).toBe(0)
  })

  it('fills timestamps, deleted_at and ids as insert does', async () => {
    expect(
      await copyRows(db, Member, [{ email: 'b@example.com' }, { email: 'c@example.com' }]),
    ).toBe(2)
    const rows = await hand('SELECT id, score, created_at, deleted_at FROM members ORDER BY id')
    expect(rows.map((row) => [row.score, row.created_at instanceof Date, row.deleted_at])).toEqual([
      [0, true, null],
      [0, true, null],
    ])
    const inserted = await Member.insert(db, { email: 'd@example.com' })
    expect(inserted.id).toBeGreaterThan(Number(rows[1]!.id))
    await hand('DELETE FROM members')
  })

  it("loads ids with identity: 'keep' and moves the sequence past them", async () => {
    const loaded = [
      { id: 5n, value: 'five' },
      { id: 40n, value: 'forty' },
    ]
    expect(await copyRows(db, Token, loaded, { identity: 'keep' })).toBe(2)
    expect(await Token.query().orderBy('id').fetch(db)).toEqual(loaded)
    const next = await Token.insert(db, { value: 'next' })
    expect(next.id).toBe(41n)
    // A load below the sequence leaves it where it is.
    await copyRows(db, Token, [{ id: 3n, value: 'three' }], { identity: 'keep' })
    expect((await Token.insert(db, { value: 'after' })).id).toBe(42n)
    // The same rows without ids still take the sequence's numbers.
    await copyRows(db, Token, [{ value: 'generated' }], { identity: 'keep' })
    expect(await Token.query().where('value', 'generated').pluck(db, 'id')).toEqual([43n])
  })

  it('refuses an identity option other than generate or keep', async () => {
    await expectRefused(
      () => copyRows(db, Token, [{ value: 'x' }], { identity: 'yes' } as never),
      /the option identity must be 'generate' or 'keep'/,
    )
    await expectRefused(
      () => copyRows(db, Token, { value: 'x' } as never),
      /expected an array of rows/,
    )
  })

  it('refuses a value whose shape does not fit its column', async () => {
    const before = await count('members')
    await expectRefused(
      () => copyRows(db, Member, [{ email: ['a', 'b', 'c'] }]),
      /row 0 gives column "email" of table members \(TEXT\) an array/,
    )
    await expectRefused(
      () => copyRows(db, Member, [{ email: 'x@example.com' }, { email: { a: 1 } }]),
      /row 1 gives column "email" .* an object/,
    )
    await expectRefused(
      () => copyRows(db, Member, [{ email: 'x@example.com', tags: 'solo' }]),
      /column "tags" .* a string\. Pass an array/,
    )
    expect(await count('members')).toBe(before)
    // Arrays for array columns, and any JSON for jsonb, load as insert stores them.
    await copyRows(db, Member, [{ email: 'y@example.com', tags: ['a', 'b'], prefs: [1, { b: 2 }] }])
    expect(await Member.query().where('email', 'y@example.com').first(db)).toMatchObject({
      tags: ['a', 'b'],
      prefs: [1, { b: 2 }],
    })
  })
})
