import { sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

/**
 * A property test of the query builder on real PostgreSQL (and PGlite): random queries are
 * built through the public API, and each result is compared with the same query written
 * independently, by hand, in SQL (the small generator `Hand` below, which shares nothing with
 * fluentorm's compiler), run on the same database.
 *
 * Every case comes from its own seed (mulberry32), printed in the test name:
 * `QUERY_PROPERTIES_SEED=<seed> QUERY_PROPERTIES_CASES=1 npx vitest run test/runtime/query-properties.test.ts`
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
/**
 * Keeps the random cases off the shape of the open bug pinned by a regression at the end of
 * this file, so that a new bug still stands out. `QUERY_PROPERTIES_KNOWN_BUGS=1` lets the
 * cases take that shape too (its seed then replays the failure); drop the flag once fixed.
 */
const AVOID_KNOWN_BUGS = !process.env.QUERY_PROPERTIES_KNOWN_BUGS
/** PGlite runs fewer cases: one connection, in-process. */
const PGLITE_CASES = Number(process.env.QUERY_PROPERTIES_PGLITE_CASES ?? Math.min(CASES, 150))

// ─── Schema ────────────────────────────────────────────────────────────────────────────────

type TableName = 'teams' | 'members' | 'profiles' | 'tasks' | 'skills' | 'member_skills'
type ColType = 'int' | 'bigint' | 'numeric' | 'text' | 'bool' | 'ts'
/** What an integer column identifies: columns of one domain can be correlated. */
type Domain = 'team' | 'member' | 'profile' | 'task' | 'skill' | 'link'

interface ColSpec {
  readonly name: string
  readonly type: ColType
  readonly nullable: boolean
  readonly domain: Domain | null
}

interface TableSpec {
  readonly name: TableName
  readonly model: string
  readonly soft: boolean
  readonly columns: readonly ColSpec[]
}

type RelSpec =
  | {
      readonly name: string
      readonly kind: 'belongsTo'
      readonly target: TableName
      readonly column: string
    }
  | {
      readonly name: string
      readonly kind: 'hasOne' | 'hasMany'
      readonly target: TableName
      readonly foreignColumn: string
    }
  | {
      readonly name: string
      readonly kind: 'manyToMany'
      readonly target: TableName
      readonly through: TableName
      readonly local: string
      readonly foreign: string
    }

const col = (name: string, type: ColType, nullable = false, domain: Domain | null = null) => ({
  name,
  type,
  nullable,
  domain,
})

/** The schema as this test knows it, written independently of the models below. */
const TABLES: Readonly<Record<TableName, TableSpec>> = {
  teams: {
    name: 'teams',
    model: 'Team',
    soft: true,
    columns: [
      col('id', 'int', false, 'team'),
      col('name', 'text'),
      col('budget', 'numeric', true),
      col('founded_at', 'ts', true),
      col('deleted_at', 'ts', true),
    ],
  },
  members: {
    name: 'members',
    model: 'Member',
    soft: true,
    columns: [
      col('id', 'int', false, 'member'),
      col('team_id', 'int', true, 'team'),
      col('manager_id', 'int', true, 'member'),
      col('name', 'text'),
      col('nickname', 'text', true),
      col('age', 'int', true),
      col('score', 'numeric', true),
      col('points', 'bigint'),
      col('active', 'bool'),
      col('joined_at', 'ts', true),
      col('deleted_at', 'ts', true),
    ],
  },
  profiles: {
    name: 'profiles',
    model: 'Profile',
    soft: false,
    columns: [
      col('id', 'int', false, 'profile'),
      col('member_id', 'int', false, 'member'),
      col('bio', 'text', true),
      col('rating', 'int', true),
    ],
  },
  tasks: {
    name: 'tasks',
    model: 'Task',
    soft: true,
    columns: [
      col('id', 'int', false, 'task'),
      col('member_id', 'int', false, 'member'),
      col('title', 'text'),
      col('hours', 'numeric'),
      col('weight', 'bigint', true),
      col('done', 'bool'),
      col('due_at', 'ts', true),
      col('deleted_at', 'ts', true),
    ],
  },
  skills: {
    name: 'skills',
    model: 'Skill',
    soft: true,
    columns: [
      col('id', 'int', false, 'skill'),
      col('name', 'text'),
      col('level', 'int', true),
      col('deleted_at', 'ts', true),
    ],
  },
  member_skills: {
    name: 'member_skills',
    model: 'MemberSkill',
    soft: true,
    columns: [
      col('id', 'int', false, 'link'),
      col('member_id', 'int', false, 'member'),
      col('skill_id', 'int', false, 'skill'),
      col('rank', 'int', true),
      col('deleted_at', 'ts', true),
    ],
  },
}
const TABLE_NAMES = Object.keys(TABLES) as TableName[]

const RELATIONS: Readonly<Record<TableName, readonly RelSpec[]>> = {
  teams: [{ name: 'members', kind: 'hasMany', target: 'members', foreignColumn: 'team_id' }],
  members: [
    { name: 'team', kind: 'belongsTo', target: 'teams', column: 'team_id' },
    { name: 'manager', kind: 'belongsTo', target: 'members', column: 'manager_id' },
    { name: 'reports', kind: 'hasMany', target: 'members', foreignColumn: 'manager_id' },
    { name: 'profile', kind: 'hasOne', target: 'profiles', foreignColumn: 'member_id' },
    { name: 'tasks', kind: 'hasMany', target: 'tasks', foreignColumn: 'member_id' },
    {
      name: 'skills',
      kind: 'manyToMany',
      target: 'skills',
      through: 'member_skills',
      local: 'member_id',
      foreign: 'skill_id',
    },
  ],
  profiles: [{ name: 'member', kind: 'belongsTo', target: 'members', column: 'member_id' }],
  tasks: [{ name: 'owner', kind: 'belongsTo', target: 'members', column: 'member_id' }],
  skills: [
    {
      name: 'members',
      kind: 'manyToMany',
      target: 'members',
      through: 'member_skills',
      local: 'skill_id',
      foreign: 'member_id',
    },
  ],
  member_skills: [
    { name: 'member', kind: 'belongsTo', target: 'members', column: 'member_id' },
    { name: 'skill', kind: 'belongsTo', target: 'skills', column: 'skill_id' },
  ],
}

/** Joins the generator may add: `join(To, 'to.toCol', fromCol)`. */
const JOIN_EDGES: readonly { from: TableName; fromCol: string; to: TableName; toCol: string }[] = [
  { from: 'members', fromCol: 'team_id', to: 'teams', toCol: 'id' },
  { from: 'members', fromCol: 'id', to: 'profiles', toCol: 'member_id' },
  { from: 'members', fromCol: 'id', to: 'tasks', toCol: 'member_id' },
  { from: 'members', fromCol: 'id', to: 'member_skills', toCol: 'member_id' },
  { from: 'tasks', fromCol: 'member_id', to: 'members', toCol: 'id' },
  { from: 'profiles', fromCol: 'member_id', to: 'members', toCol: 'id' },
  { from: 'teams', fromCol: 'id', to: 'members', toCol: 'team_id' },
  { from: 'member_skills', fromCol: 'member_id', to: 'members', toCol: 'id' },
  { from: 'member_skills', fromCol: 'skill_id', to: 'skills', toCol: 'id' },
  { from: 'skills', fromCol: 'id', to: 'member_skills', toCol: 'skill_id' },
]

const MODELS = modelsOf({
  teams(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.decimal({ name: 'budget', precision: 12, scale: 2, nullable: true })
    t.timestamptz({ name: 'founded_at', nullable: true })
    t.softDelete()
    t.hasMany({ name: 'members', foreignTable: 'members', foreignColumn: 'team_id' })
  },
  members(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'team_id', nullable: true })
    t.integer({ name: 'manager_id', nullable: true })
    t.string({ name: 'name' })
    t.string({ name: 'nickname', nullable: true })
    t.integer({ name: 'age', nullable: true })
    t.decimal({ name: 'score', precision: 10, scale: 2, nullable: true })
    t.bigInt({ name: 'points' })
    t.boolean({ name: 'active' })
    t.timestamptz({ name: 'joined_at', nullable: true })
    t.softDelete()
    t.belongsTo({ name: 'team', column: 'team_id', referencesTable: 'teams' })
    t.belongsTo({ name: 'manager', column: 'manager_id', referencesTable: 'members' })
    t.hasMany({ name: 'reports', foreignTable: 'members', foreignColumn: 'manager_id' })
    t.hasOne({ name: 'profile', foreignTable: 'profiles', foreignColumn: 'member_id' })
    t.hasMany({ name: 'tasks', foreignTable: 'tasks', foreignColumn: 'member_id' })
    t.manyToMany({
      name: 'skills',
      targetTable: 'skills',
      through: 'member_skills',
      throughLocalColumn: 'member_id',
      throughForeignColumn: 'skill_id',
    })
  },
  profiles(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'member_id' })
    t.string({ name: 'bio', nullable: true })
    t.integer({ name: 'rating', nullable: true })
    t.belongsTo({ name: 'member', column: 'member_id', referencesTable: 'members' })
  },
  tasks(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'member_id' })
    t.string({ name: 'title' })
    t.decimal({ name: 'hours', precision: 8, scale: 2 })
    t.bigInt({ name: 'weight', nullable: true })
    t.boolean({ name: 'done' })
    t.timestamptz({ name: 'due_at', nullable: true })
    t.softDelete()
    t.belongsTo({ name: 'owner', column: 'member_id', referencesTable: 'members' })
  },
  skills(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.integer({ name: 'level', nullable: true })
    t.softDelete()
    t.manyToMany({
      name: 'members',
      targetTable: 'members',
      through: 'member_skills',
      throughLocalColumn: 'skill_id',
      throughForeignColumn: 'member_id',
    })
  },
  member_skills(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'member_id' })
    t.integer({ name: 'skill_id' })
    t.integer({ name: 'rank', nullable: true })
    t.softDelete()
    t.belongsTo({ name: 'member', column: 'member_id', referencesTable: 'members' })
    t.belongsTo({ name: 'skill', column: 'skill_id', referencesTable: 'skills' })
  },
})

function model(table: TableName): any {
  return MODELS[TABLES[table].model]
}

// ─── Data: ties, NULLs, soft-deleted rows, 9.50 / 10.00, bigints beyond 2^53 ──────────────

type Row = Record<string, unknown>
type Value = null | number | bigint | string | boolean | Date
const at = (iso: string) => new Date(iso)
const T0 = at('2024-01-01T00:00:00.000Z')
const BIG = 9_007_199_254_740_993n // 2^53 + 1

/** Rows from value tuples, in `columns` order. */
function rows(columns: readonly string[], values: readonly (readonly Value[])[]): Row[] {
  return values.map((tuple) => Object.fromEntries(columns.map((c, i) => [c, tuple[i]])))
}

