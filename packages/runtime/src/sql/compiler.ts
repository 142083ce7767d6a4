import type { ColumnIR } from '@fluentorm/core/ir'
import type { TableInfo } from '../model/table-info.ts'
import {
  aggregateCast,
  aggregateType,
  bindValue,
  jsonCast,
  selectCast,
  type ValueType,
} from './column-types.ts'
import { type Clause, COMPARISON_SQL, CONTAINMENT_OPERATORS, type Expr } from './expression.ts'
import { quoteIdent } from './identifier.ts'
import type { DeletedRows, QueryNode } from './query-node.ts'

/** A table in a FROM clause: `sql` is how the statement names it (its own name or an alias). */
export interface FromItem {
  readonly info: TableInfo
  readonly sql: string
  /**
   * Whether `Model.column()` references of its table resolve to it. An item aliased because a
   * query around it already names its table is not: the references mean the outer row.
   */
  readonly named: boolean
}

/** One query level: its own table and its joins, and the query level around it. */
export interface Frame {
  readonly own: FromItem
  readonly joins: ReadonlyMap<string, FromItem>
  readonly parent: Frame | null
}

/** Stands in `values` for a placeholder's value until the statement runs (statement.ts). */
export class Slot {
  constructor(
    readonly key: number | string,
    readonly column: ColumnIR | null,
    /**
     * The operator the value is compared with (`where(col, placeholder(…))`): a NULL there
     * matches no row, which `where(col, null)` (IS NULL) would, so it is refused.
     */
    readonly comparedWith: string | null = null,
  ) {}
}

/**
 * The one SQL compiler. It owns, each in one place: parameter numbering (`param`), identifier
 * quoting, alias allocation (`fromItem`, `alias`: never a schema table's name nor one already
 * used in the statement), the tables each query level sees (`Frame`), which correlation at
 * any depth resolves against, and the soft-delete filter (`deletedFilter`). Every expression
 * in every clause position renders through `expr`.
 *
 * One compiler renders one statement; subqueries share it, so numbering continues. A
 * subclass (select-compiler.ts) renders the SELECTs that subquery expressions hold.
 */
export abstract class SqlCompiler {
  readonly values: unknown[] = []
  /** Whether a value bound is a named placeholder, to be given at run time. */
  placeholders = false
  private readonly tables: ReadonlySet<string>
  /** The parameter each value node took (see `expr`). */
  private bound: Map<Expr, string> | undefined
  /** Allocated when the first alias is: most statements need none. */
  private aliases: Set<string> | undefined

  /** `tables`: every schema table name, which no alias may take. */
  constructor(tables: ReadonlySet<string>) {
    this.tables = tables
  }

  /** The `$n` of a new bound value. */
  param(value: unknown): string {
    if (value instanceof Slot && typeof value.key === 'string') this.placeholders = true
    this.values.push(value)
    return `$${this.values.length}`
  }

  /**
   * The FROM item of `info` in a query level under `parent`: the table under its own name,
   * unless a query around it already names that table; then an alias (`"posts_1"`), so the
   * two are told apart and references to the outer row keep meaning it.
   */
  fromItem(info: TableInfo, parent: Frame | null, level: readonly FromItem[] = []): FromItem {
    const name = info.table.name
    const taken = namedIn(parent, name) || level.some((item) => item.sql === info.quoted)
    if (!taken) return { info, sql: info.quoted, named: true }
    return { info, sql: this.alias(name), named: false }
  }

  /** A quoted alias from `base` that no schema table and no earlier alias has. */
  alias(base: string): string {
    for (let n = 1; ; n++) {
      const name = `${base}_${n}`
      this.aliases ??= new Set()
      if (!this.tables.has(name) && !this.aliases.has(name)) {
        this.aliases.add(name)
        return quoteIdent(name)
      }
    }
  }

  /**
   * A query level: `own` as given (includes, mutations) or allocated, and its joins, each
   * aliased when a query around it or an item of this level (`level`: a junction the caller
   * joins) already has its name.
   */
  frame(
    query: QueryNode,
    parent: Frame | null,
    own?: FromItem,
    level: readonly FromItem[] = [],
  ): Frame {
    const self = own ?? this.fromItem(query.runtime.info, parent)
    if (query.joins.length === 0) return { own: self, joins: noJoins, parent }
    const joins = new Map<string, FromItem>()
    const items = [self, ...level]
    for (const join of query.joins) {
      const item = this.fromItem(join.info, parent, items)
      items.push(item)
      joins.set(join.info.table.name, item)
    }
    return { own: self, joins, parent }
  }

