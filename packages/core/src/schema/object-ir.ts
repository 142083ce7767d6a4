/**
 * The IR of the SQL objects a schema declares beside its tables: functions, triggers and
 * domains (`t.function`, `t.trigger`, `t.domain`). Plain, frozen, JSON-serialisable, as
 * the rest of the IR; the diff compares them by content.
 */

export interface FunctionArgumentIR {
  readonly name: string
  readonly type: string
  /** `DEFAULT …` SQL. Absent: none. */
  readonly default?: string
}

export interface FunctionIR {
  readonly kind: 'function'
  readonly name: string
  readonly args: readonly FunctionArgumentIR[]
  /** What follows RETURNS, as written (trimmed). */
  readonly returns: string
  readonly language: 'plpgsql' | 'sql'
  /** The body between the dollar quotes, as written (compared trimmed). */
  readonly body: string
  readonly volatility: 'volatile' | 'stable' | 'immutable'
  readonly security: 'invoker' | 'definer'
  /**
   * Created after the tables: its arguments or return type name a table's row type, or it is
   * an SQL function whose body reads a table (PostgreSQL checks an SQL body when it is created).
   * Absent: created before the tables, so their defaults, checks and generated columns can call it.
   */
  readonly afterTables?: true
  /** The schema file that declared it. */
  readonly source: string
}

export interface TriggerIR {
  readonly kind: 'trigger'
  readonly name: string
  readonly timing: 'before' | 'after' | 'instead of'
  /** In the order INSERT, UPDATE, DELETE, TRUNCATE, each once. */
  readonly events: readonly ('insert' | 'update' | 'delete' | 'truncate')[]
  /** `UPDATE OF` columns. Absent: any column. */
  readonly of?: readonly string[]
  readonly forEach: 'row' | 'statement'
  /** `WHEN (…)` condition. Absent: always. */
  readonly when?: string
  readonly function: string
}

export interface DomainIR {
  readonly kind: 'domain'
  readonly name: string
  /** The underlying type, as written (trimmed). */
  readonly type: string
  readonly notNull: boolean
  /** `CHECK (…)`, the constraint named `<name>_check`. Absent: none. */
  readonly check?: string
  /** `DEFAULT …`. Absent: none. */
  readonly default?: string
}
