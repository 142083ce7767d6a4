import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { compileSchema, generateDts } from '@fluentorm/core'
import { createContext } from '@fluentorm/unplugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { schemaModules } from '../bench/synthetic-schema.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'

const run = promisify(execFile)
const TSC = resolve(import.meta.dirname, '../../node_modules/.bin/tsc')
const BASE_TSCONFIG = resolve(import.meta.dirname, '../../tsconfig.base.json')

const VALID_USAGE = `import type { Executor } from '@fluentorm/runtime'
import { migrations } from 'virtual:fluentorm/migrations'
import { Post, type PostRow, User } from 'virtual:fluentorm/models'
import { models } from '~fluentorm/models'

export async function popularTitles(db: Executor): Promise<string[]> {
  const author = await User.insert(db, { email: 'ada@example.com', name: 'Ada' })
  await Post.insert(db, { title: 'Hello', user_id: author.id, summary: null })
  await Post.update(db, author.id, { summary: null, is_published: true })
  const posts: PostRow[] = await Post.query()
    .where('view_count', '>', 10)
    .orderBy('created_at', 'desc')
    .fetch(db)
  const createdAt: Date = posts[0]!.created_at
  return [...posts.map((p) => p.title), String(createdAt), ...Object.keys(models), ...migrations.map((m) => m.name)]
}
`

const MISTAKES = `import type { Executor } from '@fluentorm/runtime'
import { Post } from 'virtual:fluentorm/models'

export async function mistakes(db: Executor): Promise<void> {
  await Post.query().where('tittle', '=', 'Hello').fetch(db)
  await Post.insert(db, { title: 'Hello', user_id: 'x', view_count: 3 })
}
`

/**
 * Runs tsc on the project; resolves to its output, or '' when it passes. `lib` replaces the
 * repository's (ES only) with what an app's tsconfig has, DOM included: the runtime ships its
 * TypeScript sources, so they are checked under the app's settings.
 */
async function typecheck(
  root: string,
  files: readonly string[],
  lib?: readonly string[],
): Promise<string> {
  const tsconfig = {
    extends: BASE_TSCONFIG,
    ...(lib ? { compilerOptions: { lib } } : {}),
    include: [...files, 'fluentorm.d.ts'],
  }
  await writeFile(join(root, 'tsconfig.json'), JSON.stringify(tsconfig))
  return run(TSC, ['-p', join(root, 'tsconfig.json'), '--noEmit'], { cwd: root }).then(
    () => '',
    (error: { stdout: string }) => error.stdout || String(error),
  )
}

describe('the generated .d.ts under tsc', () => {
  let project: FixtureProject

  beforeAll(async () => {
    project = await copyFixture('blog')
    await createContext({}, project.root).refresh()
    await writeFile(join(project.root, 'usage.ts'), VALID_USAGE)
    await writeFile(join(project.root, 'mistakes.ts'), MISTAKES)
  })
  afterAll(() => project?.remove())

  it('types a correct use of the models, the alias and the migrations module', async () => {
    expect(await typecheck(project.root, ['usage.ts'])).toBe('')
  })

  it('compiles in an app whose lib has the DOM types', async () => {
    expect(await typecheck(project.root, ['usage.ts'], ['es2023', 'dom'])).toBe('')
  })

  it('rejects a misspelt column in a query and an excluded column in an insert', async () => {
    const output = await typecheck(project.root, ['mistakes.ts'])
    // Line 5, column 28: the 'tittle' argument of where().
    expect(output).toMatch(/^mistakes\.ts\(5,28\): error/m)
    expect(output).toMatch(
      // Inputs also take sql fragments: the type reads Writable<PostCreate>.
      /^mistakes\.ts\(6,\d+\): error .*'view_count' does not exist in type 'Writable<PostCreate>'/m,
    )
  })
})

/** 200 tables, each belonging to the one before: the deepest relation graph a schema can have. */
function chainDts(): string {
  const compiled = compileSchema(schemaModules(200, 'chain'))
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems))
  return generateDts(compiled.schema)
}

describe('the generated .d.ts for a deep relation chain', () => {
  let project: FixtureProject

  beforeAll(async () => {
    project = await copyFixture('blog')
    await writeFile(join(project.root, 'fluentorm.d.ts'), chainDts())
    await writeFile(
      join(project.root, 'chain.ts'),
      `import type { Executor } from '@fluentorm/runtime'
import { Widgets0101 } from 'virtual:fluentorm/models'

export async function grandparentName(db: Executor): Promise<string | undefined> {
  const rows = await Widgets0101.query()
    .where('position', '>', 10)
    .orderBy('created_at', 'desc')
    .include('parent', (q) => q.include('parent'))
    .fetch(db)
  return rows[0]?.parent?.parent?.name
}
`,
    )
  })
  afterAll(() => project?.remove())

  // Comparing each model's types with ModelTypes used to walk every relation target in
  // turn and overflow tsc's stack (TS2321) on chains of about a hundred tables.
  it('type-checks without an excessive-depth error', async () => {
    expect(await typecheck(project.root, ['chain.ts'])).toBe('')
  })
})
