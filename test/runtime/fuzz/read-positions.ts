import { type Executor, placeholder, sql } from '@fluentorm/runtime'
import type { Rng } from '../query-properties/prng.ts'
import type { HandQuery } from './expected-value.ts'
import { type FuzzColumn, Item } from './fuzz-table.ts'
import { anyHostile, describeValue, type Hostile, hostileFor } from './hostile-values.ts'

export const READ_POSITIONS = [
  'where',
  'whereIn',
  'having',
  'orderBy',
  'limit',
  'offset',
  'cursor',
  'placeholder',
  'sql:where',
  'sql:statement',
  'jsonPath',
] as const
export type ReadPosition = (typeof READ_POSITIONS)[number]

const OPERATORS = [
  '=',
  '!=',
  '<>',
  '<',
  '<=',
  '>',
  '>=',
  'like',
  'ilike',
  'not like',
  'not ilike',
  'contains',
  'startsWith',
  'endsWith',
  'icontains',
  'in',
  'not in',
  'between',
  'not between',
  '@>',
  '<@',
  '&&',
  'any',
  '?',
  '?|',
  '?&',
  '= ANY',
  '; DROP TABLE x',
  'LIKE',
]

/**
 * A read at one condition position with hostile values: the call, what it was given, and,
 * where the answer is known independently, a check of its rows against hand-written SQL.
 */
export interface ReadPlan {
  readonly given: string
  readonly call: (db: Executor) => Promise<unknown>
  /** Compares a successful result with hand SQL (when the values allow an exact answer). */
  readonly check?: (result: unknown, hand: HandQuery) => Promise<void>
}

const ids = (rows: unknown) => (rows as { id: unknown }[]).map((row) => Number(row.id))

/** A plain string PostgreSQL stores as it is: no NUL, no lone surrogate. */
const plainString = (value: unknown): value is string =>
  typeof value === 'string' && !/\p{Cs}/u.test(value) && !value.includes('\u0000')

