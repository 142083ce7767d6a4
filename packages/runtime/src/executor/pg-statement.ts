import pg from 'pg'

/**
 * What fluentorm sets of a pg.Query; the rest (`rows`, `portal`, `binary`, `rowMode`, the
 * callback) stays what pg's constructor makes of a config without them.
 */
export interface StatementConfig {
  readonly text: string
  readonly values: unknown[] | undefined
  readonly types: pg.CustomTypesConfig
  readonly queryMode: 'extended' | undefined
  readonly name?: string
}

/** The fields of pg.Query that its constructor sets from a config (pg/lib/query.js, pg 8). */
interface PgQueryFields {
  values: unknown[] | undefined
  types: pg.CustomTypesConfig | undefined
  name: string | undefined
  queryMode: 'extended' | undefined
  _result: unknown
  _results: unknown
}

const Result = (pg as unknown as { Result: new (rowMode: undefined, types: unknown) => object })
  .Result

/**
 * Sets on `query`, made by pg.Query's constructor from `config.text` alone, what that
 * constructor would have set from `config`: the same query, without the copy of a config object.
 *
 * pg (since 8.21) copies a config object through `Object.getOwnPropertyDescriptors` and
 * `Object.defineProperties` before reading it, so that it never writes to the caller's object:
 * 2.4 µs a statement in a loop, against 0.07 µs for a text, and about 6 µs of CPU in the
 * bench's findById (a tenth of the process's time per call). For a text it makes `{ text }`.
 * test/runtime/pg-statement.test.ts holds the two constructions field for field equal.
 *
 * @example
 * const query = fromConfig(new pg.Query(config.text), config)
 */
export function fromConfig<Q extends pg.Query>(query: Q, config: StatementConfig): Q {
  const fields = query as unknown as PgQueryFields
  fields.values = config.values
  fields.types = config.types
  fields.name = config.name
  fields.queryMode = config.queryMode
  // The result decodes with the statement's types, made as pg's constructor makes it.
  fields._result = new Result(undefined, config.types)
  fields._results = fields._result
  return query
}

/** A pg.Query for `config`, made as `new pg.Query(config)` makes it (see `fromConfig`). */
export function pgStatement(config: StatementConfig): pg.Query {
  return fromConfig(new pg.Query(config.text), config)
}