/** Rows in id order (ids are 1, 2, … as inserted); DELETED rows are soft-deleted after. */
const DATA: Readonly<Record<TableName, readonly Row[]>> = {
  teams: rows(
    ['name', 'budget', 'founded_at'],
    [
      ['Red', '9.50', T0],
      ['blue', '10.00', T0],
      ['Green', null, null],
      ["O'Hara", '100.25', at('2023-12-31T23:59:59.999Z')], // 4, soft-deleted
      ['', '0.00', at('2024-06-15T08:00:00.500Z')],
    ],
  ),
  members: rows(
    ['team_id', 'manager_id', 'name', 'nickname', 'age', 'score', 'points', 'active', 'joined_at'],
    [
      [1, null, 'Ann', null, 30, '9.50', BIG, true, T0],
      [1, 1, 'bob', 'Bobby', 30, '10.00', BIG - 1n, false, T0],
      [2, 1, 'Cara', 'C_%', null, '10.00', -5n, true, at('2024-02-29T12:00:00.000Z')],
      [null, 2, 'dave', '', 25, null, 0n, true, null],
      // 5, soft-deleted
      [2, 3, 'Éva', null, 41, '9.50', 2n ** 62n, false, at('2024-02-29T12:00:00.000Z')],
      [3, null, "O'Neil", 'on', 25, '0.00', 1n, true, at('2023-12-31T23:59:59.999Z')],
      // 7: in a soft-deleted team, managed by a soft-deleted member
      [4, 5, 'ann', 'Annie', 30, '-1.25', BIG, false, at('2024-03-01T00:00:00.001Z')],
      [4, 7, 'Zed', 'Z', 60, '100.25', -BIG, true, null], // 8, soft-deleted, deleted team
      [null, 2, 'bob', null, 18, '9.50', 2n, true, T0], // 9: the same name as 2
      [3, 6, 'Mia', 'mia', 25, '10.00', 2n, true, at('2024-05-05T05:05:05.005Z')],
      [2, 4, 'Li', null, null, null, 42n, false, null],
      [5, 10, 'Ann-Marie', 'A%', 30, '9.99', BIG, true, T0],
    ],
  ),
  profiles: rows(
    ['member_id', 'bio', 'rating'],
    [
      [1, 'first', 5],
      [1, null, 3], // member 1 has two
      [2, "it's", null],
      [5, 'ghost', 4],
      [7, '%', 5],
      [10, '', 1],
    ],
  ),
  tasks: rows(
    ['member_id', 'title', 'hours', 'weight', 'done', 'due_at'],
    [
      [1, 'Plan', '9.50', BIG, true, T0],
      [1, 'plan', '10.00', null, false, null],
      [2, 'Build', '10.00', 3n, false, T0],
      [2, 'Test_1', '0.50', 3n, true, at('2024-02-01T10:00:00.000Z')],
      [3, 'Ship', '9.50', -BIG, false, null], // 5, soft-deleted
      [5, 'Ghost task', '1.00', 1n, true, at('2024-03-01T00:00:00.000Z')], // 6, soft-deleted
      [6, "O'Brien", '100.00', null, false, T0],
      [7, '%done%', '9.50', 2n ** 62n, true, null],
      [8, 'Zzz', '2.25', 0n, false, at('2024-01-01T00:00:00.001Z')],
      [10, 'plan B', '10.00', 2n, true, at('2024-05-05T05:05:05.005Z')],
      [10, 'Plan', '9.50', 2n, false, null], // 11, soft-deleted
      [12, 'é', '0.00', null, true, T0],
      [2, 'Build', '10.00', 3n, false, T0], // 13: the same values as 3
      [4, '', '3.33', -1n, false, null],
    ],
  ),
  skills: rows(
    ['name', 'level'],
    [
      ['sql', 3],
      ['TS', null],
      ['go', 1],
      ['rust', 5], // 4, soft-deleted
      ['SQL', 3],
    ],
  ),
  member_skills: rows(
    ['member_id', 'skill_id', 'rank'],
    [
      [1, 1, 1],
      [1, 2, 2], // 2, soft-deleted
      [2, 1, null],
      [3, 4, 1],
      [5, 1, 1],
      [7, 5, 2],
      [10, 2, 1],
      [10, 3, 2],
      [1, 1, 3], // member 1 – skill 1 twice
      [12, 5, null],
      [5, 4, 2], // 11, soft-deleted: a soft-deleted member's soft-deleted skill
    ],
  ),
}

const DELETED: Readonly<Record<TableName, readonly number[]>> = {
  teams: [4],
  members: [5, 8],
  profiles: [],
  tasks: [5, 6, 11],
  skills: [4],
  member_skills: [2, 11],
}

/** Values worth comparing a column with: its own values, and some near or beyond them. */
const EXTRA_VALUES: Readonly<Record<ColType, readonly Value[]>> = {
  int: [0, -1, 26, 1000],
  bigint: [9_007_199_254_740_992n, 9_007_199_254_740_994n, 0n, -1n, 4_611_686_018_427_387_905n],
  numeric: ['9.5', '10', '9.500', '-1.25', '0', '10.001', '100.25'],
  text: ['ann', 'ANN', '', 'zz', "O'Neil", 'É', 'Plan'],
  bool: [true, false],
  ts: [at('2024-01-01T00:00:00.001Z'), at('2023-12-31T23:59:59.999Z'), at('2025-01-01T00:00:00Z')],
}

// biome-ignore format: one list of patterns
const LIKE_PATTERNS = ['a%', 'A%', '%a%', '%n', '_o%', '%\\_%', '%\\%%', "O'%", '%', '', 'Ann', '%é%', 'É%', 'b_b', 'plan%', '%e_']

const pools = new Map<string, Value[]>()
/** The column's own (non-null) values, or, `extra`, values near or beyond them. */
function valuesOf(table: TableName, column: ColSpec, extra: boolean): Value[] {
  const key = `${table}.${column.name}.${extra}`
  let pool = pools.get(key)
  if (!pool) {
    const seen = new Map<string, Value>()
    if (extra) {
      const values = column.domain ? [0, 6, 9, 11, 99] : EXTRA_VALUES[column.type]
      for (const value of values) seen.set(canon(value), value)
    } else {
      for (const row of DATA[table]) {
        const value = row[column.name] as Value | undefined
        if (value !== null && value !== undefined) seen.set(canon(value), value)
      }
      if (column.domain && column.name === 'id') {
        DATA[table].forEach((_, i) => {
          seen.set(String(i + 1), i + 1)
        })
      }
    }
    pool = [...seen.values()]
    pools.set(key, pool)
  }
  return pool
}

// ─── Random numbers ───────────────────────────────────────────────────────────────────────

class Rng {
  #state: number
  constructor(seed: number) {
    this.#state = seed >>> 0
  }
  /** mulberry32 */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1))
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing')
    return items[Math.floor(this.next() * items.length)]!
  }
  /** A key of `weights`, each as likely as its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = (Object.entries(weights) as [K, number][]).filter(([, w]) => w > 0)
    let r = this.next() * entries.reduce((sum, [, w]) => sum + w, 0)
    for (const [key, w] of entries) {
      r -= w
      if (r < 0) return key
    }
    return entries[entries.length - 1]![0]
  }
  /** An index of `weights`, each as likely as its weight. */
  index(weights: readonly number[]): number {
    let r = this.next() * weights.reduce((sum, w) => sum + w, 0)
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!
      if (r < 0) return i
    }
    return weights.length - 1
  }
}

// ─── The query AST: what a case builds, rendered three ways (builder, hand SQL, code) ─────

/** A column of the query itself ('c', or 'table.c' when `qualified`) or of a joined table. */
type ColArg =
  | {
      readonly kind: 'own'
      readonly table: TableName
      readonly column: string
      readonly qualified: boolean
    }
  | { readonly kind: 'join'; readonly table: TableName; readonly column: string }
/** `Model.column('c')`. */
interface RefArg {
  readonly kind: 'ref'
  readonly table: TableName
  readonly column: string
}
type FragKind = keyof typeof FRAGS
type FragArg =
  | RefArg
  | { readonly kind: 'value'; readonly value: Value }
  | { readonly kind: 'query'; readonly query: QueryAst }
interface Frag {
  readonly kind: 'frag'
  readonly frag: FragKind
  readonly args: readonly FragArg[]
}

type Cond =
  | {
      readonly kind: 'cmp'
      readonly left: ColArg | RefArg
      readonly op: string
      readonly value: Value
      readonly twoArgs: boolean
    }
  | { readonly kind: 'cmpExpr'; readonly left: ColArg; readonly op: string; readonly right: Frag }
  | { readonly kind: 'fragCmp'; readonly left: Frag; readonly op: string; readonly value: Value }
  | {
      readonly kind: 'list'
      readonly col: ColArg
      readonly negated: boolean
      readonly values: readonly Value[]
      readonly method: boolean
    }
  | {
      readonly kind: 'between'
      readonly col: ColArg
      readonly negated: boolean
      readonly low: Value
      readonly high: Value
    }
  | {
      readonly kind: 'null'
      readonly operand: ColArg | Frag
      readonly negated: boolean
      /** where(col, null) / where(col, '<>', null) instead of whereNull / whereNotNull. */
      readonly asValue: '=' | '<>' | '!=' | null
    }
  | {
      readonly kind: 'column'
      readonly left: ColArg
      readonly op: string
      readonly right: ColArg | RefArg
    }
  | { readonly kind: 'frag'; readonly frag: Frag }
  | { readonly kind: 'group'; readonly clauses: readonly Clause[] }
  | { readonly kind: 'exists'; readonly negated: boolean; readonly query: QueryAst }
  | {
      readonly kind: 'inQuery'
      readonly col: ColArg
      readonly negated: boolean
      readonly query: QueryAst
      readonly method: boolean
    }

interface Clause {
  readonly or: boolean
  readonly cond: Cond
}

type AggFn = 'count' | 'sum' | 'avg' | 'min' | 'max'
type SelectCall =
  | { readonly kind: 'list'; readonly cols: readonly ColArg[] }
  | { readonly kind: 'object'; readonly items: readonly { key: string; expr: ColArg | Frag }[] }
  | {
      readonly kind: 'aggregate'
      readonly fn: AggFn
      readonly col: ColArg | null
      readonly alias: string
    }

interface Order {
  readonly by: ColArg | Frag | { readonly kind: 'key'; readonly key: string }
  readonly dir: 'asc' | 'desc'
  readonly nulls: 'first' | 'last' | null
  /** orderBy(x) with the default direction. */
  readonly bare: boolean
}

type Having =
  | {
      readonly kind: 'agg'
      readonly fn: AggFn
      readonly col: ColArg | null
      readonly op: string
      readonly value: Value
    }
  | Frag

interface JoinSpec {
  readonly type: 'inner' | 'left'
  readonly table: TableName
  readonly column: string
  readonly other: ColArg
}

interface IncludeSpec {
  readonly relation: string
  readonly query: QueryAst
  /** include(name) without a callback (the query is then empty). */
  readonly bare: boolean
}

interface QueryAst {
  readonly table: TableName
  readonly deleted: 'exclude' | 'include' | 'only'
  readonly joins: readonly JoinSpec[]
  readonly selects: readonly SelectCall[]
  readonly distinct: boolean
  readonly clauses: readonly Clause[]
  readonly groupBy: readonly (ColArg | Frag)[]
  readonly having: readonly Having[]
  readonly orders: readonly Order[]
  readonly limit: number | null
  readonly offset: number | null
  readonly includes: readonly IncludeSpec[]
}

