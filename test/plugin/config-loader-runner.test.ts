import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build, createServer } from 'vite'
import { afterAll, beforeAll, expect, it } from 'vitest'

/**
 * Under `vite --configLoader runner` the plugin is itself loaded by a module runner that Vite
 * closes once the config is read. Typing a `.sql` file with a cold cache starts PGlite after
 * that, so PGlite must be loaded by Node, not by the runner ("Vite module runner has been
 * closed" otherwise).
 */
const REPO = resolve(import.meta.dirname, '../..')
let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fluentorm-config-loader-'))
  await cp(join(REPO, 'test/plugin/fixtures/typed-sql'), root, { recursive: true })
  // Its own node_modules (each package linked to the repository's), so its cache is cold.
  await mkdir(join(root, 'node_modules'))
  for (const entry of await readdir(join(REPO, 'node_modules'))) {
    if (entry === '.cache') continue
    await symlink(join(REPO, 'node_modules', entry), join(root, 'node_modules', entry), 'dir')
  }
  await writeFile(
    join(root, 'vite.config.ts'),
    `import fluentorm from '@fluentorm/unplugin/vite'
export default {
  logLevel: 'silent',
  plugins: [fluentorm({ devDatabase: false })],
  ssr: { noExternal: [/^@fluentorm\\//], external: ['pg', '@electric-sql/pglite'] },
  build: {
    ssr: 'main.js',
    outDir: 'dist',
    rolldownOptions: { output: { entryFileNames: 'main.mjs', format: 'es' } },
  },
}
`,
  )
})
afterAll(() => rm(root, { recursive: true, force: true, maxRetries: 5 }))

it('types .sql files with a cold cache when the config is loaded by the module runner', async () => {
  await build({ root, configLoader: 'runner', configFile: join(root, 'vite.config.ts') })
  expect(await readdir(join(root, 'node_modules/.cache/fluentorm/sql'))).not.toHaveLength(0)
  const built = await import(pathToFileURL(join(root, 'dist/main.mjs')).href)
  expect(built.films.filmBySlug.sql).toContain('WHERE')
})

it("serves the studio's TypeScript client when the config is loaded by the module runner", async () => {
  const server = await createServer({
    root,
    configLoader: 'runner',
    configFile: join(root, 'vite.config.ts'),
    server: { port: 0, host: '127.0.0.1' },
  })
  try {
    await server.listen()
    const port = (server.httpServer?.address() as AddressInfo | undefined)?.port
    const answer = await fetch(`http://127.0.0.1:${port}/__fluentorm/client/api.js`)
    expect(answer.status).toBe(200)
    const code = await answer.text()
    expect(code).toContain('export')
    expect(code).not.toMatch(/: string\b/)
  } finally {
    await server.close()
  }
})
