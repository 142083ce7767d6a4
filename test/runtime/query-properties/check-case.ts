import { expect } from 'vitest'
import type { Backend } from '../../support/backends.ts'
import { buildQuery, colName } from './builder.ts'
import type { RunSql } from './data.ts'
import { decodeTop, normalize } from './decode.ts'
import { Hand } from './hand-sql.ts'
import { printQuery } from './print.ts'
import type { Case } from './query-tree.ts'
import { recordRows } from './stats.ts'
import { show } from './value.ts'

/**
 * Runs one case on `db`: its rows, and the terminals it checks (count, exists, pluck, an
 * aggregate), each compared with its hand SQL. A failure prints the builder chain,
 * fluentorm's SQL and the hand SQL.
 */
export async function checkCase(c: Case, db: Backend['db'], run: RunSql): Promise<void> {
  const q = c.query
  const built = buildQuery(q)
  const hand = new Hand()
  const handText = hand.select(q, null)
  const context = (what: string, fluent: string, handSql: string) =>
    `seed ${c.seed} (${what})\n${printQuery(q)}\n\nfluentorm SQL:\n${fluent}\n\nhand SQL:\n${handSql}\n`
  const fluentSql = () => {
    const { text, values } = built.toSQL()
    return `${text}\n-- ${show(values)}`
  }

  const expected = normalize(decodeTop(await run(handText), q), q, true)
  let actual: unknown
  try {
    actual = normalize(await built.fetch(db), q, true)
  } catch (error) {
    throw new Error(`${context('fetch threw', fluentSql(), handText)}\n${String(error)}`)
  }
  expect(actual, context('fetch', fluentSql(), handText)).toEqual(expected)
  recordRows(expected, q)

  if (c.checks.count) {
    const text = new Hand().count(q)
    const [row] = await run(text)
    expect(await built.count(db), context('count', 'count(db)', text)).toBe(row!.n)
  }
  if (c.checks.exists) {
    const text = new Hand().exists(q)
    const [row] = await run(text)
    expect(await built.exists(db), context('exists', 'exists(db)', text)).toBe(row!.e)
  }
  if (c.checks.pluck) {
    const text = new Hand().pluck(q, c.checks.pluck)
    const values = (await run(text)).map((r) => r.v)
    const name = colName(c.checks.pluck)
    expect(await built.pluck(db, name), context(`pluck(db, '${name}')`, '', text)).toEqual(values)
  }
  if (c.checks.aggregate) {
    const { fn, col: column } = c.checks.aggregate
    const text = new Hand().aggregate(q, fn, column)
    const [row] = await run(text)
    const name = colName(column)
    expect(await built[fn](db, name), context(`${fn}(db, '${name}')`, '', text)).toEqual(row!.v)
  }
}
