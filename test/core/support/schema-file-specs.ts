/**
 * A multi-table schema as data, for random editing sessions. Each file becomes a
 * `SchemaFileModule` whose build replays its calls; an edited file gets a new build function
 * and an untouched file keeps its own, as the loader does.
 */
import type { SchemaFileModule, TableSchema } from '@fluentorm/core'

/** One builder call of a schema file; `breaks` marks the calls that make the schema invalid. */
export interface Call {
  readonly method: string
  readonly options: Readonly<Record<string, unknown>>
  readonly breaks?: boolean
}

/** A schema file as data; an edit replaces the object of each file it changes. */
export interface FileSpec {
  readonly path: string
  readonly order: number
  readonly tableName: string
  readonly calls: readonly Call[]
}

export type Random = () => number

/** Deterministic pseudo-random numbers in [0, 1) from a seed (mulberry32). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state)
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32
  }
}

/**
 * The module of each file spec, one per spec object: an untouched file keeps its build
 * function, an edited one gets a new function, as the loader's cache does. `runs` counts the
 * builds per path, so a test sees which tables were compiled again.
 */
export function moduleFactory(runs: Map<string, number>): (spec: FileSpec) => SchemaFileModule {
  const modules = new WeakMap<FileSpec, SchemaFileModule>()
  return (spec) => {
    let module = modules.get(spec)
    if (module === undefined) {
      const build = (t: TableSchema) => {
        runs.set(spec.path, (runs.get(spec.path) ?? 0) + 1)
        for (const call of spec.calls) replay(t, call)
      }
      module = { path: spec.path, order: spec.order, tableName: spec.tableName, build }
      modules.set(spec, module)
    }
    return module
  }
}

function replay(t: TableSchema, call: Call): void {
  if (call.method === 'throw') throw new Error('this build was broken on purpose')
  if (call.method === 'renamedFrom') {
    t.renamedFrom(String(call.options.name))
    return
  }
  const builder = t as unknown as Record<string, (options: unknown) => void>
  builder[call.method]!.call(t, call.options)
}

export const id = (method = 'uuid'): Call => ({ method, options: { name: 'id', primaryKey: true } })

/** users ← posts ← comments, posts ↔ tags, a shared enum type, and a table in two files. */
export function initialSpecs(): FileSpec[] {
  const file = (order: number, tableName: string, calls: Call[], suffix = ''): FileSpec => ({
    path: `schemas/${String(order).padStart(2, '0')}_${tableName}${suffix}.ts`,
    order,
    tableName,
    calls,
  })
  const status = { name: 'status', values: ['draft', 'live'], enumName: 'status' }
  return [
    file(1, 'users', [
      id(),
      { method: 'string', options: { name: 'email', unique: true } },
      {
        method: 'hasMany',
        options: { name: 'posts', foreignTable: 'posts', foreignColumn: 'user_id' },
      },
    ]),
    file(2, 'posts', [
      id(),
      { method: 'uuid', options: { name: 'user_id' } },
      { method: 'enum', options: status },
      {
        method: 'belongsTo',
        options: { name: 'author', column: 'user_id', referencesTable: 'users' },
      },
      { method: 'manyToMany', options: { name: 'tags', targetTable: 'tags' } },
    ]),
    file(3, 'tags', [id('increments'), { method: 'string', options: { name: 'label' } }]),
    file(4, 'comments', [
      id(),
      { method: 'uuid', options: { name: 'post_id', nullable: true } },
      { method: 'enum', options: status },
      {
        method: 'belongsTo',
        options: { name: 'post', column: 'post_id', referencesTable: 'posts' },
      },
    ]),
    file(
      5,
      'users',
      [{ method: 'string', options: { name: 'nickname', nullable: true } }],
      '_more',
    ),
  ]
}
