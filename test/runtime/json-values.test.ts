import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Executor } from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

const { Document } = modelsOf({
  documents(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'slug', unique: true, notNull: false })
    t.jsonb({ name: 'body', notNull: false })
    t.json({ name: 'raw', notNull: false })
  },
})

/** pg binds a JS array as a PostgreSQL array literal; a json column must get JSON instead. */
describe.each(BACKENDS)('json arrays on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Document.createTable(db)
  })
  afterAll(() => backend?.close())

  it('store and read back as arrays through every write path', async () => {
    const row = await Document.insert(db, { slug: 'a', body: [1, 'two', { three: 3 }], raw: ['x'] })
    expect(row).toMatchObject({ body: [1, 'two', { three: 3 }], raw: ['x'] })
    const many = await Document.insertMany(db, [{ body: [] }, { body: [[1], [2]] }])
    expect(many.map((r: { body: unknown }) => r.body)).toEqual([[], [[1], [2]]])
    expect(await Document.update(db, row.id, { body: ['updated'] })).toMatchObject({
      body: ['updated'],
    })
    await Document.query()
      .where('id', many[0].id)
      .update(db, { body: [null] })
    expect(await Document.query().where('body', [null]).count(db)).toBe(1)
    const upserted = await Document.upsert(db, { slug: 'a', body: [true] }, { conflict: ['slug'] })
    expect(upserted).toMatchObject({ id: row.id, body: [true] })
  })
})
