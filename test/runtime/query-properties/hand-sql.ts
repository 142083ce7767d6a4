import { FRAGS, type FragDef } from './fragments.ts'
import {
  type AggFn,
  aggType,
  type Clause,
  type ColArg,
  type Cond,
  colSpecOf,
  type Frag,
  type IncludeSpec,
  type Order,
  type QueryAst,
  type RefArg,
  type ValType,
} from './query-tree.ts'
import { type ColType, RELATIONS, TABLES, type TableName } from './schema.ts'
import type { Value } from './value.ts'

// The same query in SQL, written by hand: it shares nothing with fluentorm's compiler.

/** A table in a FROM clause of the hand SQL; `named`: Model.column() references resolve to it. */
interface HItem {
  readonly table: TableName
  readonly alias: string
  readonly named: boolean
}
interface HLevel {
  readonly own: HItem
  readonly joins: ReadonlyMap<TableName, HItem>
  readonly parent: HLevel | null
}

interface HItemSql {
  readonly key: string
  readonly sql: string
  readonly type: ValType
}

function quoteText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

function literal(value: Value, type?: ColType): string {
  if (value === null) return 'NULL'
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (typeof value === 'bigint') return `'${value}'::bigint`
  if (typeof value === 'number') return value < 0 ? `(${value})` : String(value)
  if (value instanceof Date) return `'${value.toISOString()}'::timestamptz`
  if (type === 'numeric') return `${quoteText(value)}::numeric`
  return quoteText(value)
}

/**
 * The hand-written SQL of a query: its own aliases (h1, h2, …), conditions parenthesised one
 * by one, includes as `array_to_json(ARRAY(SELECT json_build_object(…) … ORDER BY …))`.
 */
export class Hand {
  #n = 0

  alias(): string {
    return `h${++this.#n}`
  }

  /** Whether a level around names `table` (so a query here on it is aliased, unnamed). */
  static namedAround(parent: HLevel | null, table: TableName): boolean {
    for (let l = parent; l; l = l.parent) {
      if (l.own.named && l.own.table === table) return true
      if (l.joins.get(table)?.named) return true
    }
    return false
  }

  level(q: QueryAst, parent: HLevel | null): HLevel {
    const own = { table: q.table, alias: this.alias(), named: !Hand.namedAround(parent, q.table) }
    const joins = new Map<TableName, HItem>()
    for (const j of q.joins) {
      joins.set(j.table, {
        table: j.table,
        alias: this.alias(),
        named: !Hand.namedAround(parent, j.table),
      })
    }
    return { own, joins, parent }
  }

  /** `Model.column(x)`: the nearest level naming the table. */
  refAlias(level: HLevel, table: TableName): string {
    for (let l: HLevel | null = level; l; l = l.parent) {
      if (l.own.named && l.own.table === table) return l.own.alias
      const join = l.joins.get(table)
      if (join?.named) return join.alias
    }
    throw new Error(`Model.column of ${table}: no query names it`)
  }

  col(c: ColArg | RefArg, level: HLevel): string {
    if (c.kind === 'own') return `${level.own.alias}.${c.column}`
    if (c.kind === 'join') return `${level.joins.get(c.table)!.alias}.${c.column}`
    return `${this.refAlias(level, c.table)}.${c.column}`
  }

  frag(f: Frag, level: HLevel): string {
    const def: FragDef = FRAGS[f.frag]
    const args = f.args.map((a) => {
      if (a.kind === 'ref') return this.col(a, level)
      if (a.kind === 'value') return literal(a.value)
      return `(${this.select(a.query, level)})`
    })
    return `(${def.hand(...args)})`
  }

  typeOfCol(c: ColArg | RefArg): ColType {
    return colSpecOf(c).type
  }