function emptyAst(table: TableName): QueryAst {
  return {
    table,
    deleted: 'exclude',
    joins: [],
    selects: [],
    distinct: false,
    clauses: [],
    groupBy: [],
    having: [],
    orders: [],
    limit: null,
    offset: null,
    includes: [],
  }
}

interface Checks {
  readonly count: boolean
  readonly exists: boolean
  readonly pluck: ColArg | null
  readonly aggregate: { fn: 'sum' | 'avg' | 'min' | 'max'; col: ColArg } | null
}

interface Case {
  readonly seed: number
  readonly query: QueryAst
  readonly checks: Checks
}

// ─── sql fragments: built with the real `sql` tag, and their hand-written SQL ────────────

interface FragDef {
  readonly build: (...args: any[]) => unknown
  readonly hand: (...args: string[]) => string
  readonly code: (...args: string[]) => string
}

const FRAGS = {
  plusGt: {
    build: (a: unknown, n: unknown, b: unknown) => sql`${a} + ${n} > ${b}`,
    hand: (a, n, b) => `${a} + ${n} > ${b}`,
    code: (a, n, b) => `sql\`\${${a}} + \${${n}} > \${${b}}\``,
  },
  nullOrGt: {
    build: (a: unknown, b: unknown, n: unknown) => sql`${a} IS NULL OR ${b} > ${n}`,
    hand: (a, b, n) => `${a} IS NULL OR ${b} > ${n}`,
    code: (a, b, n) => `sql\`\${${a}} IS NULL OR \${${b}} > \${${n}}\``,
  },
  lower: {
    build: (a: unknown) => sql`lower(${a})`,
    hand: (a) => `lower(${a})`,
    code: (a) => `sql\`lower(\${${a}})\``,
  },
  nullif: {
    build: (a: unknown, v: unknown) => sql`nullif(${a}, ${v})`,
    hand: (a, v) => `nullif(${a}, ${v})`,
    code: (a, v) => `sql\`nullif(\${${a}}, \${${v}})\``,
  },
  length: {
    build: (a: unknown) => sql`length(${a})`,
    hand: (a) => `length(${a})`,
    code: (a) => `sql\`length(\${${a}})\``,
  },
  times: {
    build: (a: unknown, n: unknown) => sql<number>`${a} * ${n}`,
    hand: (a, n) => `${a} * ${n}`,
    code: (a, n) => `sql<number>\`\${${a}} * \${${n}}\``,
  },
  coalesce: {
    build: (a: unknown, d: unknown) => sql`coalesce(${a}, ${d})`,
    hand: (a, d) => `coalesce(${a}, ${d})`,
    code: (a, d) => `sql\`coalesce(\${${a}}, \${${d}})\``,
  },
  gt: {
    build: (a: unknown, b: unknown) => sql<boolean>`${a} > ${b}`,
    hand: (a, b) => `${a} > ${b}`,
    code: (a, b) => `sql<boolean>\`\${${a}} > \${${b}}\``,
  },
  mod3: {
    build: (a: unknown) => sql<number>`${a} % 3`,
    hand: (a) => `${a} % 3`,
    code: (a) => `sql<number>\`\${${a}} % 3\``,
  },
  isNull: {
    build: (a: unknown) => sql<boolean>`${a} IS NULL`,
    hand: (a) => `${a} IS NULL`,
    code: (a) => `sql<boolean>\`\${${a}} IS NULL\``,
  },
  countGe: {
    build: (n: unknown) => sql`count(*) >= ${n}`,
    hand: (n) => `count(*) >= ${n}`,
    code: (n) => `sql\`count(*) >= \${${n}}\``,
  },
  sumGt: {
    build: (a: unknown, n: unknown) => sql`sum(${a}) > ${n}`,
    hand: (a, n) => `sum(${a}) > ${n}`,
    code: (a, n) => `sql\`sum(\${${a}}) > \${${n}}\``,
  },
  scalar: {
    build: (q: unknown) => sql<number>`${q}`,
    hand: (q) => q,
    code: (q) => `sql<number>\`\${${q}}\``,
  },
} satisfies Record<string, FragDef>

/** The value type of a select item, for decoding an include's JSON and for casts. */
type ValType = ColType | 'count' | 'float' | 'exact' | 'raw'

function columnSpec(table: TableName, name: string): ColSpec {
  const spec = TABLES[table].columns.find((c) => c.name === name)
  if (!spec) throw new Error(`no column ${table}.${name}`)
  return spec
}

function colSpecOf(c: ColArg | RefArg): ColSpec {
  return columnSpec(c.table, c.column)
}

const NUMBER_TYPES: ReadonlySet<ColType> = new Set(['int', 'bigint', 'numeric'])

function aggType(fn: AggFn, c: ColArg | null): ValType {
  if (fn === 'count') return 'count'
  const spec = colSpecOf(c!)
  if (fn === 'min' || fn === 'max') return spec.type
  return spec.type === 'int' ? 'float' : 'exact'
}

// ─── The generator ────────────────────────────────────────────────────────────────────────

/** A query level while generating: its table, joins and the level around it. */
interface Ctx {
  readonly table: TableName
  readonly joins: readonly TableName[]
  readonly parent: Ctx | null
  readonly includeDepth: number
  readonly subDepth: number
  /** A manyToMany include's junction table (joined by fluentorm, not by the query). */
  readonly junction: TableName | null
}

/** What a query level is: the query, an include (many or one row), or a kind of subquery. */
type Role = 'top' | 'many' | 'one' | 'exists' | 'in' | 'scalar'

interface LevelOptions {
  readonly parent: Ctx | null
  readonly includeDepth: number
  readonly subDepth: number
  readonly inColumn?: string | undefined
  readonly relation?: RelSpec
}

type Family = 'num' | 'text' | 'bool' | 'ts'
const family = (type: ColType): Family =>
  NUMBER_TYPES.has(type) ? 'num' : type === 'text' ? 'text' : type === 'bool' ? 'bool' : 'ts'

class Gen {
  #keys = 0
  constructor(readonly rng: Rng) {}

  key(prefix: string): string {
    return `${prefix}_${++this.#keys}`
  }

  /** The tables `Model.column` can name here: this level's and every level's around it. */
  chainTables(ctx: Ctx): TableName[] {
    const out: TableName[] = []
    for (let c: Ctx | null = ctx; c; c = c.parent) {
      for (const t of [c.table, ...c.joins]) {
        // Known bug (regression below): a join of the junction table inside its include.
        if (AVOID_KNOWN_BUGS && t === c.junction) continue
        if (!out.includes(t)) out.push(t)
      }
    }
    return out
  }

  /** Tables of enclosing levels only (for correlation), nearest first. */
  outerTables(ctx: Ctx): TableName[] {
    return ctx.parent ? this.chainTables(ctx.parent) : []
  }

  ownCol(ctx: Ctx, filter: (c: ColSpec) => boolean = () => true): ColArg | null {
    const cols = TABLES[ctx.table].columns.filter(filter)
    if (!cols.length) return null
    const spec = this.rng.pick(cols)
    return { kind: 'own', table: ctx.table, column: spec.name, qualified: this.rng.chance(0.15) }
  }

  anyCol(ctx: Ctx, filter: (c: ColSpec) => boolean = () => true): ColArg | null {
    const joined: ColArg[] = ctx.joins.flatMap((t) =>
      TABLES[t].columns
        .filter(filter)
        .map((c) => ({ kind: 'join' as const, table: t, column: c.name })),
    )
    if (joined.length && this.rng.chance(0.35)) return this.rng.pick(joined)
    return this.ownCol(ctx, filter) ?? (joined.length ? this.rng.pick(joined) : null)
  }

  ref(tables: readonly TableName[], filter: (c: ColSpec) => boolean): RefArg | null {
    const options = tables.flatMap((t) =>
      TABLES[t].columns
        .filter(filter)
        .map((c) => ({ kind: 'ref' as const, table: t, column: c.name })),
    )
    return options.length ? this.rng.pick(options) : null
  }

  /** A reference, preferring an enclosing level's table (a correlation) when there is one. */
  anyRef(ctx: Ctx, filter: (c: ColSpec) => boolean): RefArg | null {
    const outer = this.outerTables(ctx)
    if (outer.length && this.rng.chance(0.6)) {
      const r = this.ref(outer, filter)
      if (r) return r
    }
    return this.ref(this.chainTables(ctx), filter)
  }

  /** A value to compare the column with: mostly one it holds. */
  value(c: ColArg | RefArg): Value {
    const spec = colSpecOf(c)
    const own = valuesOf(c.table, spec, false)
    return this.rng.pick(own.length && this.rng.chance(0.75) ? own : valuesOf(c.table, spec, true))
  }

  // ── a query level ──

