import pg from 'pg'
import { describe, expect, it } from 'vitest'
import {
  pgStatement,
  type StatementConfig,
} from '../../packages/runtime/src/executor/pg-statement.ts'
import { PreparedQuery } from '../../packages/runtime/src/executor/statement-cache.ts'

const types = { getTypeParser: () => (text: string) => text } as unknown as pg.CustomTypesConfig

const configs: Record<string, StatementConfig> = {
  unnamed: { text: 'SELECT $1::int AS n', values: ['1'], types, queryMode: undefined },
  named: { text: 'SELECT $1::int AS n', values: ['1'], types, queryMode: undefined, name: 'q1' },
  'sent ahead (extended)': { text: 'SELECT 1', values: undefined, types, queryMode: 'extended' },
  'no values': { text: 'SELECT 1', values: undefined, types, queryMode: undefined },
}

/** pg.Query's own data fields, as its constructor leaves them (methods and listeners aside). */
function fields(query: object): Record<string, unknown> {
  const { _events, _eventsCount, _maxListeners, ...own } = query as Record<string, unknown>
  const pgKeys = Object.keys(new pg.Query('SELECT 1'))
  return Object.fromEntries(
    Object.entries(own).filter(([key, v]) => pgKeys.includes(key) && typeof v !== 'function'),
  )
}

// pgStatement stands in for `new pg.Query(config)`, whose copy of the config costs a tenth of
// a findById's CPU: a pg that sets another field from a config fails here, not in a query.
describe('a pg.Query made from its text, then configured', () => {
  it.each(Object.entries(configs))(
    '%s: the same fields as pg makes from the config',
    (_, config) => {
      const ours = pgStatement(config)
      const pgs = new pg.Query({ ...config })
      expect(fields(ours)).toEqual(fields(pgs))
      expect(Object.keys(fields(ours)).sort()).toEqual(Object.keys(fields(pgs)).sort())
      // The result decodes with the statement's types, not pg's global ones.
      expect((ours as unknown as { _result: { _types: unknown } })._result._types).toBe(types)
      expect((ours as unknown as { _results: unknown })._results).toBe(
        (ours as unknown as { _result: unknown })._result,
      )
    },
  )

  it('a PreparedQuery has the fields pg makes from its config', () => {
    const config = configs.named as StatementConfig & { name: string }
    expect(fields(new PreparedQuery(config, 8))).toEqual(fields(new pg.Query({ ...config })))
  })

  it('every field pg reads from a config is one that StatementConfig sets or leaves at its default', () => {
    // A config with every field fluentorm sets, against one with none: pg differs in exactly these.
    const bare = fields(new pg.Query('SELECT 1'))
    const full = fields(new pg.Query({ ...(configs.named as StatementConfig), text: 'SELECT 1' }))
    const differing = Object.keys(full).filter(
      (key) => !Object.is(full[key], bare[key]) && key !== '_result' && key !== '_results',
    )
    expect(differing.sort()).toEqual(['name', 'types', 'values'])
  })
})