  cond(cond: Cond, level: HLevel): string {
    switch (cond.kind) {
      case 'cmp': {
        const left = this.col(cond.left, level)
        const op = cond.op === '!=' ? '<>' : cond.op.toUpperCase()
        if (cond.value === null && (op === '=' || op === '<>')) {
          return `${left} IS ${op === '=' ? '' : 'NOT '}NULL`
        }
        return `${left} ${op} ${literal(cond.value, this.typeOfCol(cond.left))}`
      }
      case 'cmpExpr':
        return `${this.col(cond.left, level)} ${cond.op} ${this.frag(cond.right, level)}`
      case 'fragCmp': {
        const op = cond.op.toUpperCase()
        return `${this.frag(cond.left, level)} ${op} ${literal(cond.value)}`
      }
      case 'list': {
        if (!cond.values.length) return cond.negated ? 'TRUE' : 'FALSE'
        const type = this.typeOfCol(cond.col)
        const list = cond.values.map((x) => literal(x, type)).join(', ')
        return `${this.col(cond.col, level)} ${cond.negated ? 'NOT IN' : 'IN'} (${list})`
      }
      case 'between': {
        const type = this.typeOfCol(cond.col)
        return `${this.col(cond.col, level)} ${cond.negated ? 'NOT ' : ''}BETWEEN ${literal(cond.low, type)} AND ${literal(cond.high, type)}`
      }
      case 'null': {
        const operand =
          cond.operand.kind === 'frag'
            ? this.frag(cond.operand, level)
            : this.col(cond.operand, level)
        return `${operand} IS ${cond.negated ? 'NOT ' : ''}NULL`
      }
      case 'column':
        return `${this.col(cond.left, level)} ${cond.op} ${this.col(cond.right, level)}`
      case 'frag':
        return this.frag(cond.frag, level)
      case 'group':
        return this.clauses(cond.clauses, level)
      case 'exists':
        return `${cond.negated ? 'NOT ' : ''}EXISTS (${this.select(cond.query, level, '1')})`
      case 'inQuery':
        return `${this.col(cond.col, level)} ${cond.negated ? 'NOT IN' : 'IN'} (${this.select(cond.query, level)})`
    }
  }

  /** `(a AND b) OR (c)`: AND binds first, as SQL reads the chain of where / orWhere calls. */
  clauses(clauses: readonly Clause[], level: HLevel): string {
    const groups: string[][] = []
    clauses.forEach((c, i) => {
      if (i === 0 || c.or) groups.push([])
      groups[groups.length - 1]!.push(`(${this.cond(c.cond, level)})`)
    })
    return `(${groups.map((g) => `(${g.join(' AND ')})`).join(' OR ')})`
  }

  /** The select list's values, in call order (every column when nothing is selected). */
  items(q: QueryAst, level: HLevel): HItemSql[] {
    if (!q.selects.length) {
      return TABLES[q.table].columns.map((c) => ({
        key: c.name,
        sql: `${level.own.alias}.${c.name}`,
        type: c.type,
      }))
    }
    const out: HItemSql[] = []
    for (const s of q.selects) {
      if (s.kind === 'list') {
        for (const c of s.cols)
          out.push({ key: c.column, sql: this.col(c, level), type: this.typeOfCol(c) })
      } else if (s.kind === 'object') {
        for (const item of s.items) {
          out.push(
            item.expr.kind === 'frag'
              ? { key: item.key, sql: this.frag(item.expr, level), type: 'raw' }
              : { key: item.key, sql: this.col(item.expr, level), type: this.typeOfCol(item.expr) },
          )
        }
      } else {
        const arg = s.col ? this.col(s.col, level) : '*'
        out.push({ key: s.alias, sql: `${s.fn}(${arg})`, type: aggType(s.fn, s.col) })
      }
    }
    return out
  }

  /** A value as a top-level row carries it (the documented aggregate types). */
  static topValue(item: HItemSql): string {
    if (item.type === 'count') return `(${item.sql})::int`
    if (item.type === 'float') return `(${item.sql})::float8`
    return item.sql
  }

  /** A value inside an include's JSON: int8 and numeric as text, as fluentorm documents. */
  static jsonValue(item: HItemSql): string {
    if (item.type === 'count') return `(${item.sql})::int`
    if (item.type === 'float') return `(${item.sql})::float8`
    if (item.type === 'bigint' || item.type === 'numeric' || item.type === 'exact') {
      return `(${item.sql})::text`
    }
    return item.sql
  }

