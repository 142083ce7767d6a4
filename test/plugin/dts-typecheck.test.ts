import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { createContext } from '@fluentorm/unplugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

/** Runs tsc on the project; resolves to its output, or '' when it passes. */
async function typecheck(root: string, files: readonly string[]): Promise<string> {
  const tsconfig = { extends: BASE_TSCONFIG, include: [...files, 'fluentorm.d.ts'] }
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

  it('rejects a misspelt column in a query and an excluded column in an insert', async () => {
    const output = await typecheck(project.root, ['mistakes.ts'])
    // Line 5, column 28: the 'tittle' argument of where().
    expect(output).toMatch(/^mistakes\.ts\(5,28\): error/m)
    expect(output).toMatch(
      /^mistakes\.ts\(6,\d+\): error .*'view_count' does not exist in type 'PostCreate'/m,
    )
  })
})
