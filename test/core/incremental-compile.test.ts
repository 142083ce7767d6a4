import {
  type CompileResult,
  compileSchema,
  createSchemaCompiler,
  generateDts,
  generateModelsModule,
  generateTableFiles,
  type SchemaFileModule,
  type SchemaIR,
  tableDdl,
  toModelMetas,
} from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { randomEdit } from './support/random-schema-edits.ts'
import {
  type FileSpec,
  initialSpecs,
  moduleFactory,
  seededRandom,
} from './support/schema-file-specs.ts'
import { file, schemaOf } from './support/schema-fixtures.ts'

const SEEDS = 30
const STEPS = 40

/** What the plugin generates from a schema; the incremental path goes through core's per-table caches. */
function generated(schema: SchemaIR) {
  return {
    models: generateModelsModule(toModelMetas(schema)),
    dts: generateDts(schema),
    ddl: schema.tables.map(tableDdl),
    tableFiles: [...generateTableFiles(schema)],
  }
}

/** Tables whose files are the same modules as in the last compile and did not throw there. */
function untouchedTables(
  before: readonly SchemaFileModule[],
  after: readonly SchemaFileModule[],
  threwBefore: ReadonlySet<string>,
): Set<string> {
  const ofTable = (modules: readonly SchemaFileModule[], table: string) =>
    modules.filter((module) => module.tableName === table)
  const names = new Set(after.map((module) => module.tableName))
  return new Set(
    [...names].filter((table) => {
      const was = ofTable(before, table)
      const is = ofTable(after, table)
      const same = was.length === is.length && was.every((module, i) => sameModule(module, is[i]))
      return same && !threwBefore.has(table)
    }),
  )
}

function sameModule(a: SchemaFileModule, b: SchemaFileModule | undefined): boolean {
  return a.build === b?.build && a.path === b.path && a.order === b.order
}

/** Every table equal to its namesake in the last valid schema is that very object. */
function expectUnchangedTablesKept(last: SchemaIR | null, schema: SchemaIR, where: string) {
  const previous = new Map(last?.tables.map((table) => [table.name, table]))
  for (const table of schema.tables) {
    const known = previous.get(table.name)
    if (known !== undefined && JSON.stringify(known) === JSON.stringify(table)) {
      expect(table, `${where}: table ${table.name} kept`).toBe(known)
    }
  }
}

/** One random editing session against one compiler, checked after every edit. */
function editingSession(seed: number) {
  const random = seededRandom(seed)
  const runs = new Map<string, number>()
  const moduleOf = moduleFactory(runs)
  const compiler = createSchemaCompiler()
  let counter = 0
  let files: FileSpec[] = initialSpecs()
  let lastValid: readonly FileSpec[] = files
  let lastSchema: SchemaIR | null = null
  let modulesBefore: SchemaFileModule[] = []
  let threwBefore = new Set<string>()
  const history: string[] = []
  const outcomes = { valid: 0, invalid: 0 }

  for (let step = 0; step <= STEPS; step++) {
    if (step > 0) {
      const fresh = (prefix: string) => `${prefix}${++counter}`
      const edit = randomEdit({ files, lastValid, random, fresh })
      files = edit.files
      history.push(edit.did)
    }
    const where = `seed ${seed}, step ${step}: ${history.join(' → ')}`
    // The loader hands back new module objects on every call, around the same builds.
    const modules = files.map((spec) => ({ ...moduleOf(spec) }))
    runs.clear()
    const incremental = compiler.compile(modules)
    const rebuilt = new Set(runs.keys())
    const full: CompileResult = compileSchema(modules)

    expect(incremental, where).toEqual(full)
    const untouched = untouchedTables(modulesBefore, modules, threwBefore)
    const rebuiltUntouched = modules.filter(
      (module) => rebuilt.has(module.path) && untouched.has(module.tableName),
    )
    expect(rebuiltUntouched, `${where}: builds run again`).toEqual([])
    modulesBefore = modules
    threwBefore = new Set(
      files
        .filter((spec) => spec.calls.some((call) => call.method === 'throw'))
        .map((spec) => spec.tableName),
    )
    if (!incremental.ok || !full.ok) {
      outcomes.invalid++
      continue
    }
    outcomes.valid++
    expect(generated(incremental.schema), where).toEqual(generated(full.schema))
    expectUnchangedTablesKept(lastSchema, incremental.schema, where)
    lastSchema = incremental.schema
    lastValid = files
  }
  return outcomes
}

describe('createSchemaCompiler', () => {
  it.each(Array.from({ length: SEEDS }, (_, seed) => seed + 1))(
    'equals a full compile after every random edit (seed %i)',
    (seed) => {
      const outcomes = editingSession(seed)
      expect(outcomes.valid, 'valid steps').toBeGreaterThan(STEPS / 10)
      expect(outcomes.invalid, 'invalid steps').toBeGreaterThan(0)
    },
  )

  it('compiles only the saved table; the others come back as the same objects', () => {
    let builds = 0
    const users = file('users', (t) => {
      builds++
      t.uuid({ name: 'id', primaryKey: true })
    })
    const posts = (extra: boolean) =>
      file(
        'posts',
        (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.uuid({ name: 'user_id' })
          t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users' })
          if (extra) t.string({ name: 'title' })
        },
        2,
      )
    const compiler = createSchemaCompiler()
    const first = compiler.compile([users, posts(false)])
    const second = compiler.compile([users, posts(true)])
    if (!first.ok || !second.ok) throw new Error('expected valid schemas')
    expect(builds).toBe(1)
    expect(second.schema.tables[0]).toBe(first.schema.tables[0])
    expect(second.schema.tables[1]).not.toBe(first.schema.tables[1])
    expect(second.schema).toEqual(schemaOf(users, posts(true)))
  })
})
