import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fluentorm from '@fluentorm/unplugin/vite'
import { createLogger, createServer, isRunnableDevEnvironment, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'

/** A dev server started on a schema that does not parse: said at start, without the \0 of a virtual id. */
describe('the Vite dev server started on a broken schema', () => {
  let project: FixtureProject
  let server: ViteDevServer
  const logged: string[] = []

  beforeAll(async () => {
    project = await copyFixture('blog')
    const file = join(project.root, 'schemas/01_users.ts')
    const text = await readFile(file, 'utf8')
    await writeFile(file, text.replace("t.string({ name: 'name' })", "t.string({ name: 'name' )"))
    const logger = createLogger('silent')
    logger.error = (message) => void logged.push(message)
    logger.warn = (message) => void logged.push(message)
    logger.info = (message) => void logged.push(message)
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

  it('prints the one problem at start, and the module fails with it, named without \\0', async () => {
    const ssr = server.environments.ssr
    if (!ssr || !isRunnableDevEnvironment(ssr)) throw new Error('no SSR runner')
    const failure = await ssr.runner.import('virtual:fluentorm/models').catch((error) => error)
    expect(failure).toBeInstanceOf(Error)
    expect(failure.message).toContain('1 problem in the schema')
    expect(String(failure.id ?? '')).not.toContain('\0')
    const reports = logged.filter((line) => line.includes('1 problem in the schema'))
    expect(reports).toHaveLength(1)
    expect(reports[0]).toMatch(
      /^\[fluentorm\] 1 problem in the schema\n\nschemas\/01_users\.ts:\d+:\d+\n/,
    )
    for (const line of logged) expect(line).not.toContain('\0')
  })
})
