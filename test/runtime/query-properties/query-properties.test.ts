import { toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { BACKENDS, type Backend } from '../../support/backends.ts'
import { checkCase } from './check-case.ts'
import { fillTables, type RunSql } from './data.ts'
import { generate } from './generate.ts'
import type { Case } from './query-tree.ts'
import { regressions } from './regressions.ts'
import { TABLES } from './schema.ts'
import { shapes } from './shapes.ts'
import { printRowStats, printShapeCounts } from './stats.ts'
import type { Row } from './value.ts'

/**
 * A property test of the query builder on real PostgreSQL (and PGlite): random queries are
 * built through the public API, and each result is compared with the same query written
 * independently, by hand, in SQL (the small generator `Hand` in hand-sql.ts, which shares
 * nothing with fluentorm's compiler), run on the same database.
 *
 * Every case comes from its own seed (mulberry32), printed in the test name:
 * `QUERY_PROPERTIES_SEED=<seed> QUERY_PROPERTIES_CASES=1 npx vitest run test/runtime/query-properties`
 * replays one. A failure prints the builder chain, fluentorm's SQL and the hand SQL.
 * `QUERY_PROPERTIES_STATS=1` prints how often each shape occurs.
 *
 * Semantics checked (docs/QUERY.md, docs/RELATIONSHIPS.md): soft-deleted rows are excluded
 * in the main table, in includes and in subqueries, each by its own query, unless it is
 * withDeleted() (onlyDeleted() keeps only them); joined rows (in the ON, so a LEFT JOIN gives
 * NULLs) and a manyToMany's junction rows stay filtered unless the query is withDeleted();
 * `Model.column(x)` names the nearest enclosing query that names the model's table unaliased
 * (a subquery on a table an outer query names is aliased); `orWhere` groups as SQL reads
 * AND / OR, a fragment is one parenthesised operand; count is a number, sum / avg of integer
 * columns numbers and of bigint / numeric exact strings; bigint values are bigint, numeric
 * strings, timestamptz Dates, also inside includes (a fragment's value as JSON gives it).
 */

const BASE_SEED = Number(process.env.QUERY_PROPERTIES_SEED ?? 20_240_601)
const CASES = Number(process.env.QUERY_PROPERTIES_CASES ?? 300)
/** PGlite runs fewer cases: one connection, in-process. */
const PGLITE_CASES = Number(process.env.QUERY_PROPERTIES_PGLITE_CASES ?? Math.min(CASES, 150))

const cases: Case[] = Array.from({ length: CASES }, (_, i) => generate((BASE_SEED + i) >>> 0))
printShapeCounts(cases)

/** The test's name: its seed, table and shapes. */
function caseName(c: Case): string {
  const tags = [...shapes(c)].filter((t) => !t.startsWith('cond:') && !t.startsWith('check:'))
  return `seed ${c.seed}: ${TABLES[c.query.table].model} ${tags.join(' ') || 'plain'}`
}

describe.each(BACKENDS)('query properties on $name', ({ name, open }) => {
  let backend: Backend
  let db: Backend['db']
  const run: RunSql = async (text) => (await toDriver(db).query<Row>({ text, values: [] })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await fillTables(db)
  })
  afterAll(async () => {
    printRowStats()
    await backend?.close()
  })

  describe('regressions', () => regressions(() => db, run))

  const count = name === 'pglite' ? PGLITE_CASES : CASES
  for (const c of cases.slice(0, count)) {
    it(caseName(c), async () => {
      await checkCase(c, db, run)
    })
  }
})
