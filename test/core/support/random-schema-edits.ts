/**
 * Random edits of the kinds a person makes while the dev server runs: columns, relations,
 * keys, enum values, table renames, files added, split and deleted, errors made and fixed.
 */
import { type Call, type FileSpec, id, type Random } from './schema-file-specs.ts'

/** What an edit is given: the files, a way to pick, and fresh names. */
export interface EditScope {
  readonly files: readonly FileSpec[]
  /** The files of the last valid schema, to go back to. */
  readonly lastValid: readonly FileSpec[]
  readonly random: Random
  fresh(prefix: string): string
}

/** An edit returns the new file list and says what it did, or null when it does not apply. */
type Edit = (scope: EditScope) => { files: FileSpec[]; did: string } | null

const COLUMN_METHODS = ['uuid', 'string', 'integer', 'increments', 'enum', 'boolean']
const RELATION_METHODS = ['belongsTo', 'hasOne', 'hasMany', 'manyToMany']
const ENUM_VALUES = ['draft', 'live', 'archived']

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

function tableNames(files: readonly FileSpec[]): string[] {
  return [...new Set(files.map((file) => file.tableName))]
}

/** The column type an FK to the table needs: integer for an increments key, else uuid. */
function keyMethod(files: readonly FileSpec[], table: string): string {
  const key = files
    .filter((file) => file.tableName === table)
    .flatMap((file) => file.calls)
    .find((call) => call.options.primaryKey === true)
  return key?.method === 'increments' ? 'integer' : 'uuid'
}

function columnNames(files: readonly FileSpec[], table: string): string[] {
  return files
    .filter((file) => file.tableName === table)
    .flatMap((file) => file.calls)
    .filter((call) => COLUMN_METHODS.includes(call.method))
    .map((call) => String(call.options.name))
}

/** Applies `change` to one random file; the others stay the same objects. */
function editOneFile(
  scope: EditScope,
  change: (file: FileSpec) => { calls: Call[]; did: string } | null,
): ReturnType<Edit> {
  const target = pick(scope.random, scope.files)
  const changed = change(target)
  if (changed === null) return null
  return {
    files: scope.files.map((file) => (file === target ? { ...file, calls: changed.calls } : file)),
    did: `${target.path}: ${changed.did}`,
  }
}

const addColumn: Edit = (scope) =>
  editOneFile(scope, (file) => {
    const name = scope.fresh('c')
    const method = pick(scope.random, ['string', 'integer', 'boolean'])
    const options = { name, nullable: scope.random() < 0.5 }
    return { calls: [...file.calls, { method, options }], did: `add column ${name}` }
  })

const removeColumn: Edit = (scope) =>
  editOneFile(scope, (file) => {
    const columns = file.calls.filter(
      (call) => COLUMN_METHODS.includes(call.method) && call.options.primaryKey !== true,
    )
    if (columns.length === 0) return null
    const removed = pick(scope.random, columns)
    const calls = file.calls.filter((call) => call !== removed)
    return { calls, did: `remove column ${removed.options.name}` }
  })

const addBelongsTo: Edit = (scope) =>
  editOneFile(scope, (file) => {
    const name = scope.fresh('r')
    const referencesTable = pick(scope.random, tableNames(scope.files))
    const column = {
      method: keyMethod(scope.files, referencesTable),
      options: { name: `${name}_id`, nullable: scope.random() < 0.7 },
    }
    const relation = {
      method: 'belongsTo',
      options: { name, column: `${name}_id`, referencesTable },
    }
    return { calls: [...file.calls, column, relation], did: `add belongsTo ${referencesTable}` }
  })

const addHas: Edit = (scope) =>
  editOneFile(scope, (file) => {
    const foreignTable = pick(scope.random, tableNames(scope.files))
    const columns = columnNames(scope.files, foreignTable)
    const foreignColumn = scope.random() < 0.9 ? pick(scope.random, columns) : 'nope_id'
    const method = scope.random() < 0.8 ? 'hasMany' : 'hasOne'
    const relation = { method, options: { name: scope.fresh('h'), foreignTable, foreignColumn } }
    return {
      calls: [...file.calls, relation],
      did: `add ${method} ${foreignTable}.${foreignColumn}`,
    }
  })

const addManyToMany: Edit = (scope) =>
  editOneFile(scope, (file) => {
    const targetTable = pick(scope.random, tableNames(scope.files))
    const relation = { method: 'manyToMany', options: { name: scope.fresh('m'), targetTable } }
    return { calls: [...file.calls, relation], did: `add manyToMany ${targetTable}` }
  })

const removeRelation: Edit = (scope) =>
  editOneFile(scope, (file) => {
    const relations = file.calls.filter((call) => RELATION_METHODS.includes(call.method))
    if (relations.length === 0) return null
    const removed = pick(scope.random, relations)
    const calls = file.calls.filter((call) => call !== removed)
    return { calls, did: `remove ${removed.method} ${removed.options.name}` }
  })

const setEnum: Edit = (scope) =>
  editOneFile(scope, (file) => {
    const values = ENUM_VALUES.filter(() => scope.random() < 0.6)
    if (values.length === 0) return null
    const calls = file.calls.filter((call) => call.options.name !== 'status')
    const options = { name: 'status', values, enumName: 'status' }
    return { calls: [...calls, { method: 'enum', options }], did: `status enum (${values})` }
  })