  from(q: QueryAst, level: HLevel, correlation: readonly string[] = [], junction = ''): string {
    let text = `FROM ${q.table} ${level.own.alias}${junction}`
    for (const j of q.joins) {
      const item = level.joins.get(j.table)!
      // Joined rows stay filtered unless withDeleted() (onlyDeleted() is about the own rows).
      const deleted =
        q.deleted !== 'include' && TABLES[j.table].soft
          ? ` AND ${item.alias}.deleted_at IS NULL`
          : ''
      text += ` ${j.type === 'inner' ? 'JOIN' : 'LEFT JOIN'} ${j.table} ${item.alias} ON ${item.alias}.${j.column} = ${this.col(j.other, level)}${deleted}`
    }
    const where = [...correlation]
    if (TABLES[q.table].soft && q.deleted !== 'include') {
      where.push(`${level.own.alias}.deleted_at IS ${q.deleted === 'only' ? 'NOT ' : ''}NULL`)
    }
    if (q.clauses.length) where.push(this.clauses(q.clauses, level))
    return where.length ? `${text} WHERE ${where.join(' AND ')}` : text
  }

  orderExpr(by: Order['by'], q: QueryAst, level: HLevel): string {
    if (by.kind === 'frag') return this.frag(by, level)
    if (by.kind !== 'key') return this.col(by, level)
    const item = this.items(q, level).find((i) => i.key === by.key)!
    return Hand.topValue(item)
  }

  orders(q: QueryAst, level: HLevel): string {
    return q.orders
      .map(
        (o) =>
          `${this.orderExpr(o.by, q, level)} ${o.dir.toUpperCase()}${o.nulls ? ` NULLS ${o.nulls.toUpperCase()}` : ''}`,
      )
      .join(', ')
  }

  /** GROUP BY … HAVING …, then (unless `unordered`) ORDER BY, LIMIT and OFFSET. */
  tail(
    q: QueryAst,
    level: HLevel,
    options: { order?: boolean; limit?: number | null } = {},
  ): string {
    let text = ''
    if (q.groupBy.length) {
      text += ` GROUP BY ${q.groupBy.map((g) => (g.kind === 'frag' ? this.frag(g, level) : this.col(g, level))).join(', ')}`
    }
    if (q.having.length) {
      const parts = q.having.map((h) =>
        h.kind === 'frag'
          ? this.frag(h, level)
          : `${h.fn}(${h.col ? this.col(h.col, level) : '*'}) ${h.op} ${literal(h.value, h.col ? this.typeOfCol(h.col) : undefined)}`,
      )
      text += ` HAVING ${parts.map((p) => `(${p})`).join(' AND ')}`
    }
    if ((options.order ?? true) && q.orders.length) text += ` ORDER BY ${this.orders(q, level)}`
    const limit = options.limit === undefined ? q.limit : options.limit
    if (limit !== null) text += ` LIMIT ${limit}`
    if (q.offset !== null) text += ` OFFSET ${q.offset}`
    return text
  }

  /** A SELECT as rows (top level, subqueries); `projection` replaces the select list. */
  select(q: QueryAst, parent: HLevel | null, projection?: string): string {
    const level = this.level(q, parent)
    const list =
      projection ??
      [
        ...this.items(q, level).map((i) => `${Hand.topValue(i)} AS "${i.key}"`),
        ...q.includes.map((inc) => `${this.include(inc, q, level)} AS "${inc.relation}"`),
      ].join(', ')
    return `SELECT ${q.distinct ? 'DISTINCT ' : ''}${list} ${this.from(q, level)}${this.tail(q, level)}`
  }