  /**
   * `"posts"."deleted_at" IS NULL` for `exclude`, `IS NOT NULL` for `only`; null when the
   * table has no soft delete or every row is wanted.
   */
  deletedFilter(item: FromItem, deleted: DeletedRows): string | null {
    if (!item.info.softDelete || deleted === 'include') return null
    return `${item.sql}."deleted_at" IS ${deleted === 'only' ? 'NOT ' : ''}NULL`
  }

  /** Renders one expression of the query level `frame` (null: a statement with no model). */
  expr(e: Expr, frame: Frame | null): string {
    switch (e.kind) {
      case 'column':
        return `${columnOwner(e.table, frame)}.${quoteIdent(e.column.name)}`
      case 'ref':
        return `${refOwner(e.table, frame)}.${quoteIdent(e.column.name)}`
      case 'outer': {
        const owner = frame?.parent?.own.sql
        if (!owner) throw new Error('an outer column outside a subquery')
        return `${owner}.${quoteIdent(e.column.name)}`
      }
      case 'value': {
        // The same node twice (a select item grouped by its key) binds one parameter, so
        // PostgreSQL sees the same expression in both places.
        let param = this.bound?.get(e)
        if (param === undefined) {
          param = this.param(e.column ? bindValue(e.column, e.value) : e.value)
          this.bound ??= new Map()
          this.bound.set(e, param)
        }
        return param
      }
      case 'placeholder':
        return this.param(new Slot(e.key, e.column))
      case 'aggregate':
        return `${e.fn}(${e.arg ? this.expr(e.arg, frame) : '*'})`
      case 'call':
        return `${e.fn}(${e.args.map((arg) => this.expr(arg, frame)).join(', ')})`
      case 'raw': {
        let text = e.strings[0]!
        for (let i = 0; i < e.values.length; i++) {
          text += this.expr(e.values[i]!, frame) + e.strings[i + 1]!
        }
        // A `--` comment on the fragment's last line would swallow what follows it.
        return text.lastIndexOf('--') > text.lastIndexOf('\n') ? `${text}\n` : text
      }
      case 'subquery':
        return `(${this.subquery(e.query, frame)})`
      case 'compare': {
        const left = this.operand(e.left, frame)
        const sqlOp = COMPARISON_SQL[e.op] ?? containment(e.op)
        if (
          e.right.kind === 'value' &&
          e.right.value === null &&
          (sqlOp === '=' || sqlOp === '<>')
        ) {
          return `${left} IS ${sqlOp === '=' ? '' : 'NOT '}NULL`
        }
        if (e.right.kind === 'placeholder' && typeof e.right.key === 'string') {
          return `${left} ${sqlOp} ${this.param(new Slot(e.right.key, e.right.column, sqlOp))}`
        }
        return `${left} ${sqlOp} ${this.operand(e.right, frame)}`
      }
      case 'null':
        return `${this.operand(e.operand, frame)} IS ${e.negated ? 'NOT ' : ''}NULL`
      case 'in': {
        const operand = this.operand(e.operand, frame)
        if (e.list.kind === 'subquery') {
          return `${operand} ${e.negated ? 'NOT IN' : 'IN'} (${this.subquery(e.list.query, frame)})`
        }
        // One array parameter whatever the list length: a stable statement text, and an
        // empty list is simply false (IN) or true (NOT IN).
        const list = this.param(e.list.value)
        return e.negated ? `${operand} <> ALL(${list})` : `${operand} = ANY(${list})`
      }
      case 'between': {
        const operand = this.operand(e.operand, frame)
        const low = this.operand(e.low, frame)
        const high = this.operand(e.high, frame)
        return `${operand} ${e.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${low} AND ${high}`
      }
      case 'exists':
        return `${e.negated ? 'NOT ' : ''}EXISTS (${this.subquery(e.query, frame, '1')})`
      case 'logical': {
        const inner = this.joinClauses(e.clauses, frame)
        return e.clauses.length === 1 ? inner : `(${inner})`
      }
      case 'output': {
        if (!frame) throw new Error('an output column outside a query')
        return `${frame.own.sql}.${quoteIdent(e.key)}`
      }
    }
  }

  /**
   * Conditions joined by AND / OR. A list with any OR comes back parenthesised, so whatever
   * it is ANDed with (the soft-delete filter above all) still applies to every row.
   */
  clauses(clauses: readonly Clause[], frame: Frame | null): string {
    const text = this.joinClauses(clauses, frame)
    return clauses.some((clause, i) => i > 0 && clause.or) ? `(${text})` : text
  }

