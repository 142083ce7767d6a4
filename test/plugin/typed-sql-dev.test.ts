import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fluentorm from '@fluentorm/unplugin/vite'
import type { ViteDevServer } from 'vite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { captureLog, ssrImport, startDevServer } from './support/dev-server.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'
import { waitFor } from './support/wait-for.ts'

let project: FixtureProject
let server: ViteDevServer
const { logger, errors, infos } = captureLog()

const importQueries = () => ssrImport<Record<string, { sql: string }>>(server, '/queries/films.sql')
const queriesFile = () => join(project.root, 'queries/films.sql')
const dtsFile = () => join(project.root, 'queries/films.sql.d.ts')

beforeAll(async () => {
  project = await copyFixture('typed-sql')
  server = await startDevServer(project.root, {
    logger,
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
  await project.edit(
    'queries/films.sql',
    (source) => `-- name: broken\nSELECT nope FROM films\n\n${source}`,
  )
  const shown = await waitFor('the error', () =>
    errors.find((message) => message.includes('queries/films.sql:2:8')),
  )
  expect(shown).toContain('broken: column "nope" does not exist')
  await expect(importQueries()).rejects.toThrow('queries/films.sql:2:8')
})

it('types the imported .sql files again when the schemas change', async () => {
  await project.edit('schemas/02_films.ts', (text) =>
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

it('types the imported .sql files again when a migration changes what they read', async () => {
  await project.edit(
    'queries/films.sql',
    (source) => `-- name: notes\nSELECT note FROM audit_notes\n\n${source}`,
  )
  await waitFor('the error', () =>
    errors.find((message) => message.includes('relation "audit_notes" does not exist')),
  )
  const validAgain = () =>
    infos.filter((message) => message.includes('queries/films.sql is valid again')).length
  const before = validAgain()
  // Written by hand, in the migrations/ the dev server made (the fixture has none): a table no
  // schema file declares, so no schema changes.
  await writeFile(
    join(project.root, 'migrations/0001_audit_notes.sql'),
    'CREATE TABLE audit_notes (id int PRIMARY KEY, note text NOT NULL);\n',
  )
  await waitFor('the statement to type', () => (validAgain() > before ? true : undefined))
  expect(Object.keys(await importQueries())).toContain('notes')
  expect(await readFile(dtsFile(), 'utf8')).toContain('note: string\n')
})