  /** An include as one JSON value: an array (many) or an object or NULL (one). */
  include(inc: IncludeSpec, parentQuery: QueryAst, parent: HLevel): string {
    const relation = RELATIONS[parentQuery.table].find((r) => r.name === inc.relation)!
    const q = inc.query
    const level = this.level(q, parent)
    const own = level.own.alias
    const outer = parent.own.alias
    const correlation: string[] = []
    let junction = ''
    switch (relation.kind) {
      case 'belongsTo':
        correlation.push(`${own}.id = ${outer}.${relation.column}`)
        break
      case 'hasOne':
      case 'hasMany':
        correlation.push(`${own}.${relation.foreignColumn} = ${outer}.id`)
        break
      case 'manyToMany': {
        const j = this.alias()
        junction = ` JOIN ${relation.through} ${j} ON ${j}.${relation.foreign} = ${own}.id`
        correlation.push(`${j}.${relation.local} = ${outer}.id`)
        // The junction is filtered like a joined table.
        if (TABLES[relation.through].soft && q.deleted !== 'include') {
          correlation.push(`${j}.deleted_at IS NULL`)
        }
      }
    }
    const many = relation.kind === 'hasMany' || relation.kind === 'manyToMany'
    const limit = many ? q.limit : (q.limit ?? 1)
    const items = this.items(q, level)
    const from = this.from(q, level, correlation, junction)
    let body: string
    if (q.distinct) {
      // DISTINCT rows first, then each as JSON; json has no equality to DISTINCT on.
      const d = this.alias()
      const inner = `SELECT DISTINCT ${items.map((i) => `${i.sql} AS ${i.key}`).join(', ')} ${from}`
      const outerItems = items.map((i) => ({ ...i, sql: `${d}.${i.key}` }))
      const order = q.orders
        .map((o) => {
          const by = o.by as ColArg
          return `${d}.${by.column} ${o.dir.toUpperCase()}${o.nulls ? ` NULLS ${o.nulls.toUpperCase()}` : ''}`
        })
        .join(', ')
      body = `SELECT ${jsonObject(outerItems, [])} FROM (${inner}) ${d}${order ? ` ORDER BY ${order}` : ''}${limit !== null ? ` LIMIT ${limit}` : ''}${q.offset !== null ? ` OFFSET ${q.offset}` : ''}`
    } else {
      const nested = q.includes.map((i) => [i.relation, this.include(i, q, level)] as const)
      body = `SELECT ${jsonObject(items, nested)} ${from}${this.tail(q, level, { limit })}`
    }
    return many ? `array_to_json(ARRAY(${body}))` : `(${body})`
  }

  /** The query's rows for count and exists: unordered, DISTINCT on its select list. */
  unorderedRows(q: QueryAst): string {
    const level = this.level(q, null)
    const list = q.distinct
      ? this.items(q, level)
          .map((i) => i.sql)
          .join(', ')
      : '1'
    return `SELECT ${q.distinct ? 'DISTINCT ' : ''}${list} ${this.from(q, level)}${this.tail(q, level, { order: false })}`
  }

  /** count(db): the number of rows (groups) the query gives, its limit and offset applied. */
  count(q: QueryAst): string {
    return `SELECT count(*)::int AS n FROM (${this.unorderedRows(q)}) AS counted`
  }

  /** exists(db): whether the query gives a row. */
  exists(q: QueryAst): string {
    return `SELECT EXISTS (${this.unorderedRows(q)}) AS e`
  }

  /** pluck(db, column): that column's values in the query's order. */
  pluck(q: QueryAst, c: ColArg): string {
    const level = this.level(q, null)
    return `SELECT ${this.col(c, level)} AS v ${this.from(q, level)}${this.tail(q, level)}`
  }

  /** sum / avg / min / max(db, column) over the query's rows. */
  aggregate(q: QueryAst, fn: AggFn, c: ColArg): string {
    const level = this.level(q, null)
    const item = Hand.topValue({
      key: 'v',
      sql: `${fn}(${this.col(c, level)})`,
      type: aggType(fn, c),
    })
    return `SELECT ${item} AS v ${this.from(q, level)}`
  }
}

function jsonObject(
  items: readonly HItemSql[],
  includes: readonly (readonly [string, string])[],
): string {
  const pairs = [
    ...items.map((i) => `'${i.key}', ${Hand.jsonValue(i)}`),
    ...includes.map(([name, sqlText]) => `'${name}', ${sqlText}`),
  ]
  return `json_build_object(${pairs.join(', ')})`
}
