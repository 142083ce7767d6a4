import type { SqlSource } from './field-options.ts'

/** One argument of a declared function, as `CREATE FUNCTION` lists it. */
export interface FunctionArgument {
  /** The parameter's name: `$1` in the body may also be written as it. */
  name: string
  /** Its PostgreSQL type: `integer`, `text`, `uuid[]`, a domain or enum of the schema. */
  type: string
  /** `DEFAULT …`: an SQL expression a call that leaves the argument out gets. */
  default?: string
}

/**
 * `t.function(…)`: an SQL function the migrations create, diff by its definition and drop.
 * Declared in a schema file of its own (one without columns) or in the file of a table.
 */
export interface FunctionOptions {
  /** The function's name; one function per name (overloads are not declared). */
  name: string
  /** @default [] (no arguments) */
  args?: readonly FunctionArgument[]
  /** `RETURNS …`: `trigger`, `integer`, `SETOF posts`, `TABLE (id uuid, n integer)`. */
  returns: string
  /** @default 'plpgsql' */
  language?: 'plpgsql' | 'sql'
  /** The body, written between dollar quotes: text, or sql`…` without interpolated values. */
  body: SqlSource
  /** @default 'volatile' */
  volatility?: 'volatile' | 'stable' | 'immutable'
  /** `SECURITY DEFINER` runs with its owner's rights. @default 'invoker' */
  security?: 'invoker' | 'definer'
}

/** A row event a trigger fires on. */
export type TriggerEvent = 'insert' | 'update' | 'delete' | 'truncate'

/** `t.trigger(…)`: a trigger on the table (or view) of the file, calling a function. */
export interface TriggerOptions {
  name: string
  /** `'instead of'` only on a view. */
  timing: 'before' | 'after' | 'instead of'
  events: readonly TriggerEvent[]
  /** `UPDATE OF col, …`: fires only when one of these columns is set (needs the `update` event). */
  of?: readonly string[]
  forEach: 'row' | 'statement'
  /** `WHEN (…)`: SQL over `NEW` and `OLD` (row triggers only). */
  when?: SqlSource
  /** The function it runs (`EXECUTE FUNCTION name()`); one that `returns: 'trigger'`. */
  function: string
}

/** `t.domain(…)`: a type with constraints, usable as `t.custom({ type: '<name>' })`. */
export interface DomainOptions {
  name: string
  /** The underlying type: `text`, `numeric(10, 2)`, `integer`. */
  type: string
  /** @default false */
  notNull?: boolean
  /** `CHECK (…)` over `VALUE`: `VALUE ~ '^[^@]+@[^@]+$'`. Named `<name>_check`. */
  check?: SqlSource
  /** `DEFAULT …`: an SQL expression. */
  default?: SqlSource
}
