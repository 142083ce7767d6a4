import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  createSchemaCompiler,
  formatProblems,
  loadSchemas,
  type SchemaModuleCache,
} from '@fluentorm/core'
import { afterEach, describe, expect, it } from 'vitest'
import { tempProject } from './support/schema-fixtures.ts'

const USERS = `import type { TableSchema } from '@fluentorm/core'
export function build(t: TableSchema): void {
  t.uuid({ name: 'id', primaryKey: true })
}
`

describe('loadSchemas', () => {
  const dirs: string[] = []
  const project = async (files: Record<string, string>) => {
    const dir = await tempProject(files)
    dirs.push(dir)
    return dir
  }
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  it('sorts files by numeric prefix, names tables after the file or the tableName export', async () => {
    const root = await project({
      'schemas/10_posts.ts': `export const tableName = 'articles'\n${USERS}`,
      'schemas/2_users.mjs': `export function build(t) { t.uuid({ name: 'id', primaryKey: true }) }\n`,
      'schemas/types.d.ts': 'export {}\n',
    })
    const result = await loadSchemas({ schemasDir: 'schemas', root })
    expect(
      result.ok && result.schema.tables.map((table) => [table.name, table.sources[0]]),
    ).toEqual([
      ['users', 'schemas/2_users.mjs'],
      ['articles', 'schemas/10_posts.ts'],
    ])
    expect(result.files).toEqual([
      join(root, 'schemas/2_users.mjs'),
      join(root, 'schemas/10_posts.ts'),
    ])
  })

  it('sees an edit on the next call', async () => {
    const root = await project({ 'schemas/01_users.ts': USERS })
    const before = await loadSchemas({ schemasDir: 'schemas', root })
    await writeFile(
      join(root, 'schemas/01_users.ts'),
      USERS.replace('}\n', "  t.string({ name: 'email' })\n}\n"),
    )
    const after = await loadSchemas({ schemasDir: 'schemas', root })
    expect(before.ok && before.schema.tables[0]?.columns.map((column) => column.name)).toEqual([
      'id',
    ])
    expect(after.ok && after.schema.tables[0]?.columns.map((column) => column.name)).toEqual([
      'id',
      'email',
    ])
  })

  it('with a cache and a compiler, recompiles only the saved file and equals a fresh load', async () => {
    const posts = `import type { TableSchema } from '@fluentorm/core'
export function build(t: TableSchema): void {
  t.uuid({ name: 'id', primaryKey: true })
  t.uuid({ name: 'user_id' })
  t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users' })
}
`
    const root = await project({ 'schemas/01_users.ts': USERS, 'schemas/02_posts.ts': posts })
    const session = { cache: new Map() as SchemaModuleCache, compiler: createSchemaCompiler() }
    const before = await loadSchemas({ schemasDir: 'schemas', root, ...session })
    await writeFile(
      join(root, 'schemas/02_posts.ts'),
      posts.replace('}\n', "  t.string({ name: 'title' })\n}\n"),
    )
    const after = await loadSchemas({ schemasDir: 'schemas', root, ...session })
    if (!before.ok || !after.ok) throw new Error('expected valid schemas')
    expect(after.schema.tables[0]).toBe(before.schema.tables[0])
    expect(after.schema.tables[1]?.columns.map((column) => column.name)).toContain('title')
    expect(after).toEqual(await loadSchemas({ schemasDir: 'schemas', root }))
  })

  it('reports a file without build, a syntax error and a name without prefix, all at once', async () => {
    const root = await project({
      'schemas/01_users.ts': 'export const tableName = "users"\n',
      'schemas/02_posts.ts': 'export function build(t {\n',
      'schemas/comments.ts': USERS,
    })
    const result = await loadSchemas({ schemasDir: 'schemas', root })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(
      result.problems.map((problem) => [problem.file, problem.message.split('\n')[0]]),
    ).toEqual([
      ['schemas/comments.ts', 'The schema file comments.ts has no numeric prefix.'],
      ['schemas/01_users.ts', 'The file does not export a build function.'],
      ['schemas/02_posts.ts', expect.stringMatching(/^The file cannot be evaluated: /)],
    ])
    for (const problem of result.problems) expect(problem.message).not.toMatch(/\n\s+at /)
    expect(result.problems[1]?.hint).toBe('Add: export function build(t: TableSchema): void { … }')
  })

  it('gives the line and column of the builder call at fault, in each file of the bundle', async () => {
    const posts = `import type { TableSchema } from '@fluentorm/core'

type Unused = { erased: true }

export function build(t: TableSchema): void {
  t.uuid({ name: 'id', primaryKey: true })
  t.integer({ name: 'views', defaultValue: 'none' })
    t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users' })
}
`
    const root = await project({
      'schemas/01_users.ts': USERS.replace(
        '}\n',
        "  t.string({ name: 'email', colour: 'red' } as never)\n}\n",
      ),
      'schemas/02_posts.ts': posts,
    })
    const result = await loadSchemas({ schemasDir: 'schemas', root })
    if (result.ok) throw new Error('expected problems')
    expect(
      result.problems.map(({ file, at, message }) => [file, at, message.slice(0, 30)]),
    ).toEqual([
      ['schemas/01_users.ts', { line: 4, column: 5 }, "Unknown option 'colour' on a t"],
      ['schemas/02_posts.ts', { line: 7, column: 5 }, "The default 'none' is not a va"],
      ['schemas/02_posts.ts', { line: 8, column: 7 }, "belongsTo 'author' uses column"],
    ])
    // The recorded call sites stay inside the loader: problems are plain data.
    for (const problem of result.problems) expect(Object.keys(problem)).not.toContain('site')
    expect(formatProblems(result.problems)).toContain(
      'schemas/02_posts.ts:8:7 (table posts, column user_id)',
    )
  })

  it('names the builder meant, at its line, when a build calls one that does not exist', async () => {
    const root = await project({
      'schemas/01_users.ts': USERS.replace(
        '}\n',
        "  ;(t as any).bigInteger({ name: 'visits' })\n}\n",
      ),
    })
    const result = await loadSchemas({ schemasDir: 'schemas', root })
    if (result.ok) throw new Error('expected problems')
    expect(result.problems).toEqual([
      {
        file: 'schemas/01_users.ts',
        table: 'users',
        at: { line: 4, column: 15 },
        message: 't.bigInteger is not a schema builder.',
        hint: expect.stringMatching(/^Did you mean t\.bigInt\? Builders: uuid, string, /),
      },
    ])
  })

  it("points at the schema file's call into a helper module; a whole-table problem has no line", async () => {
    const root = await project({
      'schemas/01_users.ts': `import type { TableSchema } from '@fluentorm/core'
import { email } from '../helpers/columns.ts'
export function build(t: TableSchema): void {
  email(t)
}
`,
      'helpers/columns.ts': `import type { TableSchema } from '@fluentorm/core'
export function email(t: TableSchema): void {
  t.string({ name: 'email', colour: 'red' } as never)
}
`,
    })
    const result = await loadSchemas({ schemasDir: 'schemas', root })
    if (result.ok) throw new Error('expected problems')
    expect(
      result.problems.map(({ file, at, message }) => [file, at, message.slice(0, 20)]),
    ).toEqual([
      ['schemas/01_users.ts', { line: 4, column: 3 }, "Unknown option 'colo"],
      ['schemas/01_users.ts', undefined, "Table 'users' has no"],
    ])
    expect(formatProblems(result.problems)).toContain('\nschemas/01_users.ts (table users)\n')
  })

  it('keeps the lines of an unchanged file after another file is saved (dev server)', async () => {
    const broken = USERS.replace(
      '}\n',
      "  t.string({ name: 'email', colour: 'red' } as never)\n}\n",
    )
    const root = await project({ 'schemas/01_users.ts': broken, 'schemas/02_tags.ts': USERS })
    const session = {
      cache: new Map() as SchemaModuleCache,
      compiler: createSchemaCompiler(),
    }
    const first = await loadSchemas({ schemasDir: 'schemas', root, ...session })
    await writeFile(join(root, 'schemas/02_tags.ts'), `\n\n${USERS}`)
    const second = await loadSchemas({ schemasDir: 'schemas', root, ...session })
    if (first.ok || second.ok) throw new Error('expected problems')
    expect(second.problems.map((problem) => problem.at)).toEqual([{ line: 4, column: 5 }])
    expect(second.problems).toEqual(first.problems)
    // A compiler made with callSites: true records sites; they never reach the caller.
    const traced = await loadSchemas({
      schemasDir: 'schemas',
      root,
      compiler: createSchemaCompiler({ callSites: true }),
    })
    if (traced.ok) throw new Error('expected problems')
    expect(traced.problems).toEqual(first.problems)
    for (const problem of traced.problems) expect(Object.keys(problem)).not.toContain('site')
  })
})
