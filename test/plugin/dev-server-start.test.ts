import fluentorm from '@fluentorm/unplugin/vite'
import type { ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLog, ssrImport, startDevServer } from './support/dev-server.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'

/** A dev server started on a schema that does not parse: said at start, without the \0 of a virtual id. */
describe('the Vite dev server started on a broken schema', () => {
  let project: FixtureProject
  let server: ViteDevServer
  const { logger, all: logged } = captureLog()

  beforeAll(async () => {
    project = await copyFixture('blog')
    await project.edit('schemas/01_users.ts', (text) =>
      text.replace("t.string({ name: 'name' })", "t.string({ name: 'name' )"),
    )
    server = await startDevServer(project.root, {
      logger,
      plugins: [fluentorm({ devDatabase: false })],
    })
  })

  afterAll(async () => {
    await server?.close()
    await project?.remove()
  })

  it('prints the one problem at start, and the module fails with it, named without \\0', async () => {
    // `never`: the import only fails, with the error and the id Vite gives it.
    const failure = await ssrImport<never>(server, 'virtual:fluentorm/models').catch(
      (error: Error & { id?: string }) => error,
    )
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