  /**
   * One query level on `table`, in the role it plays (`parent`: the level around it).
   * `inColumn`: the column a whereIn subquery selects; `relation`: the include it loads.
   */
  query(table: TableName, role: Role, level: LevelOptions): QueryAst {
    const { parent, includeDepth, subDepth, inColumn, relation } = level
    const rng = this.rng
    const spec = TABLES[table]
    const q = { ...emptyAst(table) } as {
      -readonly [K in keyof QueryAst]: QueryAst[K]
    }
    const soft = spec.soft
    const top = role === 'top'
    q.deleted = rng.weighted({
      exclude: 74,
      include: soft ? 13 : 4,
      only: !soft ? 0 : top ? 7 : 13,
    })

    // joins
    const joinChance = { top: 0.35, many: 0.1, one: 0.1, exists: 0.12, in: 0.08, scalar: 0 }[role]
    const joins: TableName[] = []
    if (rng.chance(joinChance)) {
      const count = rng.chance(0.3) ? 2 : 1
      for (let i = 0; i < count; i++) {
        const present = [table, ...joins]
        const edges = JOIN_EDGES.filter((e) => present.includes(e.from) && !present.includes(e.to))
        if (!edges.length) break
        const edge = rng.pick(edges)
        const other: ColArg =
          edge.from === table
            ? { kind: 'own', table, column: edge.fromCol, qualified: rng.chance(0.2) }
            : { kind: 'join', table: edge.from, column: edge.fromCol }
        q.joins = [
          ...q.joins,
          { type: rng.chance(0.5) ? 'inner' : 'left', table: edge.to, column: edge.toCol, other },
        ]
        joins.push(edge.to)
      }
    }
    const junction = relation?.kind === 'manyToMany' ? relation.through : null
    const ctx: Ctx = { table, joins, parent, includeDepth, subDepth, junction }

    // conditions
    const clauses: Clause[] = []
    if (role === 'exists' || role === 'in' || role === 'scalar') {
      const correlation = this.correlation(ctx, role === 'scalar' ? 0.95 : 0.8)
      if (correlation) clauses.push({ or: false, cond: correlation })
    }
    const extra = {
      top: [25, 35, 25, 10, 5],
      many: [45, 35, 20],
      one: [60, 30, 10],
      exists: [35, 45, 20],
      in: [40, 45, 15],
      scalar: [60, 40],
    }[role]
    for (let i = rng.index(extra); i > 0; i--) {
      clauses.push({ or: clauses.length > 0 && rng.chance(0.4), cond: this.cond(ctx, 0) })
    }
    // Now and then the first condition is an orWhere, which acts as a where.
    if (clauses.length && rng.chance(0.05)) clauses[0] = { ...clauses[0]!, or: true }
    q.clauses = clauses

    const pk = (): ColArg => ({ kind: 'own', table, column: 'id', qualified: rng.chance(0.2) })
    const pkTail = (): Order[] => {
      const dir = rng.chance(0.3) ? 'desc' : 'asc'
      return [
        { by: pk(), dir, nulls: null, bare: dir === 'asc' && rng.chance(0.5) },
        ...joins.map(
          (t): Order => ({
            by: { kind: 'join', table: t, column: 'id' },
            dir: rng.chance(0.3) ? 'desc' : 'asc',
            nulls: rng.chance(0.3) ? rng.pick(['first', 'last'] as const) : null,
            bare: false,
          }),
        ),
      ]
    }

    // the shape of the select list
    const mode = {
      top: () => rng.weighted({ all: 35, list: 16, object: 16, group: 20, distinct: 8 }),
      many: () => rng.weighted({ all: 45, list: 22, object: 15, group: 12, distinct: 6 }),
      one: () => rng.weighted({ all: 50, list: 28, object: 18, distinct: 4 }),
      exists: () => rng.weighted({ all: 80, list: 8, group: 12 }),
      in: () => 'in' as const,
      scalar: () => 'scalar' as const,
    }[role]()

    if (mode === 'list' || mode === 'object') {
      q.selects = this.selects(ctx, mode)
      if (role === 'top' || role === 'many' || role === 'one' || role === 'exists') {
        const keyed = this.orderable(q.selects)
        const random: Order[] = []
        const n = rng.index([30, 45, 25])
        for (let i = 0; i < n; i++) random.push(this.order(ctx, keyed))
        const ordered = role === 'top' || rng.chance(0.7) || role === 'one'
        q.orders = ordered ? [...random, ...pkTail()] : []
      }
    } else if (mode === 'all') {
      if (role !== 'exists') {
        const random: Order[] = []
        const n = rng.index([35, 45, 20])
        for (let i = 0; i < n; i++) random.push(this.order(ctx, []))
        const ordered = role === 'top' || role === 'one' || rng.chance(0.7)
        q.orders = ordered ? [...random, ...pkTail()] : []
      }
    } else if (mode === 'group') {
      this.grouped(q, ctx, role)
    } else if (mode === 'distinct') {
      const cols = TABLES[table].columns.filter((c) => c.name !== 'id' && c.name !== 'deleted_at')
      const chosen: ColArg[] = []
      for (let i = rng.int(1, 2); i > 0; i--) {
        const c = rng.pick(cols)
        if (!chosen.some((x) => x.column === c.name)) {
          chosen.push({ kind: 'own', table, column: c.name, qualified: false })
        }
      }
      q.selects = [{ kind: 'list', cols: chosen }]
      q.distinct = true
      // Ordered by what it selects (ordering DISTINCT rows by anything else is refused); a
      // many include may be unordered (compared as a multiset).
      const unordered = role === 'many' && rng.chance(0.4)
      q.orders = unordered
        ? []
        : chosen.map((c) => ({
            by: c,
            dir: rng.chance(0.5) ? 'desc' : 'asc',
            nulls: rng.chance(0.4) ? rng.pick(['first', 'last'] as const) : null,
            bare: false,
          }))
    } else if (mode === 'in') {
      this.inSelect(q, ctx, inColumn)
    } else if (mode === 'scalar') {
      const intCols = TABLES[table].columns.filter((c) => c.type === 'int')
      if (rng.chance(0.8)) {
        q.selects = [{ kind: 'aggregate', fn: 'count', col: null, alias: 'n' }]
      } else {
        const c = rng.pick(intCols)
        q.selects = [
          {
            kind: 'aggregate',
            fn: rng.pick(['min', 'max'] as const),
            col: { kind: 'own', table, column: c.name, qualified: false },
            alias: 'm',
          },
        ]
      }
    }

    // limit / offset, only where the order makes the rows certain
    if (role === 'top') {
      if (rng.chance(0.3)) q.limit = rng.chance(0.1) ? 0 : rng.int(1, 6)
      if (rng.chance(0.2)) q.offset = rng.int(0, 2)
    } else if (role === 'many' && q.orders.length && mode !== 'group') {
      if (rng.chance(0.22)) q.limit = rng.int(0, 3)
      if (rng.chance(0.12)) q.offset = rng.int(0, 2)
    } else if (role === 'many' && mode === 'group' && q.orders.length) {
      if (rng.chance(0.2)) q.limit = rng.int(1, 2)
    } else if (role === 'one' && q.orders.length) {
      if (rng.chance(0.12)) q.offset = 1
    } else if (role === 'exists') {
      if (rng.chance(0.06)) q.limit = rng.int(0, 1)
      if (rng.chance(0.06)) q.offset = 1
    }

    // includes
    const canInclude =
      (role === 'top' || role === 'many' || role === 'one') &&
      mode !== 'group' &&
      mode !== 'distinct' &&
      includeDepth < 3
    if (canInclude) {
      const wanted =
        role === 'top'
          ? rng.index([25, 40, 25, 10])
          : rng.index([includeDepth === 1 ? 45 : 65, 40, includeDepth === 1 ? 15 : 5])
      const relations = [...RELATIONS[table]]
      for (let i = 0; i < wanted && relations.length; i++) {
        const relation = relations.splice(rng.int(0, relations.length - 1), 1)[0]!
        const relRole: Role =
          relation.kind === 'hasMany' || relation.kind === 'manyToMany' ? 'many' : 'one'
        const nested = rng.chance(0.12)
          ? emptyAst(relation.target)
          : this.query(relation.target, relRole, {
              parent: ctx,
              includeDepth: includeDepth + 1,
              subDepth,
              relation,
            })
        const bare = isEmpty(nested) && rng.chance(0.6)
        q.includes = [...q.includes, { relation: relation.name, query: nested, bare }]
      }
    }
    return q as QueryAst
  }

  /** select(...) calls: a list of columns, an object of columns and fragments, or both. */
  selects(ctx: Ctx, mode: 'list' | 'object'): SelectCall[] {
    const rng = this.rng
    const used = new Set<string>()
    const calls: SelectCall[] = []
    const callCount = rng.chance(0.2) ? 2 : 1
    for (let call = 0; call < callCount; call++) {
      const form = call === 0 ? mode : rng.pick(['list', 'object'] as const)
      if (form === 'list') {
        const cols: ColArg[] = []
        for (let i = rng.int(1, 3); i > 0; i--) {
          const c = this.anyCol(ctx)
          if (c && !used.has(c.column)) {
            used.add(c.column)
            cols.push(c)
          }
        }
        if (cols.length) calls.push({ kind: 'list', cols })
      } else {
        const items: { key: string; expr: ColArg | Frag }[] = []
        for (let i = rng.int(1, 3); i > 0; i--) {
          const key = this.key('k')
          const expr = rng.chance(0.55) ? this.anyCol(ctx) : this.selectFrag(ctx)
          if (expr) items.push({ key, expr })
        }
        if (items.length) calls.push({ kind: 'object', items })
      }
    }
    if (!calls.length) {
      calls.push({
        kind: 'list',
        cols: [{ kind: 'own', table: ctx.table, column: 'id', qualified: false }],
      })
    }
    return calls
  }

  /** A fragment for the select list, of a type JSON carries exactly (inside includes too). */
  selectFrag(ctx: Ctx): Frag | null {
    const rng = this.rng
    const kind = rng.weighted({ times: 3, coalesce: 3, gt: 2, scalar: ctx.subDepth < 2 ? 3 : 0 })
    if (kind === 'times') {
      const a = this.anyRef(ctx, (c) => c.type === 'int' && !c.domain)
      return a ? frag('times', a, v(rng.int(-2, 3))) : null
    }
    if (kind === 'coalesce') {
      const a = this.anyRef(ctx, (c) => c.type === 'text')
      return a ? frag('coalesce', a, v(rng.pick(['none', '', "it's"]))) : null
    }
    if (kind === 'gt') {
      const a = this.anyRef(ctx, (c) => c.type === 'int' || c.type === 'numeric')
      const b = this.anyRef(ctx, (c) => c.type === 'int' || c.type === 'numeric')
      return a && b ? frag('gt', a, b) : null
    }
    const sub = this.subquery(ctx, 'scalar')
    return sub ? frag('scalar', { kind: 'query', query: sub }) : null
  }

  /** Select keys an orderBy can name: renamed columns and fragments. */
  orderable(selects: readonly SelectCall[]): string[] {
    return selects.flatMap((s) => (s.kind === 'object' ? s.items.map((i) => i.key) : []))
  }

  order(ctx: Ctx, keys: readonly string[]): Order {
    const rng = this.rng
    const dir = rng.chance(0.45) ? 'desc' : 'asc'
    const nulls = rng.chance(0.3) ? rng.pick(['first', 'last'] as const) : null
    const kind = rng.weighted({ column: 70, key: keys.length ? 15 : 0, frag: 15 })
    if (kind === 'key') return { by: { kind: 'key', key: rng.pick(keys) }, dir, nulls, bare: false }
    if (kind === 'frag') {
      const text = rng.chance(0.5)
      const a = this.anyRef(ctx, (c) => (text ? c.type === 'text' : NUMBER_TYPES.has(c.type)))
      if (a) {
        return {
          by: text ? frag('lower', a) : frag('coalesce', a, v(0)),
          dir,
          nulls,
          bare: false,
        }
      }
    }
    const c = this.anyCol(ctx)!
    return { by: c, dir, nulls, bare: dir === 'asc' && !nulls && rng.chance(0.5) }
  }

