import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fluentorm from '@fluentorm/unplugin/vite'
import { createLogger, createServer, isRunnableDevEnvironment, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'
import { waitFor } from './support/wait-for.ts'

let project: FixtureProject
let server: ViteDevServer
const errors: string[] = []
const infos: string[] = []

const importQueries = async () => {
  const ssr = server.environments.ssr
  if (!ssr || !isRunnableDevEnvironment(ssr)) throw new Error('no SSR runner')
  return (await ssr.runner.import('/queries/films.sql')) as Record<string, { sql: string }>
}
const queriesFile = () => join(project.root, 'queries/films.sql')
const dtsFile = () => join(project.root, 'queries/films.sql.d.ts')

beforeAll(async () => {
  project = await copyFixture('typed-sql')
  const logger = createLogger('silent')
  logger.error = (message) => void errors.push(message)
  logger.info = (message) => void infos.push(message)
  server = await createServer({
    root: project.root,
    configFile: false,
    customLogger: logger,
    appType: 'custom',
    server: { middlewareMode: true, ws: false },
    plugins: [fluentorm({ devDatabase: false })],
  })
})

afterAll(async () => {
  await server?.close()
  await project?.remove()
})

it('types a .sql file on import, and again when it is saved', async () => {
  let started = Date.now()
  expect(Object.keys(await importQueries())).toContain('topFilms')
  const cold = Date.now() - started
  const source = await readFile(queriesFile(), 'utf8')
  started = Date.now()
  await writeFile(queriesFile(), `${source}\n-- name: filmCount\nSELECT count(*) AS n FROM films\n`)
  await waitFor('the new statement', async () =>
    'filmCount' in (await importQueries()) ? true : undefined,
  )
  const onSave = Date.now() - started
  expect(await readFile(dtsFile(), 'utf8')).toContain('n: bigint | null')
  console.info(`typed-sql dev: first import ${cold} ms (PGlite boot included), a save ${onSave} ms`)
})

it('shows a SQL error of a saved file in the terminal and the overlay, at its line and column', async () => {
  const source = await readFile(queriesFile(), 'utf8')
  await writeFile(queriesFile(), `-- name: broken\nSELECT nope FROM films\n\n${source}`)
  const shown = await waitFor('the error', () =>
    errors.find((message) => message.includes('queries/films.sql:2:8')),
  )
  expect(shown).toContain('broken: column "nope" does not exist')
  await expect(importQueries()).rejects.toThrow('queries/films.sql:2:8')
})

it('types the imported .sql files again when the schemas change', async () => {
  const schema = join(project.root, 'schemas/02_films.ts')
  const text = await readFile(schema, 'utf8')
  await writeFile(
    schema,
    text.replace(
      "  t.dateTime({ name: 'released_at' })\n",
      "  t.dateTime({ name: 'released_at' })\n  t.string({ name: 'nope', nullable: true })\n",
    ),
  )
  await waitFor('the statement to type', () =>
    infos.some((message) => message.includes('queries/films.sql is valid again'))
      ? true
      : undefined,
  )
  expect(Object.keys(await importQueries())).toContain('broken')
  expect(await readFile(dtsFile(), 'utf8')).toContain('nope: string | null')
})
