import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { main } from '../../packages/cli/src/main.ts'
import { buildFixture } from './support/build-fixture.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'

let project: FixtureProject

async function generate(cwd: string) {
  const out: string[] = []
  const err: string[] = []
  const io = {
    cwd,
    out: (text: string) => void out.push(text),
    err: (text: string) => void err.push(text),
  }
  const code = await main(['generate'], io)
  return { code, stdout: out.join(''), stderr: err.join('') }
}

beforeAll(async () => {
  project = await copyFixture('typed-sql')
})
afterAll(() => project?.remove())

it('fluentorm generate writes the .sql.d.ts a build writes', async () => {
  const dtsFile = join(project.root, 'queries/films.sql.d.ts')
  const generated = await generate(project.root)
  expect(generated.stderr).toBe('')
  expect(generated.code).toBe(0)
  expect(generated.stdout).toContain('wrote queries/films.sql.d.ts')
  const byGenerate = await readFile(dtsFile, 'utf8')
  await rm(dtsFile)
  await buildFixture('esbuild', project.root)
  expect(await readFile(dtsFile, 'utf8')).toBe(byGenerate)
  expect((await generate(project.root)).stdout).not.toContain('films.sql.d.ts')
})

it('fluentorm generate fails on a SQL error, naming its file, line and column', async () => {
  await writeFile(join(project.root, 'queries/more.sql'), '-- name: broken\nSELECT * FROM filmz\n')
  const generated = await generate(project.root)
  expect(generated.code).toBe(1)
  expect(generated.stderr).toContain(
    'queries/more.sql:2:15: broken: relation "filmz" does not exist',
  )
})