  /** groupBy with aggregates, having and an order by an aggregate alias. */
  grouped(q: { -readonly [K in keyof QueryAst]: QueryAst[K] }, ctx: Ctx, role: Role): void {
    const rng = this.rng
    const table = ctx.table
    const keys: (ColArg | Frag)[] = []
    const selects: SelectCall[] = []
    const keyOrders: Order[] = []
    const keyCount = role === 'top' && rng.chance(0.35) ? 2 : 1
    const used = new Set<string>()
    for (let i = 0; i < keyCount; i++) {
      // Fragments only at the top level, where the own table is never aliased.
      const useFrag = role === 'top' && rng.chance(0.3)
      if (useFrag) {
        const kind = rng.pick(['lower', 'mod3', 'isNull'] as const)
        const own = TABLES[table].columns.filter((c) =>
          kind === 'lower' ? c.type === 'text' : kind === 'mod3' ? c.type === 'int' : c.nullable,
        )
        if (!own.length) continue
        const f = frag(kind, { kind: 'ref', table, column: rng.pick(own).name })
        const key = this.key('g')
        keys.push(f)
        selects.push({ kind: 'object', items: [{ key, expr: f }] })
        keyOrders.push({
          by: { kind: 'key', key },
          dir: rng.chance(0.3) ? 'desc' : 'asc',
          nulls: null,
          bare: false,
        })
      } else {
        const c = role === 'top' ? this.anyCol(ctx) : this.ownCol(ctx)
        if (!c || used.has(c.column)) continue
        used.add(c.column)
        keys.push(c)
        if (rng.chance(0.25)) {
          const key = this.key('g')
          selects.push({ kind: 'object', items: [{ key, expr: c }] })
          keyOrders.push({ by: { kind: 'key', key }, dir: 'asc', nulls: null, bare: false })
        } else {
          selects.push({ kind: 'list', cols: [c] })
          keyOrders.push({
            by: c,
            dir: rng.chance(0.3) ? 'desc' : 'asc',
            nulls: rng.chance(0.3) ? rng.pick(['first', 'last'] as const) : null,
            bare: false,
          })
        }
      }
    }
    if (!keys.length) {
      const c: ColArg = {
        kind: 'own',
        table,
        column: TABLES[table].columns[1]!.name,
        qualified: false,
      }
      keys.push(c)
      selects.push({ kind: 'list', cols: [c] })
      keyOrders.push({ by: c, dir: 'asc', nulls: null, bare: true })
    }
    const aliases: string[] = []
    for (let i = rng.int(1, role === 'top' ? 3 : 2); i > 0; i--) {
      const { fn, col } = this.aggregate(ctx, role === 'top')
      const alias = this.key('a')
      aliases.push(alias)
      selects.push({ kind: 'aggregate', fn, col, alias })
    }
    // Mix the select calls: aggregates first now and then.
    if (rng.chance(0.2)) selects.reverse()
    q.selects = selects
    q.groupBy = keys
    const having: Having[] = []
    for (let i = rng.index([65, 30, 5]); i > 0; i--) {
      having.push(this.having(ctx, role === 'top'))
    }
    q.having = having
    if (role === 'exists') return
    const aggOrder: Order[] =
      rng.chance(0.6) && aliases.length
        ? [
            {
              by: { kind: 'key', key: rng.pick(aliases) },
              dir: rng.chance(0.5) ? 'desc' : 'asc',
              nulls: null,
              bare: false,
            },
          ]
        : []
    q.orders = role === 'many' && rng.chance(0.2) ? [] : [...aggOrder, ...keyOrders]
  }

  aggregate(ctx: Ctx, joined: boolean): { fn: AggFn; col: ColArg | null } {
    const rng = this.rng
    const fn = rng.weighted({ count: 30, sum: 20, avg: 14, min: 18, max: 18 })
    const pickCol = (filter: (c: ColSpec) => boolean) =>
      joined ? this.anyCol(ctx, filter) : this.ownCol(ctx, filter)
    if (fn === 'count') return { fn, col: rng.chance(0.65) ? null : pickCol(() => true) }
    if (fn === 'sum' || fn === 'avg') {
      return { fn, col: pickCol((c) => NUMBER_TYPES.has(c.type) && c.name !== 'id') }
    }
    return { fn, col: pickCol((c) => c.type !== 'bool') }
  }

  having(ctx: Ctx, top: boolean): Having {
    const rng = this.rng
    const kind = rng.weighted({ agg: 60, countGe: 25, sumGt: top ? 15 : 0 })
    if (kind === 'countGe') return frag('countGe', v(rng.int(1, 3)))
    if (kind === 'sumGt') {
      const numeric = TABLES[ctx.table].columns.filter((c) => NUMBER_TYPES.has(c.type))
      const c = rng.pick(numeric)
      return frag('sumGt', { kind: 'ref', table: ctx.table, column: c.name }, v(rng.int(-2, 40)))
    }
    const fn = rng.pick(['count', 'sum', 'avg', 'min', 'max'] as const)
    const op = rng.pick(['=', '<>', '<', '<=', '>', '>='])
    if (fn === 'count') {
      return {
        kind: 'agg',
        fn,
        col: rng.chance(0.7) ? null : this.ownCol(ctx),
        op,
        value: rng.int(0, 3),
      }
    }
    const c = this.ownCol(ctx, (s) => NUMBER_TYPES.has(s.type) && s.name !== 'id')!
    return { kind: 'agg', fn, col: c, op, value: this.value(c) }
  }

  /** The select list of a whereIn subquery: one column, perhaps grouped or an aggregate. */
  inSelect(
    q: { -readonly [K in keyof QueryAst]: QueryAst[K] },
    ctx: Ctx,
    target: string | undefined,
  ): void {
    const rng = this.rng
    const table = ctx.table
    const intCols = TABLES[table].columns.filter((c) => c.type === 'int')
    const spec = intCols.find((c) => c.name === target) ?? rng.pick(intCols)
    const c: ColArg = { kind: 'own', table, column: spec.name, qualified: rng.chance(0.15) }
    const shape = rng.weighted({ plain: 60, object: 12, grouped: 14, aggregate: 14 })
    if (shape === 'plain' || shape === 'object') {
      q.selects =
        shape === 'plain'
          ? [{ kind: 'list', cols: [c] }]
          : [{ kind: 'object', items: [{ key: this.key('v'), expr: c }] }]
      if (rng.chance(0.12)) {
        q.orders = [
          { by: c, dir: rng.chance(0.5) ? 'desc' : 'asc', nulls: null, bare: false },
          {
            by: { kind: 'own', table, column: 'id', qualified: false },
            dir: 'asc',
            nulls: null,
            bare: true,
          },
        ]
        q.limit = rng.int(1, 3)
      }
    } else if (shape === 'grouped') {
      q.selects = [{ kind: 'list', cols: [c] }]
      q.groupBy = [c]
      q.having = [this.having(ctx, false)]
    } else {
      const other = this.ownCol(ctx, (s) => s.name !== spec.name && s.name !== 'id')
      q.selects = [{ kind: 'aggregate', fn: rng.pick(['min', 'max'] as const), col: c, alias: 'm' }]
      if (other && rng.chance(0.6)) q.groupBy = [other]
    }
  }

  /** The condition tying a subquery to an enclosing row: `whereColumn(col, op, Outer.column(x))`. */
  correlation(ctx: Ctx, p: number): Cond | null {
    const rng = this.rng
    if (!rng.chance(p)) return null
    const outer = this.outerTables(ctx)
    if (!outer.length) return null
    // Prefer the nearest levels.
    const table = rng.chance(0.6) ? outer[0]! : rng.pick(outer)
    const ownCols = TABLES[ctx.table].columns.filter((c) => c.domain)
    const pairs = ownCols.flatMap((own) =>
      TABLES[table].columns.filter((o) => o.domain === own.domain).map((o) => [own, o] as const),
    )
    const [own, o] = pairs.length
      ? rng.pick(pairs)
      : [rng.pick(ownCols), rng.pick(TABLES[table].columns.filter((c) => c.type === 'int'))]
    const op = rng.weighted({ '=': 80, '<>': 8, '<': 6, '>': 6 })
    return {
      kind: 'column',
      left: { kind: 'own', table: ctx.table, column: own.name, qualified: rng.chance(0.15) },
      op,
      right: { kind: 'ref', table, column: o.name },
    }
  }

  /** A subquery whose table is related to a table around it (often the same table). */
  subquery(ctx: Ctx, role: 'exists' | 'in' | 'scalar', inColumn?: ColSpec): QueryAst | null {
    const rng = this.rng
    let table: TableName
    let inCol: string | undefined
    if (inColumn) {
      const candidates = TABLE_NAMES.flatMap((t) =>
        TABLES[t].columns
          .filter((c) =>
            inColumn.domain ? c.domain === inColumn.domain : c.type === 'int' && !c.domain,
          )
          .map((c) => [t, c.name] as const),
      )
      if (!candidates.length) return null
      ;[table, inCol] = rng.pick(candidates)
    } else {
      const chain = this.chainTables(ctx)
      table = rng.chance(0.4) ? rng.pick(chain) : rng.pick(TABLE_NAMES)
    }
    const level = { parent: ctx, includeDepth: ctx.includeDepth, subDepth: ctx.subDepth + 1 }
    return this.query(table, role, { ...level, inColumn: inCol })
  }

  cond(ctx: Ctx, groupDepth: number): Cond {
    for (;;) {
      const cond = this.tryCond(ctx, groupDepth)
      if (cond) return cond
    }
  }

