import type { SchemaIR } from '@fluentorm/core'
import {
  compileSchema,
  formatProblems,
  generateDts,
  generateMigrationsModule,
  generateModelsModule,
  toModelMetas,
} from '@fluentorm/core'
import type { Model } from '@fluentorm/runtime'
import * as runtime from '@fluentorm/runtime'
import { transformSync } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { compileKitchenSink } from './support/kitchen-sink-schema.ts'

describe('generateDts', () => {
  const schema = compileKitchenSink()

  it('declares every model with its row, inputs, columns, key and relations', () => {
    expect(generateDts(schema)).toMatchSnapshot()
  })

  it('is a script: no top-level import or export, so the blocks declare the modules', () => {
    const topLevel = generateDts(schema)
      .split('\n')
      .filter((line) => /^(import|export)\b/.test(line))
    expect(topLevel).toEqual([])
  })

  it('is byte-identical from run to run', () => {
    expect(generateDts(compileKitchenSink())).toBe(generateDts(schema))
  })

  it('rewrites a kept table when what it reads of other tables or of an enum changes', () => {
    const before = compileKitchenSink()
    generateDts(before)
    const [authors, ...others] = before.tables
    // books and cards are the same objects (a dev-server refresh keeps unchanged tables), but
    // their target is another model now, with soft delete (so not required), and enums changed.
    const after: SchemaIR = {
      ...before,
      tables: [{ ...authors!, modelName: 'Writer', softDelete: true }, ...others],
      enums: before.enums.map((e) => ({ ...e, values: [...e.values, 'retired'] })),
    }
    const dts = generateDts(after)
    expect(dts).toBe(generateDts(structuredClone(after)))
    expect(dts).toContain('readonly author: { readonly target: WriterTypes; readonly many: false }')
    expect(dts).toContain('"happy" | "sad" | "retired"')
  })
})

describe('generateModelsModule', () => {
  it('inlines the metadata and exports each model and `models`', () => {
    const metas = toModelMetas(compileKitchenSink())
    const code = generateModelsModule(metas)
    expect(code.split('\n').filter((line) => line.startsWith('export '))).toMatchInlineSnapshot(`
      [
        "export const models = Object.freeze(defineModels(metas))",
        "export const Author = models.Author",
        "export const Book = models.Book",
        "export const Card = models.Card",
        "export const Genre = models.Genre",
        "export const BookGenre = models.BookGenre",
      ]
    `)
    expect(code.startsWith("import { defineModels } from '@fluentorm/runtime'\n")).toBe(true)
  })

  it('gives the runtime the very metas it was made from, each column whole again', () => {
    const metas = toModelMetas(compileKitchenSink())
    const models = evaluateModelsModule(generateModelsModule(metas))
    expect(Object.values(models).map((model) => model.meta)).toStrictEqual(metas)
  })

  it('writes a column only with what it does not share with the defaults', () => {
    const code = generateModelsModule(toModelMetas(compileKitchenSink()))
    // authors.name: TEXT NOT NULL, required, updatable, from the table's own file.
    expect(code).toContain('{"name":"name","type":"text","sqlType":"TEXT"}')
    expect(code).not.toContain('"kind":"column"')
  })

  it('keeps whole a column with keys of its own, and the source of a second schema file', () => {
    const compiled = compileSchema([
      {
        path: 'schemas/01_notes.ts',
        tableName: 'notes',
        order: 1,
        build(t) {
          t.increments({ name: 'id', primaryKey: true })
          t.jsonb({ name: 'data', tsType: '{ tags: string[] }' })
        },
      },
      {
        path: 'schemas/02_notes_title.ts',
        tableName: 'notes',
        order: 2,
        build(t) {
          t.string({ name: "o'title", nullable: true })
        },
      },
    ])
    if (!compiled.ok) throw new Error(formatProblems(compiled.problems))
    const metas = toModelMetas(compiled.schema)
    const code = generateModelsModule(metas)
    expect(code).toContain('"source":"schemas/02_notes_title.ts"')
    expect(code).toContain('{"kind":"column","name":"data"')
    const models = evaluateModelsModule(code)
    expect(models.Note?.meta).toStrictEqual(metas[0])
  })
})

/** Runs the generated module on the real runtime, as a bundler would, and returns its models. */
function evaluateModelsModule(code: string): Record<string, Model<any>> {
  const { code: cjs } = transformSync(code, { format: 'cjs' })
  const module = { exports: {} as { models: Record<string, Model<any>> } }
  const load = (name: string) => {
    if (name !== '@fluentorm/runtime') throw new Error(`unexpected import ${name}`)
    return runtime
  }
  new Function('require', 'module', 'exports', cjs)(load, module, module.exports)
  return module.exports.models
}

describe('generateMigrationsModule', () => {
  it('inlines the migrations in order with their checksums', () => {
    const code = generateMigrationsModule([
      { name: '0001_create_users', sql: 'CREATE TABLE users (id int);\n', checksum: 'abc' },
      { name: '0002_add_phone', sql: 'ALTER …', down: 'ALTER … DROP', checksum: 'def' },
    ])
    expect(code).toMatchInlineSnapshot(`
      "export const migrations = Object.freeze([{"name":"0001_create_users","sql":"CREATE TABLE users (id int);\\n","checksum":"abc"},{"name":"0002_add_phone","sql":"ALTER …","down":"ALTER … DROP","checksum":"def"}])
      "
    `)
  })
})
