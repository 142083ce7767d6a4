import { copyRows, type Executor } from '@fluentorm/runtime'
import { type FuzzColumn, Item } from './fuzz-table.ts'

export const WRITE_PATHS = [
  'insert',
  'insertMany:unnest',
  'insertMany:values',
  'upsert:new',
  'upsert:existing',
  'upsertMany',
  'upsertMany:update[]',
  'update',
  'query.update',
  'copyRows',
] as const
export type WritePath = (typeof WRITE_PATHS)[number]

/** What one write path does with a value: the rows it needs first, the call, and the result. */
export interface WritePlan {
  /** Tags of rows inserted (all columns NULL) before the call. */
  readonly before: readonly string[]
  readonly call: (db: Executor) => Promise<unknown>
  /** After a success, each tag's column: the value given, or still NULL. */
  readonly after: Readonly<Record<string, 'value' | 'null'>>
  /** Why this path may refuse a value its column would store (a documented refusal), or null. */
  readonly mayRefuse: string | null
}

export const TAG_A = 'w-a'
export const TAG_B = 'w-b'

/** The plan of `path` writing `value` to `column`. */
export function writePlan(path: WritePath, column: FuzzColumn, value: unknown): WritePlan {
  const a = { tag: TAG_A, [column.name]: value }
  const b = { tag: TAG_B, [column.name]: value }
  const only = (
    after: WritePlan['after'],
    before: string[] = [],
    mayRefuse: string | null = null,
  ) => ({ before, after, mayRefuse }) as const
  switch (path) {
    case 'insert':
      return { call: (db) => Item.insert(db, a), ...only({ [TAG_A]: 'value' }) }
    case 'insertMany:unnest':
      return {
        call: (db) => Item.insertMany(db, [a, b]),
        ...only({ [TAG_A]: 'value', [TAG_B]: 'value' }),
      }
    case 'insertMany:values':
      return {
        call: (db) => Item.insertMany(db, [a, { tag: TAG_B }]),
        ...only({ [TAG_A]: 'value', [TAG_B]: 'null' }),
      }
    case 'upsert:new':
      return { call: (db) => Item.upsert(db, a), ...only({ [TAG_A]: 'value' }) }
    case 'upsert:existing':
      return { call: (db) => Item.upsert(db, a), ...only({ [TAG_A]: 'value' }, [TAG_A]) }
    case 'upsertMany':
      return {
        call: (db) => Item.upsertMany(db, [a, b]),
        ...only({ [TAG_A]: 'value', [TAG_B]: 'value' }, [TAG_A]),
      }
    case 'upsertMany:update[]':
      return {
        call: (db) => Item.upsertMany(db, [a, b], { update: [] }),
        ...only(
          { [TAG_A]: 'null', [TAG_B]: 'value' },
          [TAG_A],
          column.array || column.json || Array.isArray(value)
            ? 'upsertMany without an update takes only the unnest form'
            : null,
        ),
      }
    case 'update':
      return {
        call: async (db) =>
          Item.update(db, (await idOf(db, TAG_A)) as number, { [column.name]: value }),
        ...only({ [TAG_A]: 'value' }, [TAG_A]),
      }
    case 'query.update':
      return {
        call: (db) =>
          Item.query()
            .where('tag', TAG_A)
            .update(db, { [column.name]: value }),
        ...only({ [TAG_A]: 'value' }, [TAG_A]),
      }
    case 'copyRows':
      return {
        call: (db) => copyRows(db, Item, [a]),
        ...only({ [TAG_A]: 'value' }, [], copyShapeRefusal(column, value)),
      }
  }
}

async function idOf(db: Executor, tag: string): Promise<unknown> {
  return (await Item.query().where('tag', tag).first(db))?.id
}

/** copyRows refuses a value whose shape does not fit its column (docs/MODELS.md, copyRows). */
function copyShapeRefusal(column: FuzzColumn, value: unknown): string | null {
  if (value === null || column.json) return null
  if (column.array) return Array.isArray(value) ? null : 'a scalar for an array column'
  const scalar = typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array
  return scalar ? null : 'an object for a scalar column'
}