  /** A random condition, or null when the one drawn does not fit this level's columns. */
  tryCond(ctx: Ctx, groupDepth: number): Cond | null {
    const rng = this.rng
    const outer = this.outerTables(ctx)
    const subOk = ctx.subDepth < 2
    const kind = rng.weighted({
      cmp: 20,
      eq2: 6,
      list: 10,
      between: 6,
      null: 8,
      group: groupDepth < 3 ? 7 : 0,
      column: 5,
      refCmp: outer.length ? 4 : 1,
      plusGt: 4,
      lowerCmp: 4,
      nullOrGt: 3,
      nullifNull: 2,
      cmpExpr: 2,
      // More subqueries deeper in includes, where correlation has more levels to get wrong.
      exists: subOk ? (ctx.subDepth === 0 ? 8 + 5 * ctx.includeDepth : 4) : 0,
      inQuery: subOk ? (ctx.subDepth === 0 ? 7 + 4 * ctx.includeDepth : 3) : 0,
      scalarCmp: subOk ? 3 : 0,
    })
    switch (kind) {
      case 'cmp': {
        const c = this.anyCol(ctx)!
        const spec = colSpecOf(c)
        const op = rng.weighted({
          '=': 25,
          '<>': 8,
          '!=': 4,
          '<': 10,
          '<=': 8,
          '>': 10,
          '>=': 8,
          like: spec.type === 'text' ? 7 : 0,
          ilike: spec.type === 'text' ? 7 : 0,
          'not like': spec.type === 'text' ? 3 : 0,
          'not ilike': spec.type === 'text' ? 3 : 0,
        })
        if (op.includes('like')) {
          return { kind: 'cmp', left: c, op, value: rng.pick(LIKE_PATTERNS), twoArgs: false }
        }
        const value = rng.chance(0.07) ? null : this.value(c)
        return { kind: 'cmp', left: c, op, value, twoArgs: false }
      }
      case 'eq2': {
        const c = this.anyCol(ctx)!
        const value = rng.chance(0.12) ? null : this.value(c)
        return { kind: 'cmp', left: c, op: '=', value, twoArgs: true }
      }
      case 'list': {
        const c = this.anyCol(ctx)!
        const values: Value[] = []
        const n = rng.index([15, 25, 30, 30])
        for (let i = 0; i < n; i++) values.push(this.value(c))
        return { kind: 'list', col: c, negated: rng.chance(0.4), values, method: rng.chance(0.5) }
      }
      case 'between': {
        const c = this.anyCol(ctx, (s) => s.type !== 'bool')!
        let low = this.value(c)
        let high = this.value(c)
        if (colSpecOf(c).type !== 'text' && rng.chance(0.9) && compare(low, high) > 0) {
          ;[low, high] = [high, low]
        }
        return { kind: 'between', col: c, negated: rng.chance(0.3), low, high }
      }
      case 'null': {
        const c = this.anyCol(ctx, (s) => s.nullable || rng.chance(0.2))
        if (!c) return null
        const negated = rng.chance(0.45)
        const asValue = rng.chance(0.3) ? (negated ? rng.pick(['<>', '!='] as const) : '=') : null
        return { kind: 'null', operand: c, negated, asValue }
      }
      case 'group': {
        const clauses: Clause[] = []
        for (let i = rng.int(1, 3); i > 0; i--) {
          clauses.push({
            or: rng.chance(clauses.length ? 0.6 : 0.1),
            cond: this.cond(ctx, groupDepth + 1),
          })
        }
        return { kind: 'group', clauses }
      }
      case 'column': {
        const left = this.anyCol(ctx)!
        const fam = family(colSpecOf(left).type)
        const sameFamily = (s: ColSpec) => family(s.type) === fam
        const right: ColArg | RefArg | null =
          outer.length && rng.chance(0.4)
            ? this.anyRef(ctx, sameFamily)
            : this.anyCol(ctx, sameFamily)
        const op = rng.pick(['=', '<>', '<', '<=', '>', '>='])
        return { kind: 'column', left, op, right: right ?? left }
      }
      case 'refCmp': {
        const r = this.anyRef(ctx, () => true)
        if (!r) return null
        const op = rng.pick([
          '=',
          '<>',
          '<',
          '>=',
          ...(colSpecOf(r).type === 'text' ? ['ilike'] : []),
        ])
        const value = op === 'ilike' ? rng.pick(LIKE_PATTERNS) : this.value(r)
        return { kind: 'cmp', left: r, op, value, twoArgs: false }
      }
      case 'plusGt': {
        const a = this.anyRef(ctx, (s) => NUMBER_TYPES.has(s.type))
        const b = this.anyRef(ctx, (s) => NUMBER_TYPES.has(s.type))
        if (!a || !b) return null
        return { kind: 'frag', frag: frag('plusGt', a, v(rng.int(-3, 3)), b) }
      }
      case 'lowerCmp': {
        const a = this.anyRef(ctx, (s) => s.type === 'text')
        if (!a) return null
        const op = rng.pick(['like', 'like', 'not like', '=', '<>'])
        const value = op.includes('like')
          ? rng.pick(LIKE_PATTERNS).toLowerCase()
          : String(this.value(a)).toLowerCase()
        return { kind: 'fragCmp', left: frag('lower', a), op, value }
      }
      case 'nullOrGt': {
        const a = this.anyRef(ctx, (s) => s.nullable)
        const b = this.anyRef(ctx, (s) => NUMBER_TYPES.has(s.type))
        if (!a || !b) return null
        return { kind: 'frag', frag: frag('nullOrGt', a, b, v(rng.int(-1, 30))) }
      }
      case 'nullifNull': {
        const a = this.anyRef(ctx, (s) => s.type === 'int' || s.type === 'text')
        if (!a) return null
        return {
          kind: 'null',
          operand: frag('nullif', a, v(this.value(a))),
          negated: rng.chance(0.5),
          asValue: null,
        }
      }
      case 'cmpExpr': {
        const left = this.anyCol(ctx, (s) => s.type === 'int')
        const a = this.anyRef(ctx, (s) => s.type === 'text')
        if (!left || !a) return null
        return {
          kind: 'cmpExpr',
          left,
          op: rng.pick(['<', '>=', '=', '<>']),
          right: frag('length', a),
        }
      }
      case 'scalarCmp': {
        // where(sql`${Sub.query().selectAggregate('count', '*', 'n')…}`, '>', 1)
        const sub = this.subquery(ctx, 'scalar')
        if (!sub) return null
        const left = frag('scalar', { kind: 'query', query: sub })
        return { kind: 'fragCmp', left, op: rng.pick(['=', '<>', '<', '>=']), value: rng.int(0, 2) }
      }
      case 'exists': {
        const sub = this.subquery(ctx, 'exists')
        if (!sub) return null
        return { kind: 'exists', negated: rng.chance(0.35), query: sub }
      }
      case 'inQuery': {
        const c = this.anyCol(ctx, (s) => s.type === 'int')!
        const sub = this.subquery(ctx, 'in', colSpecOf(c))
        if (!sub) return null
        return {
          kind: 'inQuery',
          col: c,
          negated: rng.chance(0.35),
          query: sub,
          method: rng.chance(0.6),
        }
      }
    }
  }

  checks(q: QueryAst): Checks {
    const rng = this.rng
    const plain = !q.groupBy.length && !q.distinct
    const numeric = TABLES[q.table].columns.filter(
      (c) => NUMBER_TYPES.has(c.type) || c.type === 'ts',
    )
    const aggregate =
      plain && q.limit === null && q.offset === null && rng.chance(0.2)
        ? (() => {
            const spec = rng.pick(numeric)
            const fn =
              spec.type === 'ts'
                ? rng.pick(['min', 'max'] as const)
                : rng.pick(['sum', 'avg', 'min', 'max'] as const)
            return {
              fn,
              col: { kind: 'own', table: q.table, column: spec.name, qualified: false } as ColArg,
            }
          })()
        : null
    return {
      count: rng.chance(0.4),
      exists: rng.chance(0.3),
      pluck:
        plain && rng.chance(0.3)
          ? {
              kind: 'own',
              table: q.table,
              column: rng.pick(TABLES[q.table].columns).name,
              qualified: false,
            }
          : null,
      aggregate,
    }
  }
}

function v(value: Value): FragArg {
  return { kind: 'value', value }
}

function frag(kind: FragKind, ...args: FragArg[]): Frag {
  return { kind: 'frag', frag: kind, args }
}

function isEmpty(q: QueryAst): boolean {
  return calls(q).length === 0
}

function generate(seed: number): Case {
  const rng = new Rng(seed)
  const gen = new Gen(rng)
  const table = rng.weighted({
    members: 40,
    tasks: 18,
    teams: 10,
    profiles: 10,
    skills: 10,
    member_skills: 12,
  })
  const query = gen.query(table, 'top', { parent: null, includeDepth: 0, subDepth: 0 })
  return { seed, query, checks: gen.checks(query) }
}

// ─── Rendering 1: builder calls (run on the models, and printed as code) ──────────────────

type Arg =
  | { readonly v: Value | readonly Value[] }
  | { readonly ref: RefArg }
  | { readonly frag: Frag }
  | { readonly query: QueryAst }
  | { readonly fn: readonly Call[] }
  | { readonly model: TableName }
  | { readonly obj: Readonly<Record<string, Arg>> }
interface Call {
  readonly method: string
  readonly args: readonly Arg[]
}

function colName(c: ColArg): string {
  return c.kind === 'join' || c.qualified ? `${c.table}.${c.column}` : c.column
}

function colOrRef(c: ColArg | RefArg): Arg {
  return c.kind === 'ref' ? { ref: c } : { v: colName(c) }
}

function condCall(cond: Cond, or: boolean): Call {
  const where = or ? 'orWhere' : 'where'
  const wrapped = (call: Call): Call => (or ? { method: 'orWhere', args: [{ fn: [call] }] } : call)
  switch (cond.kind) {
    case 'cmp':
      return {
        method: where,
        args: cond.twoArgs
          ? [colOrRef(cond.left), { v: cond.value }]
          : [colOrRef(cond.left), { v: cond.op }, { v: cond.value }],
      }
    case 'cmpExpr':
      return {
        method: where,
        args: [{ v: colName(cond.left) }, { v: cond.op }, { frag: cond.right }],
      }
    case 'fragCmp':
      return { method: where, args: [{ frag: cond.left }, { v: cond.op }, { v: cond.value }] }
    case 'list':
      if (cond.method && !or) {
        return {
          method: cond.negated ? 'whereNotIn' : 'whereIn',
          args: [{ v: colName(cond.col) }, { v: cond.values }],
        }
      }
      return {
        method: where,
        args: [{ v: colName(cond.col) }, { v: cond.negated ? 'not in' : 'in' }, { v: cond.values }],
      }
    case 'between':
      return {
        method: where,
        args: [
          { v: colName(cond.col) },
          { v: cond.negated ? 'not between' : 'between' },
          { v: [cond.low, cond.high] },
        ],
      }
    case 'null': {
      const operand: Arg =
        cond.operand.kind === 'frag' ? { frag: cond.operand } : { v: colName(cond.operand) }
      if (cond.asValue && cond.operand.kind !== 'frag') {
        return {
          method: where,
          args:
            cond.asValue === '='
              ? [operand, { v: null }]
              : [operand, { v: cond.asValue }, { v: null }],
        }
      }
      return wrapped({ method: cond.negated ? 'whereNotNull' : 'whereNull', args: [operand] })
    }
    case 'column':
      return wrapped({
        method: 'whereColumn',
        args: [{ v: colName(cond.left) }, { v: cond.op }, colOrRef(cond.right)],
      })
    case 'frag':
      return { method: where, args: [{ frag: cond.frag }] }
    case 'group':
      return { method: where, args: [{ fn: cond.clauses.map((c) => condCall(c.cond, c.or)) }] }
    case 'exists':
      return wrapped({
        method: cond.negated ? 'whereNotExists' : 'whereExists',
        args: [{ query: cond.query }],
      })
    case 'inQuery':
      if (cond.method && !or) {
        return {
          method: cond.negated ? 'whereNotIn' : 'whereIn',
          args: [{ v: colName(cond.col) }, { query: cond.query }],
        }
      }
      return {
        method: where,
        args: [
          { v: colName(cond.col) },
          { v: cond.negated ? 'not in' : 'in' },
          { query: cond.query },
        ],
      }
  }
}

function orderArg(by: Order['by']): Arg {
  if (by.kind === 'key') return { v: by.key }
  if (by.kind === 'frag') return { frag: by }
  return { v: colName(by) }
}

/** The builder calls a query is made of, in a fixed order. */
function calls(q: QueryAst): Call[] {
  const out: Call[] = []
  for (const j of q.joins) {
    out.push({
      method: j.type === 'inner' ? 'join' : 'leftJoin',
      args: [{ model: j.table }, { v: `${j.table}.${j.column}` }, { v: colName(j.other) }],
    })
  }
  if (q.deleted === 'include') out.push({ method: 'withDeleted', args: [] })
  if (q.deleted === 'only') out.push({ method: 'onlyDeleted', args: [] })
  for (const s of q.selects) {
    if (s.kind === 'list')
      out.push({ method: 'select', args: s.cols.map((c) => ({ v: colName(c) })) })
    else if (s.kind === 'object') {
      const obj: Record<string, Arg> = {}
      for (const item of s.items) {
        obj[item.key] = item.expr.kind === 'frag' ? { frag: item.expr } : { v: colName(item.expr) }
      }
      out.push({ method: 'select', args: [{ obj }] })
    } else {
      out.push({
        method: 'selectAggregate',
        args: [{ v: s.fn }, { v: s.col ? colName(s.col) : '*' }, { v: s.alias }],
      })
    }
  }
  if (q.distinct) out.push({ method: 'distinct', args: [] })
  for (const c of q.clauses) out.push(condCall(c.cond, c.or))
  if (q.groupBy.length) {
    out.push({
      method: 'groupBy',
      args: q.groupBy.map((g) => (g.kind === 'frag' ? { frag: g } : { v: colName(g) })),
    })
  }
  for (const h of q.having) {
    if (h.kind === 'frag') out.push({ method: 'having', args: [{ frag: h }] })
    else {
      out.push({
        method: 'having',
        args: [{ v: h.fn }, { v: h.col ? colName(h.col) : '*' }, { v: h.op }, { v: h.value }],
      })
    }
  }
  for (const o of q.orders) {
    const args: Arg[] = [orderArg(o.by)]
    if (!o.bare) args.push({ v: o.dir })
    if (o.nulls) args.push({ v: o.nulls })
    out.push({ method: 'orderBy', args })
  }
  if (q.limit !== null) out.push({ method: 'limit', args: [{ v: q.limit }] })
  if (q.offset !== null) out.push({ method: 'offset', args: [{ v: q.offset }] })
  for (const inc of q.includes) {
    out.push({
      method: 'include',
      args: inc.bare ? [{ v: inc.relation }] : [{ v: inc.relation }, { fn: calls(inc.query) }],
    })
  }
  return out
}

