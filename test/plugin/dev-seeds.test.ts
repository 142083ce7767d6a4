import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Database } from '@fluentorm/runtime'
import fluentorm from '@fluentorm/unplugin/vite'
import type { ViteDevServer } from 'vite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  captureLog,
  type LogCapture,
  ssrImport,
  startDevServer,
  writeFirstBuild,
} from './support/dev-server.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'
import { waitFor } from './support/wait-for.ts'

/**
 * The dev server seeds its dev database (an in-memory PGlite here) from seeds/ when the app
 * first opens it, with the app's models, and again when a seed file is saved.
 */
const seedFile = (emails: string[]) => `export default async function seed(db, { User }) {
  for (const email of ${JSON.stringify(emails)}) {
    await User.upsert(db, { email, name: email.split('@')[0] }, { conflict: ['email'] })
  }
}
`

let project: FixtureProject
let server: ViteDevServer
let log: LogCapture
const database = async () =>
  (
    await ssrImport<{ database(): Promise<Database> }>(server, 'virtual:fluentorm/database')
  ).database()
const emails = async () =>
  (
    await (
      await database()
    ).query<{ email: string }>({
      text: 'SELECT email FROM users ORDER BY email',
    })
  ).rows.map((row) => row.email)

beforeAll(async () => {
  delete process.env.DATABASE_URL
  project = await copyFixture('blog')
  await writeFirstBuild(project.root)
  await mkdir(join(project.root, 'seeds'))
  await writeFile(join(project.root, 'seeds/01_users.ts'), seedFile(['ada@example.com']))
  log = captureLog()
  server = await startDevServer(project.root, { plugins: [fluentorm()], logger: log.logger })
})
afterAll(async () => {
  await server?.close()
  await project?.remove()
})

it('seeds the dev database before the app first gets it', async () => {
  expect(await emails()).toEqual(['ada@example.com'])
  expect(log.infos.join('\n')).toContain('seeded the dev database: seeds/01_users.ts')
})

it('runs the seeds again when a seed file is saved, keeping what is there (they are idempotent)', async () => {
  await writeFile(
    join(project.root, 'seeds/01_users.ts'),
    seedFile(['ada@example.com', 'bob@example.com']),
  )
  await waitFor('bob to be seeded', async () =>
    (await emails()).includes('bob@example.com') ? true : undefined,
  )
  expect(await emails()).toEqual(['ada@example.com', 'bob@example.com'])
})

it('says which file failed and keeps nothing of that run', async () => {
  log.errors.length = 0
  await writeFile(
    join(project.root, 'seeds/02_broken.ts'),
    `export default async function seed(db, { User }) {
  await User.upsert(db, { email: 'carol@example.com', name: 'Carol' }, { conflict: ['email'] })
  throw new Error('no more rows today')
}
`,
  )
  await waitFor('the failure in the terminal', () =>
    log.errors.some((line) => line.includes('seeds/02_broken.ts failed: no more rows today'))
      ? true
      : undefined,
  )
  expect(await emails()).toEqual(['ada@example.com', 'bob@example.com'])
})