  private joinClauses(clauses: readonly Clause[], frame: Frame | null): string {
    let text = ''
    for (let i = 0; i < clauses.length; i++) {
      const clause = clauses[i]!
      if (i > 0) text += clause.or ? ' OR ' : ' AND '
      text += this.operand(clause.condition, frame)
    }
    return text
  }

  /**
   * An expression inside an operator: a `sql` fragment is parenthesised, so whatever it holds
   * (an OR above all) cannot bind to what is around it — the soft-delete filter still applies.
   */
  private operand(e: Expr, frame: Frame | null): string {
    const sql = this.expr(e, frame)
    return e.kind === 'raw' ? `(${sql})` : sql
  }

  /**
   * A value as a select list carries it: the expression with the cast that gives its
   * documented JS value, or inside an include's JSON (`json`) the cast JSON needs.
   */
  value(e: Expr, frame: Frame | null, json: boolean): string {
    const sql = this.expr(e, frame)
    if (e.kind === 'aggregate') {
      const arg = e.arg ? typeOf(e.arg) : null
      const result = aggregateType(e.fn, arg)
      const cast = sql + aggregateCast(e.fn, arg)
      // min and max have the column's type, read as the column is (an enum array, a string-mode time).
      if (!result) return cast
      return json ? jsonCast(cast, result) : selectCast(cast, result)
    }
    const type = typeOf(e)
    if (!type) return sql
    return json ? jsonCast(sql, type) : selectCast(sql, type)
  }

  /** A select-list item: the value, `AS "key"` unless it is a column under its own name. */
  selectItem(e: Expr, key: string, frame: Frame | null, json: boolean): string {
    const sql = this.value(e, frame, json)
    const bare = (e.kind === 'column' || e.kind === 'ref') && e.column.name === key
    return bare && sql.endsWith(quoteIdent(key)) ? sql : `${sql} AS ${quoteIdent(key)}`
  }

  /**
   * `"updated_at" = CURRENT_TIMESTAMP` for each column every update sets (`updated_at`, and each
   * `onUpdate: 'now'` column: `table.updatedAt`), except those the update gives a value itself.
   */
  updatedAtAssignments(info: TableInfo, given: readonly ColumnIR[]): string[] {
    return info.table.updatedAt
      .filter((name) => !given.some((column) => column.name === name))
      .map((name) => `${quoteIdent(name)} = CURRENT_TIMESTAMP`)
  }

  /** `"deleted_at" = CURRENT_TIMESTAMP` (soft delete) or `= NULL` (restore). */
  deletedAssignment(restore: boolean): string {
    return `"deleted_at" = ${restore ? 'NULL' : 'CURRENT_TIMESTAMP'}`
  }

  /** Renders a nested SELECT with this compiler; `projection` replaces its select list. */
  abstract subquery(query: QueryNode, parent: Frame | null, projection?: string): string
}

const noJoins: ReadonlyMap<string, FromItem> = new Map()

/** An array / jsonb operator, from the fixed list only. */
function containment(op: string): string {
  if (!CONTAINMENT_OPERATORS.has(op)) throw new Error(`unknown operator ${op}`)
  return op
}

/** The type of an expression's value where the compiler knows it (columns, aggregates). */
export function typeOf(e: Expr): ValueType | null {
  switch (e.kind) {
    case 'column':
    case 'ref':
    case 'outer':
      return e.column
    case 'value':
      return e.column
    case 'output':
      return e.type
    case 'aggregate':
      return aggregateType(e.fn, e.arg ? typeOf(e.arg) : null)
    case 'subquery': {
      // A scalar subquery's value is its one selected value (withSum, withMax, …).
      const items = e.query.select
      return items?.length === 1 ? typeOf(items[0]!.expr) : null
    }
    default:
      return null
  }
}

function namedIn(frame: Frame | null, table: string): boolean {
  for (let f = frame; f; f = f.parent) {
    if (f.own.named && f.own.info.table.name === table) return true
    const join = f.joins.get(table)
    if (join?.named) return true
  }
  return false
}

function columnOwner(table: string | null, frame: Frame | null): string {
  if (!frame) throw new Error('a query column outside a query')
  if (table === null) return frame.own.sql
  const join = frame.joins.get(table)
  if (!join) throw new Error(`table ${table} is not joined in this query`)
  return join.sql
}

/** The nearest query level naming `table`; a table none names is written by its own name. */
function refOwner(table: string, frame: Frame | null): string {
  for (let f = frame; f; f = f.parent) {
    if (f.own.named && f.own.info.table.name === table) return f.own.sql
    const join = f.joins.get(table)
    if (join?.named) return join.sql
  }
  return quoteIdent(table)
}