export function readPlan(rng: Rng, position: ReadPosition, column: FuzzColumn): ReadPlan {
  const h = hostileFor(rng, column.kind)
  const v = h.value
  const given = (...values: Hostile[]) =>
    values.map((x) => `${x.label} ${describeValue(x.value)}`).join(' | ')
  switch (position) {
    case 'where': {
      const op = rng.pick(OPERATORS)
      const pair = op.endsWith('between') && rng.chance(0.6)
      const second = hostileFor(rng, column.kind)
      const value = pair ? [v, second.value] : v
      const check =
        op === '=' && column.sqlType === 'TEXT' && plainString(v)
          ? async (result: unknown, hand: HandQuery) => {
              const rows = await hand(
                `SELECT id FROM fz_items WHERE "${column.name}" = $1::text ORDER BY id`,
                [v],
              )
              expectSame(ids(result), ids(rows), 'where =')
            }
          : undefined
      return {
        given: `where('${column.name}', '${op}', ${pair ? given(h, second) : given(h)})`,
        call: (db) =>
          Item.query().where(column.name, op, value).select('id').orderBy('id').fetch(db),
        check,
      }
    }
    case 'whereIn':
      return {
        given: given(h),
        call: (db) => Item.query().whereIn(column.name, v).select('id').fetch(db),
      }
    case 'having': {
      const fn = rng.pick(['count', 'max', 'min', 'sum', 'avg', 'nope'])
      const target = rng.pick(['*', column.name])
      const op = rng.pick(OPERATORS)
      return {
        given: `having('${fn}', '${target}', '${op}', ${given(h)})`,
        call: (db) =>
          Item.query()
            .select('mood')
            .selectAggregate('count', '*', 'n')
            .groupBy('mood')
            .having(fn, target, op, v)
            .fetch(db),
      }
    }
    case 'orderBy': {
      const at = rng.int(0, 2)
      const args = [column.name, 'asc', 'last']
      args[at] = v as string
      return {
        given: `orderBy argument ${at}: ${given(h)}`,
        call: (db) => (Item.query() as any).orderBy(...args).fetch(db),
      }
    }
    case 'limit':
    case 'offset': {
      const count = rng.chance(0.5)
        ? anyHostile(rng)
        : { value: rng.pick([0, 1, 2, 2 ** 31, 2 ** 53, -1, 1.5]), label: 'count' }
      const n = count.value
      const check = async (result: unknown, hand: HandQuery) => {
        const [{ total }] = (await hand('SELECT count(*)::int AS total FROM fz_items')) as [
          { total: number },
        ]
        const expected =
          position === 'limit' ? Math.min(Number(n), total) : Math.max(0, total - Number(n))
        expectSame([(result as unknown[]).length], [expected], position)
      }
      const valid = typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
      return {
        given: `${count.label} ${describeValue(n)}`,
        call: (db) => Item.query().orderBy('id')[position](n).fetch(db),
        check: valid ? check : undefined,
      }
    }
    case 'cursor': {
      const order = rng.pick(['id', 't', 'i', 'tz', 'jb', column.name])
      const perPage = v
      const variant = rng.int(0, 3)
      return {
        given: `orderBy('${order}') cursor variant ${variant}: ${given(h)}`,
        call: async (db) => {
          const query = Item.query().orderBy(order, rng.pick(['asc', 'desc']))
          if (variant === 0) return query.cursorPaginate(db, { perPage })
          if (variant === 1) return query.cursorPaginate(db, { perPage: 2, after: v })
          if (variant === 2) return query.cursorPaginate(db, { perPage: 2, before: v })
          const page = await query.cursorPaginate(db, { perPage: 1 })
          const cursor = String(page.next ?? '')
          const cut = rng.int(0, cursor.length)
          const forged = `${cursor.slice(0, cut)}${typeof v === 'string' ? v : String(cut)}${cursor.slice(cut + 1)}`
          return query.cursorPaginate(db, { perPage: 1, after: forged })
        },
      }
    }
    case 'placeholder': {
      const params = rng.chance(0.8)
        ? { p: v }
        : rng.pick<object>([
            Object.create({ p: 1 }),
            JSON.parse('{"__proto__":{"p":1}}'),
            { p: v, q: 1 },
          ])
      return {
        given: `${given(h)} params ${describeValue(params)}`,
        call: (db) => Item.query().where(column.name, placeholder('p')).fetch(db, params),
      }
    }
    case 'sql:where':
      return {
        given: given(h),
        call: (db) =>
          Item.query()
            .where(sql`${Item.column(column.name)} = ${v}`)
            .select('id')
            .fetch(db),
      }
    case 'sql:statement':
      return {
        given: given(h),
        call: (db) => sql`SELECT ${v}::text AS x`.fetch(db),
        check: plainString(v)
          ? async (result) =>
              expectSame([(result as { x: unknown }[])[0]?.x], [v], 'a sql value read back as text')
          : undefined,
      }
    case 'jsonPath': {
      const keys = Array.from({ length: rng.int(1, 3) }, () =>
        rng.chance(0.6)
          ? { value: rng.pick(['a', 'k', 0, 1, -1, "it's", '$1', '']), label: 'key' }
          : anyHostile(rng),
      )
      const plain = keys.every((k) => plainString(k.value) || Number.isSafeInteger(k.value))
      const values = keys.map((k) => k.value)
      return {
        given: `path(${given(...keys)})`,
        call: (db) =>
          Item.query()
            .select({ id: 'id', x: Item.column('jb').pathText(...(values as string[])) })
            .orderBy('id')
            .fetch(db),
        check: plain
          ? async (result, hand) => {
              const steps = values.map(
                (key, i) =>
                  `${i === values.length - 1 ? '->>' : '->'} $${i + 1}::${typeof key === 'string' ? 'text' : 'int'}`,
              )
              const rows = await hand(
                `SELECT id, jb ${steps.join(' ')} AS x FROM fz_items ORDER BY id`,
                values,
              )
              expectSame(
                result as unknown[],
                rows.map((row) => ({ id: row.id, x: row.x })),
                'json path',
              )
            }
          : undefined,
      }
    }
  }
}

function expectSame(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) throw new Error(`${what}: fluentorm gave ${a}, hand SQL ${e}`)
}
