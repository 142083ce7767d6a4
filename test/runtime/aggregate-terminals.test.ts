import { FluentOrmError, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

type Row = Record<string, unknown>

/**
 * sum / avg / min / max terminals aggregate the rows the query gives, limits included, like
 * count(); over a distinct or grouped query they are refused rather than guessed.
 */
describe.each(BACKENDS)('aggregate terminals on $name', ({ open }) => {
  const { Player } = modelsOf({
    players: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'age' })
      t.bigInt({ name: 'points' })
      t.numeric({ name: 'rating', precision: 5, scale: 2 })
      t.softDelete()
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows[0]!.v

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Player.createTable(db)
    await Player.insertMany(db, [
      { age: 30, points: 9_007_199_254_740_993n, rating: '9.50' },
      { age: 20, points: 5n, rating: '10.00' },
      { age: 40, points: 7n, rating: '2.25' },
      { age: 50, points: 1n, rating: '7.00' },
    ])
    const gone = await Player.insert(db, { age: 99, points: 1000n, rating: '1.00' })
    await Player.softDelete(db, gone.id)
  })
  afterAll(() => backend.close())

  it('aggregates only the rows a limited query gives', async () => {
    const first = Player.query().orderBy('age').limit(2)
    expect(await first.sum(db, 'age')).toBe(
      await hand(
        'SELECT sum(age)::float8 AS v FROM (SELECT age FROM players WHERE deleted_at IS NULL ORDER BY age LIMIT 2) p',
      ),
    )
    expect(await first.count(db)).toBe(2)
    const rest = Player.query().orderBy('age', 'desc').offset(1)
    expect(await rest.max(db, 'points')).toBe(9_007_199_254_740_993n)
    expect(await rest.avg(db, 'rating')).toBe(
      await hand(
        'SELECT avg(rating) AS v FROM (SELECT rating FROM players WHERE deleted_at IS NULL ORDER BY age DESC OFFSET 1) p',
      ),
    )
    expect(await rest.sum(db, 'points')).toBe('9007199254741005')
  })

  it('aggregates every row of a plain query, soft-deleted ones excluded', async () => {
    expect(await Player.query().sum(db, 'age')).toBe(140)
    expect(await Player.query().min(db, 'rating')).toBe('2.25')
  })

  it('refuses an aggregate of a distinct or grouped query', async () => {
    for (const query of [
      Player.query().select('age').distinct(),
      Player.query().select('age').groupBy('age'),
    ]) {
      const error = await query.sum(db, 'age').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(FluentOrmError)
      expect((error as FluentOrmError).message).toMatch(/sum\(\) of a distinct or grouped query/)
    }
  })
})
