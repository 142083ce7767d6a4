import { execFile } from 'node:child_process'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import {
  compileSchema,
  generateDts,
  generateModelsModule,
  generateTableFiles,
  type SchemaIR,
  type TableSchema,
  toModelMetas,
  toModelName,
} from '@fluentorm/core'
import { transformSync } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { renderMigrationFile } from '../../packages/core/src/migration/migration-file.ts'
import { planMigration } from '../../packages/core/src/migration/migration-plan.ts'
import { splitStatements } from '../../packages/runtime/src/migration/split-statements.ts'

/** Names that end a block comment, or a line comment, early, in every place a name is written. */
const run = promisify(execFile)

const EVIL_PATH = 'schemas/02_x */ declare const fromPath: 1; /*.ts'
const BROKEN_LINE = 'notes\nDROP TABLE users; SELECT 1'
/**
 * Table names that would end a comment (`*\/`, a newline) are refused by the compiler (they
 * also name files: validate-names.ts), so the tables here have plain names in evil paths.
 */
const EVIL_TABLE = 'posts'
const NOTES = 'notes'

/** The schema; `withOld`: the first table also has a column named BROKEN_LINE (so a migration drops it). */
function schemaOf(withOld = false): SchemaIR {
  const tables: [string, string, (t: TableSchema) => void][] = [
    [
      `schemas/01_${BROKEN_LINE}.ts`,
      NOTES,
      (t) => {
        t.increments({ name: 'id', primaryKey: true })
        if (withOld) t.string({ name: BROKEN_LINE })
      },
    ],
    [
      'schemas/02_users.ts',
      'users',
      (t) => {
        t.increments({ name: 'id', primaryKey: true })
        t.enum({ name: 'mood', enumName: 'mood */ declare const fromEnum: 1; /*', values: ['a'] })
        t.integer({ name: 'note_id' })
        t.belongsTo({ name: 'note', column: 'note_id', referencesTable: NOTES })
      },
    ],
    [
      EVIL_PATH,
      EVIL_TABLE,
      (t) => {
        t.increments({ name: 'id', primaryKey: true })
        t.string({ name: 'c */ declare const fromColumn: 1; /*' })
      },
    ],
  ]
  const result = compileSchema(
    tables.map(([path, tableName, build], i) => ({ path, tableName, order: i + 1, build })),
  )
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2))
  return result.schema
}

/** The first word of each statement, its leading comment lines left out. */
function statementWords(sql: string): string[] {
  return splitStatements(sql).map((s) => s.text.replace(/^(?:--[^\n]*\n\s*)+/, '').split(/\s/)[0]!)
}

const TSC = resolve(import.meta.dirname, '../../node_modules/.bin/tsc')
const BASE_TSCONFIG = resolve(import.meta.dirname, '../../tsconfig.base.json')
const MODEL = toModelName(EVIL_TABLE)
const NOTE = toModelName(NOTES)

/**
 * Uses the declarations: each interface the models must have, the exact set of value exports,
 * and none of the names the schema's text tried to declare (globally or in the module).
 */
const CHECK = `import type * as Models from 'virtual:fluentorm/models'
import type { ${[NOTE, 'User', MODEL].map((m) => `${m}Row, ${m}Create, ${m}Update, ${m}Column, ${m}Types`).join(', ')} } from 'virtual:fluentorm/models'

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
export const exactExports: Same<keyof typeof Models, 'models' | '${NOTE}' | 'User' | '${MODEL}'> = true
export type Used = [${[NOTE, 'User', MODEL].map((m) => `${m}Row, ${m}Create, ${m}Update, ${m}Column, ${m}Types`).join(', ')}]
// @ts-expect-error
fromTable
// @ts-expect-error
fromPath
// @ts-expect-error
fromEnum
// @ts-expect-error
fromColumn
`

describe('names in generated comments', () => {
  const schema = schemaOf()

  it('refuse table names that would end a comment', () => {
    for (const tableName of ['posts */ declare const x: 1; /*', BROKEN_LINE]) {
      const result = compileSchema([
        {
          path: 'schemas/01_x.ts',
          tableName,
          order: 1,
          build: (t) => t.increments({ name: 'id', primaryKey: true }),
        },
      ])
      expect(result.ok).toBe(false)
    }
  })

  it('give a .d.ts that tsc reads as exactly the models, whatever the names hold', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fluentorm-comments-'))
    try {
      await symlink(resolve(import.meta.dirname, '../../node_modules'), join(root, 'node_modules'))
      await writeFile(join(root, 'fluentorm.d.ts'), generateDts(schema))
      await writeFile(join(root, 'check.ts'), CHECK)
      const tsconfig = { extends: BASE_TSCONFIG, include: ['check.ts', 'fluentorm.d.ts'] }
      await writeFile(join(root, 'tsconfig.json'), JSON.stringify(tsconfig))
      const output = await run(TSC, ['-p', join(root, 'tsconfig.json'), '--noEmit'], {
        cwd: root,
      }).then(
        () => '',
        (error: { stdout: string }) => error.stdout || String(error),
      )
      expect(output).toBe('')
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  it('give a models module whose only exports are the models', () => {
    const js = generateModelsModule(toModelMetas(schema))
    const { code } = transformSync(js, { format: 'cjs' })
    const exported = [...code.matchAll(/^\s+(\w+): \(\) => \w+/gm)].map((m) => m[1])
    expect(exported.sort()).toEqual(['models', NOTE, 'User', MODEL].sort())
  })

  it('give SQL files whose statements are exactly the DDL', () => {
    const files = generateTableFiles(schema)
    const notes = files.get(`${NOTES}.sql`)!
    expect(notes).toContain(
      '-- Generated by fluentorm from schemas/01_notes\\nDROP TABLE users; SELECT 1.ts.',
    )
    expect(statementWords(notes)).toEqual(['CREATE'])
    const users = files.get('users.sql')!
    expect(users).toContain('-- Apply after: notes.sql')
    expect(statementWords(users)).toEqual(['DO', 'CREATE', 'DO'])
  })

  it('give a numbered migration whose lint header stays a comment', () => {
    const plan = planMigration(schemaOf(true), schema)
    expect(plan.findings.map((finding) => finding.rule)).toContain('drop-column')
    const text = renderMigrationFile('0002_drop_old.sql', plan)
    const header = text.slice(0, text.indexOf('\n\n'))
    expect(header).toContain('notes\\nDROP TABLE users; SELECT 1')
    expect(header.split('\n').every((line) => line.startsWith('--'))).toBe(true)
    expect(statementWords(text)).toEqual(['ALTER'])
  })
})