function materialize(arg: Arg): unknown {
  if ('v' in arg) return arg.v
  if ('ref' in arg) return model(arg.ref.table).column(arg.ref.column)
  if ('frag' in arg) return buildFrag(arg.frag)
  if ('query' in arg) return buildQuery(arg.query)
  if ('fn' in arg) return (q: any) => apply(q, arg.fn)
  if ('model' in arg) return model(arg.model)
  return Object.fromEntries(Object.entries(arg.obj).map(([k, a]) => [k, materialize(a)]))
}

function buildFrag(f: Frag): unknown {
  const def: FragDef = FRAGS[f.frag]
  return def.build(...f.args.map(fragArg))
}

function fragArg(a: FragArg): unknown {
  if (a.kind === 'ref') return model(a.table).column(a.column)
  if (a.kind === 'value') return a.value
  return buildQuery(a.query)
}

function apply(builder: any, list: readonly Call[]): any {
  let b = builder
  for (const call of list) b = b[call.method](...call.args.map(materialize))
  return b
}

function buildQuery(q: QueryAst): any {
  return apply(model(q.table).query(), calls(q))
}

function printValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Date) return `new Date('${value.toISOString()}')`
  if (Array.isArray(value)) return `[${value.map(printValue).join(', ')}]`
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  return String(value)
}

function printArg(arg: Arg, indent: string): string {
  if ('v' in arg) return printValue(arg.v)
  if ('ref' in arg) return `${TABLES[arg.ref.table].model}.column('${arg.ref.column}')`
  if ('frag' in arg) return printFrag(arg.frag, indent)
  if ('query' in arg) return printQuery(arg.query, `${indent}  `)
  if ('fn' in arg) return `(q) => q${printCalls(arg.fn, `${indent}  `)}`
  if ('model' in arg) return TABLES[arg.model].model
  const entries = Object.entries(arg.obj).map(([k, a]) => `${k}: ${printArg(a, indent)}`)
  return `{ ${entries.join(', ')} }`
}

function printFrag(f: Frag, indent: string): string {
  const def: FragDef = FRAGS[f.frag]
  const args = f.args.map((a) =>
    a.kind === 'ref'
      ? `${TABLES[a.table].model}.column('${a.column}')`
      : a.kind === 'value'
        ? printValue(a.value)
        : printQuery(a.query, `${indent}  `),
  )
  return def.code(...args)
}

function printCalls(list: readonly Call[], indent: string): string {
  return list
    .map((c) => `\n${indent}.${c.method}(${c.args.map((a) => printArg(a, indent)).join(', ')})`)
    .join('')
}

function printQuery(q: QueryAst, indent = '  '): string {
  return `${TABLES[q.table].model}.query()${printCalls(calls(q), indent)}`
}

// ─── Rendering 2: the same query in SQL, by hand ───────────────────────────────────────────

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
class Hand {
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

  /** count(db): the number of rows (groups) the query gives, its limit and offset applied. */
  count(q: QueryAst): string {
    const level = this.level(q, null)
    const list = q.distinct
      ? this.items(q, level)
          .map((i) => i.sql)
          .join(', ')
      : '1'
    const inner = `SELECT ${q.distinct ? 'DISTINCT ' : ''}${list} ${this.from(q, level)}${this.tail(q, level, { order: false })}`
    return `SELECT count(*)::int AS n FROM (${inner}) AS counted`
  }

  /** exists(db): whether the query gives a row. */
  exists(q: QueryAst): string {
    const level = this.level(q, null)
    const list = q.distinct
      ? this.items(q, level)
          .map((i) => i.sql)
          .join(', ')
      : '1'
    return `SELECT EXISTS (SELECT ${q.distinct ? 'DISTINCT ' : ''}${list} ${this.from(q, level)}${this.tail(q, level, { order: false })}) AS e`
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

// ─── Decoding the hand SQL's JSON, and comparing ───────────────────────────────────────────

function itemTypes(q: QueryAst): Map<string, ValType> {
  const types = new Map<string, ValType>()
  if (!q.selects.length) for (const c of TABLES[q.table].columns) types.set(c.name, c.type)
  for (const s of q.selects) {
    if (s.kind === 'list') for (const c of s.cols) types.set(c.column, colSpecOf(c).type)
    else if (s.kind === 'object') {
      for (const i of s.items)
        types.set(i.key, i.expr.kind === 'frag' ? 'raw' : colSpecOf(i.expr).type)
    } else types.set(s.alias, aggType(s.fn, s.col))
  }
  return types
}

function decodeJsonValue(value: unknown, type: ValType): unknown {
  if (value === null || value === undefined) return null
  if (type === 'bigint') return BigInt(value as string)
  if (type === 'ts') return new Date(value as string)
  return value
}

function decodeJsonRow(raw: Row, q: QueryAst): Row {
  const row: Row = {}
  for (const [key, type] of itemTypes(q)) row[key] = decodeJsonValue(raw[key], type)
  for (const inc of q.includes) row[inc.relation] = decodeInclude(raw[inc.relation], inc, q)
  return row
}

function decodeInclude(value: unknown, inc: IncludeSpec, parent: QueryAst): unknown {
  const parsed = typeof value === 'string' ? JSON.parse(value) : value
  if (parsed === null || parsed === undefined) return null
  const relation = RELATIONS[parent.table].find((r) => r.name === inc.relation)!
  if (relation.kind === 'hasMany' || relation.kind === 'manyToMany') {
    return (parsed as Row[]).map((r) => decodeJsonRow(r, inc.query))
  }
  return decodeJsonRow(parsed as Row, inc.query)
}

function decodeTop(rows: Row[], q: QueryAst): Row[] {
  return rows.map((r) => {
    const row = { ...r }
    for (const inc of q.includes) row[inc.relation] = decodeInclude(r[inc.relation], inc, q)
    return row
  })
}

/** Sorts the rows of includes without an order, so both sides compare as multisets. */
function normalize(rows: unknown, q: QueryAst, ordered: boolean): unknown {
  if (!Array.isArray(rows))
    return rows === null || rows === undefined ? rows : normalizeRow(rows as Row, q)
  const out = rows.map((r) => (r === null || typeof r !== 'object' ? r : normalizeRow(r as Row, q)))
  return ordered
    ? out
    : out.sort((a, b) => (canon(a) < canon(b) ? -1 : canon(a) > canon(b) ? 1 : 0))
}

function normalizeRow(row: Row, q: QueryAst): Row {
  if (!q.includes.length) return row
  const out = { ...row }
  for (const inc of q.includes) {
    out[inc.relation] = normalize(row[inc.relation], inc.query, inc.query.orders.length > 0)
  }
  return out
}

function canon(value: unknown): string {
  return JSON.stringify(value, (_key, x) => {
    if (typeof x === 'bigint') return `${x}n`
    if (typeof x === 'string' && /^\d{4}-\d\d-\d\dT/.test(x)) return `date:${x}`
    return x
  })
}

function compare(a: Value, b: Value): number {
  if (a === null || b === null) return 0
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime()
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return Number(a) - Number(b)
  return 0
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, x) => (typeof x === 'bigint' ? `${x}n` : x), 1)
}

// ─── Which shapes a case has (QUERY_PROPERTIES_STATS=1) ────────────────────────────────────

function shapes(c: Case): Set<string> {
  const tags = new Set<string>()
  const walkCond = (cond: Cond, q: QueryAst, depth: number) => {
    tags.add(`cond:${cond.kind}`)
    if (cond.kind === 'group') {
      if (cond.clauses.some((x, i) => i > 0 && x.or)) tags.add('orGroup')
      for (const x of cond.clauses) walkCond(x.cond, q, depth)
    }
    if (cond.kind === 'list' && !cond.values.length) tags.add('emptyList')
    if (cond.kind === 'exists' || cond.kind === 'inQuery') {
      tags.add(`subquery@include${depth}`)
      if (cond.query.table === q.table) tags.add('sameTableSubquery')
      walk(cond.query, depth, true)
    }
    if (cond.kind === 'frag' || cond.kind === 'fragCmp' || cond.kind === 'cmpExpr')
      tags.add('sqlFragment')
  }
  const walk = (q: QueryAst, depth: number, sub: boolean) => {
    if (!sub && depth > 0) tags.add(`include@${depth}`)
    if (q.joins.length) tags.add(sub ? 'joinInSubquery' : depth ? 'joinInInclude' : 'join')
    if (q.joins.some((j) => j.type === 'left')) tags.add('leftJoin')
    if (q.deleted !== 'exclude') tags.add(q.deleted === 'include' ? 'withDeleted' : 'onlyDeleted')
    if (q.groupBy.length) tags.add(sub ? 'groupInSubquery' : depth ? 'groupInInclude' : 'groupBy')
    if (q.having.length) tags.add('having')
    if (q.distinct) tags.add(depth ? 'distinctInInclude' : 'distinct')
    if (q.limit !== null || q.offset !== null) tags.add(depth ? 'limitInInclude' : 'limit')
    if (q.orders.some((o) => o.by.kind === 'key')) tags.add('orderByKey')
    if (q.orders.some((o) => o.by.kind === 'frag')) tags.add('orderByFragment')
    if (q.selects.some((s) => s.kind === 'object')) tags.add('selectObject')
    if (q.selects.some((s) => s.kind === 'object' && s.items.some((i) => i.expr.kind === 'frag'))) {
      tags.add('selectFragment')
    }
    if (q.groupBy.some((g) => g.kind === 'frag')) tags.add('groupByFragment')
    for (const cl of q.clauses) {
      if (cl.or) tags.add('orWhere')
      walkCond(cl.cond, q, depth)
    }
    for (const s of q.selects) {
      if (s.kind === 'object') {
        for (const i of s.items) {
          if (i.expr.kind === 'frag' && i.expr.frag === 'scalar') tags.add('scalarSubquery')
        }
      }
    }
    for (const inc of q.includes) {
      if (
        (q.table === 'members' && inc.relation === 'manager') ||
        (q.table === 'members' && inc.relation === 'reports')
      ) {
        tags.add('selfInclude')
      }
      walk(inc.query, depth + 1, false)
    }
  }
  walk(c.query, 0, false)
  if (c.checks.count) tags.add('check:count')
  if (c.checks.exists) tags.add('check:exists')
  if (c.checks.pluck) tags.add('check:pluck')
  if (c.checks.aggregate) tags.add('check:aggregate')
  return tags
}

// ─── The tests ─────────────────────────────────────────────────────────────────────────────

const cases: Case[] = Array.from({ length: CASES }, (_, i) => generate((BASE_SEED + i) >>> 0))