const renameTable: Edit = (scope) => {
  const from = pick(scope.random, tableNames(scope.files))
  const to = scope.fresh('t')
  const followReferences = scope.random() < 0.6
  const renamed = (value: unknown) => (value === from ? to : value)
  const files = scope.files.map((file) => {
    if (file.tableName === from) {
      const calls = [...file.calls, { method: 'renamedFrom', options: { name: from } }]
      return {
        ...file,
        tableName: to,
        calls: file === firstFile(scope.files, from) ? calls : file.calls,
      }
    }
    if (!followReferences) return file
    const calls = file.calls.map((call) => {
      if (!RELATION_METHODS.includes(call.method)) return call
      const { referencesTable, foreignTable, targetTable } = call.options
      const options = { ...call.options }
      if (referencesTable !== undefined) options.referencesTable = renamed(referencesTable)
      if (foreignTable !== undefined) options.foreignTable = renamed(foreignTable)
      if (targetTable !== undefined) options.targetTable = renamed(targetTable)
      return { ...call, options }
    })
    return calls.some((call, i) => call !== file.calls[i]) ? { ...file, calls } : file
  })
  return {
    files,
    did: `rename table ${from} → ${to}${followReferences ? ' (and references)' : ''}`,
  }
}

function firstFile(files: readonly FileSpec[], table: string): FileSpec | undefined {
  return files.find((file) => file.tableName === table)
}

const addTableFile: Edit = (scope) => {
  const tableName = scope.fresh('t')
  const order = 1 + Math.floor(scope.random() * (scope.files.length + 2))
  const target = pick(scope.random, tableNames(scope.files))
  const calls: Call[] = [
    id(scope.random() < 0.7 ? 'uuid' : 'increments'),
    { method: 'string', options: { name: 'title' } },
    { method: 'uuid', options: { name: 'owner_id', nullable: true } },
    {
      method: 'belongsTo',
      options: { name: 'owner', column: 'owner_id', referencesTable: target },
    },
  ]
  const path = `schemas/${String(order).padStart(2, '0')}_${tableName}.ts`
  return { files: [...scope.files, { path, order, tableName, calls }], did: `add file ${path}` }
}

const addExtraFile: Edit = (scope) => {
  const tableName = pick(scope.random, tableNames(scope.files))
  const order = 1 + Math.floor(scope.random() * (scope.files.length + 2))
  const name = scope.fresh('x')
  const calls = [{ method: 'string', options: { name, nullable: true } }]
  const path = `schemas/${String(order).padStart(2, '0')}_${tableName}_${name}.ts`
  return { files: [...scope.files, { path, order, tableName, calls }], did: `add file ${path}` }
}

const deleteFile: Edit = (scope) => {
  if (scope.files.length <= 1) return null
  const removed = pick(scope.random, scope.files)
  return { files: scope.files.filter((file) => file !== removed), did: `delete ${removed.path}` }
}

const breakSchema: Edit = (scope) =>
  editOneFile(scope, (file) => {
    const breaking: Call[] = [
      { method: 'throw', options: {}, breaks: true },
      { method: 'string', options: { name: 'id' }, breaks: true },
      { method: 'string', options: { name: `n${'o'.repeat(70)}` }, breaks: true },
      { method: 'uuid', options: { name: scope.fresh('u'), colour: 'red' }, breaks: true },
    ]
    const call = pick(scope.random, breaking)
    return { calls: [...file.calls, call], did: `break with ${call.method} ${call.options.name}` }
  })

const fixSchema: Edit = (scope) => {
  const broken = scope.files.filter((file) => file.calls.some((call) => call.breaks))
  if (broken.length === 0) return null
  const files = scope.files.map((file) =>
    broken.includes(file) ? { ...file, calls: file.calls.filter((call) => !call.breaks) } : file,
  )
  return { files, did: `fix ${broken.map((file) => file.path).join(', ')}` }
}

/**
 * Renames a table's key column or switches it between uuid and increments: the tables that
 * reference it without naming the column resolve to other relations, their files unchanged.
 */
const changeKey: Edit = (scope) =>
  editOneFile(scope, (file) => {
    const key = file.calls.find((call) => call.options.primaryKey === true)
    if (key === undefined) return null
    const renamed = scope.random() < 0.5
    const changed = renamed
      ? { ...key, options: { ...key.options, name: scope.fresh('k') } }
      : { ...key, method: key.method === 'uuid' ? 'increments' : 'uuid' }
    const calls = file.calls.map((call) => (call === key ? changed : call))
    return { calls, did: `key ${changed.method} ${changed.options.name}` }
  })

/** Undoes every edit since the last valid schema; the files saved again get new builds. */
const revertToValid: Edit = (scope) => {
  if (scope.lastValid === scope.files) return null
  const files = scope.lastValid.map((file) => (scope.files.includes(file) ? file : { ...file }))
  return { files, did: 'revert to the last valid schema' }
}

/** Saves a file unchanged: the loader evaluates it again, so its build is a new function. */
const touchFile: Edit = (scope) =>
  editOneFile(scope, (file) => ({ calls: [...file.calls], did: 'saved unchanged' }))

/** The edits with their weights: relation and column edits most, whole files less often. */
const EDITS: readonly (readonly [Edit, number])[] = [
  [addColumn, 3],
  [removeColumn, 2],
  [addBelongsTo, 2],
  [addHas, 2],
  [addManyToMany, 2],
  [removeRelation, 3],
  [setEnum, 2],
  [changeKey, 2],
  [renameTable, 1],
  [addTableFile, 1],
  [addExtraFile, 1],
  [deleteFile, 1],
  [breakSchema, 2],
  [fixSchema, 3],
  [touchFile, 1],
  [revertToValid, 4],
]

/** Applies one random applicable edit. */
export function randomEdit(scope: EditScope): { files: FileSpec[]; did: string } {
  for (;;) {
    const result = weightedPick(scope.random, EDITS)(scope)
    if (result !== null) return result
  }
}

function weightedPick<T>(random: Random, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0)
  let roll = random() * total
  for (const [item, weight] of items) {
    roll -= weight
    if (roll < 0) return item
  }
  return items[0]![0]
}
