import {
  generateDts,
  generateMigrationsModule,
  generateModelsModule,
  toModelMetas,
} from '@fluentorm/core'
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
})

describe('generateModelsModule', () => {
  it('inlines the metadata and exports each model and `models`', () => {
    const metas = toModelMetas(compileKitchenSink())
    const code = generateModelsModule(metas)
    expect(
      code.split('\n').filter((line) => !line.startsWith('const metas')),
    ).toMatchInlineSnapshot(`
      [
        "import { defineModels } from '@fluentorm/runtime'",
        "",
        "",
        "export const models = Object.freeze(defineModels(metas))",
        "export const Author = models.Author",
        "export const Book = models.Book",
        "export const Card = models.Card",
        "export const Genre = models.Genre",
        "export const BookGenre = models.BookGenre",
        "",
      ]
    `)
    expect(code).toContain(`const metas = ${JSON.stringify(metas)}`)
  })
})

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