/** Row counts per case, for QUERY_PROPERTIES_STATS: a property test of empty results proves little. */
const STATS: { rows: number; includeRows: number }[] | null = process.env.QUERY_PROPERTIES_STATS
  ? []
  : null

function rowStats(rows: unknown, q: QueryAst): { rows: number; includeRows: number } {
  let includeRows = 0
  const walk = (value: unknown, query: QueryAst) => {
    const list = Array.isArray(value) ? value : value ? [value] : []
    for (const row of list as Row[]) {
      for (const inc of query.includes) {
        const nested = row[inc.relation]
        const n = Array.isArray(nested) ? nested.length : nested ? 1 : 0
        includeRows += n
        walk(nested, inc.query)
      }
    }
  }
  walk(rows, q)
  return { rows: (rows as unknown[]).length, includeRows }
}

function printStats(): void {
  if (!STATS) return
  const empty = STATS.filter((s) => s.rows === 0).length
  const total = STATS.reduce((sum, s) => sum + s.rows, 0)
  const included = STATS.reduce((sum, s) => sum + s.includeRows, 0)
  const withIncludes = STATS.filter((s) => s.includeRows > 0).length
  console.log(
    `${STATS.length} fetches: ${empty} empty, ${total} rows; ${withIncludes} with included rows, ${included} in all`,
  )
  STATS.length = 0
}

if (STATS) {
  const counts = new Map<string, number>()
  for (const c of cases) for (const tag of shapes(c)) counts.set(tag, (counts.get(tag) ?? 0) + 1)
  console.log(
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([tag, n]) => `${tag}: ${n}`)
      .join('\n'),
  )
}

describe.each(BACKENDS)('query properties on $name', ({ name, open }) => {
  let backend: Backend
  let db: Backend['db']
  const run = async (text: string) => (await toDriver(db).query<Row>({ text, values: [] })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    for (const table of TABLE_NAMES) await model(table).createTable(db)
    for (const table of TABLE_NAMES) {
      const rows = await model(table).insertMany(db, DATA[table])
      rows.forEach((row: Row, i: number) => {
        if (row.id !== i + 1) throw new Error(`${table} row ${i} has id ${String(row.id)}`)
      })
      for (const id of DELETED[table]) await model(table).softDelete(db, id)
    }
  })
  afterAll(async () => {
    printStats()
    await backend?.close()
  })

  describe('regressions', () => regressions(() => db, run))

  const count = name === 'pglite' ? PGLITE_CASES : CASES
  for (const c of cases.slice(0, count)) {
    it(`seed ${c.seed}: ${TABLES[c.query.table].model} ${[...shapes(c)].filter((t) => !t.startsWith('cond:') && !t.startsWith('check:')).join(' ') || 'plain'}`, async () => {
      await checkCase(c, db, run)
    })
  }
})

/**
 * Regressions: minimal cases the property test found, each compared with its hand SQL. All
 * but the one marked open were fixed in e7cfa1b (their seeds are those that failed before it,
 * with this file's generator of the time). The open one fails until fluentorm is fixed, and
 * the random cases avoid its shape (AVOID_KNOWN_BUGS):
 * `QUERY_PROPERTIES_KNOWN_BUGS=1 QUERY_PROPERTIES_SEED=<seed> QUERY_PROPERTIES_CASES=1 npx vitest run test/runtime/query-properties.test.ts`
 * replays its seed.
 */
function regressions(db: () => Backend['db'], run: (text: string) => Promise<Row[]>) {
  const { Member, MemberSkill, Task, Team } = MODELS

  // Seeds 20240632, 20240659.
  it('includes a manyToMany relation whose query joins the junction table', async () => {
    // Was a SQL error: table name "member_skills" specified more than once (the include's
    // junction and the query's join both unaliased).
    const rows = await Member.query()
      .select('id')
      .where('id', 1)
      .include('skills', (q: any) =>
        q
          .join(MemberSkill, 'member_skills.skill_id', 'id')
          .select('name', 'member_skills.rank')
          .orderBy('id')
          .orderBy('member_skills.id'),
      )
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT m.id, array_to_json(ARRAY(
          SELECT json_build_object('name', s.name, 'rank', j.rank)
          FROM skills s
          JOIN member_skills link ON link.skill_id = s.id
          JOIN member_skills j ON j.skill_id = s.id AND j.deleted_at IS NULL
          WHERE link.member_id = m.id AND link.deleted_at IS NULL AND s.deleted_at IS NULL
          ORDER BY s.id, j.id)) AS skills
        FROM members m WHERE m.deleted_at IS NULL AND m.id = 1`),
    )
  })

  // Open. Seed 20241222, since e7cfa1b aliased the join of the case above.
  it("names the include's own join of the junction table with Model.column()", async () => {
    // Wrong values: with the join aliased "member_skills_1", MemberSkill.column('rank') is
    // written "member_skills"."rank", which is the include's hidden junction row. The query
    // that joins member_skills is the nearest one naming it (docs/QUERY.md), as the
    // column 'member_skills.rank' says.
    const rows = await Member.query()
      .select('id')
      .where('id', 1)
      .include('skills', (q: any) =>
        q
          .join(MemberSkill, 'member_skills.skill_id', 'id')
          .select({
            name: 'name',
            rank: 'member_skills.rank',
            ref: sql`${MemberSkill.column('rank')}`,
          })
          .orderBy('id')
          .orderBy('member_skills.id'),
      )
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT m.id, array_to_json(ARRAY(
          SELECT json_build_object('name', s.name, 'rank', j.rank, 'ref', j.rank)
          FROM skills s
          JOIN member_skills link ON link.skill_id = s.id
          JOIN member_skills j ON j.skill_id = s.id AND j.deleted_at IS NULL
          WHERE link.member_id = m.id AND link.deleted_at IS NULL AND s.deleted_at IS NULL
          ORDER BY s.id, j.id)) AS skills
        FROM members m WHERE m.deleted_at IS NULL AND m.id = 1`),
    )
  })

  // Seeds 20241136, 20241606.
  it('drops duplicates in an ordered DISTINCT include', async () => {
    // Was wrong rows: the derived table's row_number() "__n" sat in the SELECT DISTINCT
    // list, so every row was distinct: member 1's two links to skill "sql" gave it twice.
    const rows = await Member.query()
      .select('id')
      .where('id', 1)
      .include('skills', (q: any) => q.select('name').distinct().orderBy('name'))
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT m.id, array_to_json(ARRAY(
          SELECT json_build_object('name', d.name) FROM (
            SELECT DISTINCT s.name FROM skills s
            JOIN member_skills link ON link.skill_id = s.id AND link.deleted_at IS NULL
            WHERE link.member_id = m.id AND s.deleted_at IS NULL) d
          ORDER BY d.name)) AS skills
        FROM members m WHERE m.deleted_at IS NULL AND m.id = 1`),
    )
  })

  // Seeds 20240806, 20240831.
  it('orders a DISTINCT include by a numeric column', async () => {
    // Was a SQL error: for SELECT DISTINCT, ORDER BY expressions must appear in select list
    // (the list held "score"::text for JSON, the order the bare column).
    const rows = await Team.query()
      .select('id')
      .where('id', 1)
      .include('members', (q: any) => q.select('score').distinct().orderBy('score'))
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT t.id, array_to_json(ARRAY(
          SELECT json_build_object('score', d.score::text) FROM (
            SELECT DISTINCT m.score FROM members m WHERE m.team_id = t.id AND m.deleted_at IS NULL) d
          ORDER BY d.score)) AS members
        FROM teams t WHERE t.deleted_at IS NULL AND t.id = 1`),
    )
  })

  // Seeds 20240611, 20240633.
  it('answers exists() for a grouped query ordered by an aggregate alias', async () => {
    // Was a SQL error: column "n" does not exist (EXISTS replaced the select list with 1 and
    // kept ORDER BY "n").
    const query = Task.query()
      .select('member_id')
      .selectAggregate('count', '*', 'n')
      .groupBy('member_id')
      .orderBy('n', 'desc')
    const [row] = await run(
      'SELECT EXISTS (SELECT 1 FROM tasks WHERE deleted_at IS NULL GROUP BY member_id) AS e',
    )
    expect(await query.exists(db())).toBe(row!.e)
  })

  // Found reducing the case above.
  it('runs whereExists with a subquery ordered by an aggregate alias', async () => {
    // Was the same error as above, in a whereExists subquery.
    const rows = await Member.query()
      .select('id')
      .whereExists(
        Task.query()
          .select('member_id')
          .selectAggregate('count', '*', 'n')
          .whereColumn('member_id', '=', Member.column('id'))
          .groupBy('member_id')
          .having('count', '*', '>', 1)
          .orderBy('n'),
      )
      .orderBy('id')
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT m.id FROM members m
        WHERE m.deleted_at IS NULL AND EXISTS (
          SELECT 1 FROM tasks t WHERE t.deleted_at IS NULL AND t.member_id = m.id
          GROUP BY t.member_id HAVING count(*) > 1)
        ORDER BY m.id`),
    )
  })

  // Seeds 20240701, 20240708.
  it('answers exists() for an ordered DISTINCT query', async () => {
    // Was a SQL error: SELECT DISTINCT 1 … ORDER BY "members"."age".
    const query = Member.query().select('age').distinct().orderBy('age')
    const [row] = await run(
      'SELECT EXISTS (SELECT DISTINCT age FROM members WHERE deleted_at IS NULL) AS e',
    )
    expect(await query.exists(db())).toBe(row!.e)
  })

  // Found reducing the case above.
  it('answers exists() for a DISTINCT query with an offset', async () => {
    // Was a wrong answer, false: SELECT DISTINCT 1 … OFFSET 1 has no row, but the query has
    // two (active true and false), so one is left after the offset.
    const query = Member.query().select('active').distinct().offset(1)
    const [row] = await run(
      'SELECT EXISTS (SELECT DISTINCT active FROM members WHERE deleted_at IS NULL OFFSET 1) AS e',
    )
    expect(await query.fetch(db())).toHaveLength(1)
    expect(await query.exists(db())).toBe(row!.e)
  })

  // Seeds 20240784, 20241504.
  it('keeps the junction filtered in a manyToMany include under onlyDeleted()', async () => {
    // Was wrong rows: the junction got "deleted_at IS NOT NULL", so only soft-deleted links
    // were followed, where joined tables stay filtered under onlyDeleted(). Member 3's live
    // link to the soft-deleted skill "rust" was lost.
    const rows = await Member.query()
      .select('id')
      .where('id', 3)
      .include('skills', (q: any) => q.onlyDeleted().select('name').orderBy('id'))
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT m.id, array_to_json(ARRAY(
          SELECT json_build_object('name', s.name) FROM skills s
          JOIN member_skills link ON link.skill_id = s.id
          WHERE link.member_id = m.id AND link.deleted_at IS NULL AND s.deleted_at IS NOT NULL
          ORDER BY s.id)) AS skills
        FROM members m WHERE m.deleted_at IS NULL AND m.id = 3`),
    )
  })
}

async function checkCase(c: Case, db: Backend['db'], run: (text: string) => Promise<Row[]>) {
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
  if (STATS) STATS.push(rowStats(expected, q))

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
