import { sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

type Row = Record<string, unknown>

/** -0 is a double precision value of its own; both drivers used to bind it as '0'. */
describe.each(BACKENDS)('-0 on $name', ({ open }) => {
  const { Reading } = modelsOf({
    readings: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.double({ name: 'value', nullable: true })
      t.double({ name: 'series', array: true, nullable: true })
      t.integer({ name: 'count', nullable: true })
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Reading.createTable(db)
  })
  afterAll(() => backend?.close())

  it('stores and reads -0 in a double precision column and array, as SQL written by hand does', async () => {
    const row = await Reading.insert(db, { value: -0, series: [-0, 0, 1.5], count: -0 })
    const [stored] = await hand(
      'SELECT value::text AS value, series::text AS series, count FROM readings WHERE id = $1',
      [row.id],
    )
    expect(stored).toEqual({ value: '-0', series: '{-0,0,1.5}', count: 0 })
    const read = await Reading.findById(db, row.id)
    expect(Object.is(read?.value, -0)).toBe(true)
    expect(Object.is(read?.series?.[0], -0)).toBe(true)
    expect(Object.is(read?.series?.[1], 0)).toBe(true)
    expect(read?.count).toBe(0)
    const [bound] = await sql<{
      x: number
      n: number
    }>`SELECT ${-0}::float8 AS x, ${-0}::int AS n`.fetch(db)
    expect(Object.is(bound?.x, -0)).toBe(true)
    expect(bound?.n).toBe(0)
  })
})
