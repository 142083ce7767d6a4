import { readdir, readFile, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import type { Model } from '@fluentorm/runtime'
import fluentorm from '@fluentorm/unplugin/vite'
import { createServer, type Plugin, type RunnableDevEnvironment, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture } from './support/build-fixture.ts'
import { captureLog, startDevServer, writeFirstBuild } from './support/dev-server.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'
import { studioToken, withPasswordHash } from './support/studio.ts'
import { waitFor } from './support/wait-for.ts'

type Models = Record<string, Model<any>>

/** An app route that loads each post's author one query at a time: the N+1 pattern. */
function feedRoute(): Plugin {
  return {
    name: 'feed',
    configureServer(server) {
      return () => {
        server.middlewares.use(async (request, response, next) => {
          if (request.url !== '/feed') return next()
          const runner = (server.environments.ssr as RunnableDevEnvironment).runner
          const { database } = await runner.import('virtual:fluentorm/database')
          const { Post, User } = (await runner.import('virtual:fluentorm/models')) as Models
          const db = await database()
          const posts = await Post!.query().fetch(db)
          for (const post of posts) await User!.findById(db, post.user_id)
          response.end(`${posts.length} posts`)
        })
      }
    },
  }
}

/** The studio's API and guard on a dev server of the blog fixture (PGlite), without a browser. */
describe('the studio API of the Vite dev server', () => {
  let project: FixtureProject
  let server: ViteDevServer
  let base: string
  let token: string
  const log = captureLog()
  const logged = log.all

  const call = async (route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(new URL(`/__fluentorm/api/${route}`, base), {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        'x-fluentorm-studio-token': token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as any }
  }
  const rawGet = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const sent = httpRequest(new URL(path, base), { headers }, (response) => {
        let body = ''
        response.on('data', (chunk) => {
          body += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      })
      sent.on('error', reject)
      sent.end()
    })
  const rows = (table: string, params: Record<string, string> = {}) =>
    call(`rows?${new URLSearchParams({ table, ...params })}`)

  beforeAll(async () => {
    delete process.env.DATABASE_URL
    project = await copyFixture('blog')
    await project.edit('schemas/01_users.ts', withPasswordHash)
    await writeFirstBuild(project.root)
    // Vite's own host check off, as a project that allows every host: the studio's stays.
    server = await startDevServer(project.root, {
      plugins: [fluentorm({ slowQueryMs: 0, repeatedQueries: 3 }), feedRoute()],
      logger: log.logger,
      listen: { allowedHosts: true },
    })
    base = server.resolvedUrls?.local[0] ?? ''
    server.printUrls()
    token = studioToken(logged)
  })

  afterAll(async () => {
    await server?.close()
    await project?.remove()
  })

  it('refuses calls without the token, another Host, another Origin, another site', async () => {
    expect(token).toHaveLength(32)
    expect((await call('schema', undefined, { 'x-fluentorm-studio-token': '' })).status).toBe(401)
    expect(
      (await call('schema', undefined, { 'x-fluentorm-studio-token': `${token.slice(1)}x` }))
        .status,
    ).toBe(401)
    const port = new URL(base).port
    const rebinding = await rawGet('/__fluentorm/api/schema', {
      host: `evil.example:${port}`,
      'x-fluentorm-studio-token': token,
    })
    expect(rebinding).toEqual({
      status: 403,
      body: `{"error":"fluentorm studio: the Host \\"evil.example:${port}\\" is not this dev server's (localhost, 127.0.0.1, [::1])"}`,
    })
    const local = await rawGet('/__fluentorm/api/schema', {
      host: `localhost:${port}`,
      'x-fluentorm-studio-token': token,
    })
    expect(local.status).toBe(200)
    expect((await call('schema', undefined, { origin: 'http://127.0.0.1:1' })).status).toBe(403)
    expect((await call('schema', undefined, { origin: base.replace(/\/$/, '') })).status).toBe(200)
    expect((await call('schema', undefined, { 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    // The existing apply page sits behind the same guard, and still answers.
    const apply = new URL('/__fluentorm/apply', base)
    expect((await rawGet('/__fluentorm/apply', { host: 'evil.example' })).status).toBe(403)
    expect(await (await fetch(apply)).text()).toContain('No change is waiting.')
  })

  it('serves the page and its client without data, under a strict content policy', async () => {
    const page = await fetch(new URL('/__fluentorm', base))
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    const main = await fetch(new URL('/__fluentorm/client/main.ts', base))
    expect(main.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    const code = await main.text()
    expect(code).toMatch(/from ["']\.\/schema-view\.ts["']/)
    expect(code).not.toContain('import type')
    expect((await fetch(new URL('/__fluentorm/client/..%2Fhttp.ts', base))).status).toBe(404)
    // What it weighs (docs/STUDIO.md): every client module, types stripped, not minified.
    const names = [
      'main',
      'api',
      'dom',
      'live',
      'schema-view',
      'data-view',
      'migrations-view',
      'queries-view',
    ]
    const sizes = await Promise.all(
      names.map(
        async (name) =>
          (await (await fetch(new URL(`/__fluentorm/client/${name}.ts`, base))).text()).length,
      ),
    )
    expect(sizes.every((size) => size > 500)).toBe(true)
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(60_000)
  })

  it('describes the schema with files, lines, keys and the redacted column', async () => {
    const { body } = await call('schema')
    const users = body.tables.find((t: any) => t.name === 'users')
    expect(users.file).toBe('schemas/01_users.ts')
    expect(users.line).toBe(3)
    const hash = users.columns.find((c: any) => c.name === 'password_hash')
    expect(hash).toMatchObject({ redacted: true, nullable: true, line: 7 })
    expect(body.edges).toEqual([
      { name: 'author', from: 'posts', fromColumn: 'user_id', to: 'users', toColumn: 'id' },
    ])
    expect(Object.keys(body.layout.tables)).toEqual(['users', 'posts'])
  })

  it('writes only with the toggle on, through the models, never showing a redacted value', async () => {
    const insert = {
      table: 'users',
      values: { email: 'ada@example.com', name: 'Ada', password_hash: 's3cret' },
    }
    expect(await call('rows/insert', insert)).toEqual({
      status: 403,
      body: { error: 'writes are off: turn on "Allow writes" first' },
    })
    expect((await call('writes', { enabled: true })).body).toEqual({ writes: true })
    const inserted = await call('rows/insert', insert)
    expect(inserted.status).toBe(200)
    expect(inserted.body.row).not.toHaveProperty('password_hash')
    const ada = inserted.body.row
    const listed = await rows('users')
    expect(listed.body).toMatchObject({
      columns: expect.not.arrayContaining(['password_hash']),
      hidden: ['password_hash'],
      total: 1,
      count: 1,
    })
    expect(JSON.stringify(listed.body)).not.toContain('s3cret')
    expect((await rows('users', { sort: 'password_hash' })).status).toBe(400)
    const filtered = await rows('users', {
      filters: JSON.stringify([{ column: 'password_hash', op: '=', value: 's3cret' }]),
    })
    expect(filtered.body.error).toBe('column password_hash of users is redacted: it is never shown')

    // A duplicate: the message names the constraint, not the value.
    const duplicate = await call('rows/insert', insert)
    expect(duplicate.status).toBe(400)
    expect(duplicate.body.error).toContain('users_email_key')
    expect(duplicate.body.error).not.toContain('ada@example.com')
    // Inputs typed by column, refused naming the column only.
    const post = { title: 'Hello', user_id: ada.id, is_published: 'yes' }
    expect((await call('rows/insert', { table: 'posts', values: post })).body).toEqual({
      error: 'column is_published of posts: expected true or false',
    })
    expect(
      (
        await call('rows/insert', {
          table: 'posts',
          values: { ...post, is_published: true, view_count: '3' },
        })
      ).body,
    ).toEqual({
      error: 'column view_count of posts is set by the database on insert',
    })
    const hello = (
      await call('rows/insert', { table: 'posts', values: { ...post, is_published: true } })
    ).body.row
    expect(hello).toMatchObject({ title: 'Hello', is_published: true, view_count: 0 })
    const edited = await call('rows/update', {
      table: 'posts',
      key: { id: hello.id },
      values: { view_count: '7', summary: null },
    })
    expect(edited.body.row).toMatchObject({ view_count: 7, summary: null })
    expect(
      (
        await call('rows/update', {
          table: 'users',
          key: { id: ada.id },
          values: { password_hash: 'x' },
        })
      ).status,
    ).toBe(400)
    expect(
      (
        await rows('posts', {
          filters: JSON.stringify([{ column: 'view_count', op: '>', value: '5' }]),
        })
      ).body.total,
    ).toBe(1)
    expect(
      (
        await rows('posts', {
          filters: JSON.stringify([{ column: 'title', op: 'contains', value: 'ELL' }]),
        })
      ).body.total,
    ).toBe(1)
    expect((await call('rows/delete', { table: 'posts', key: { id: hello.id } })).body).toEqual({
      deleted: 'soft',
    })
    expect((await rows('posts')).body.total).toBe(0)
    expect((await rows('posts', { deleted: 'only' })).body.total).toBe(1)
    expect(
      (await call('rows/delete', { table: 'posts', key: { id: hello.id }, hard: true })).body,
    ).toEqual({ deleted: 'hard' })
    expect((await rows('posts', { deleted: 'include' })).body.total).toBe(0)
    expect((await call('counts')).body).toEqual({ counts: { users: 1, posts: 0 } })
    await call('writes', { enabled: false })
  })

  it('prints slow statements and flags N+1 in the terminal, and logs them by request', async () => {
    await call('writes', { enabled: true })
    const { body } = await rows('users')
    const author = body.rows[0].id
    for (const title of ['One', 'Two', 'Three']) {
      await call('rows/insert', { table: 'posts', values: { title, user_id: author } })
    }
    await call('writes', { enabled: false })
    logged.length = 0
    expect(await (await fetch(new URL('/feed', base))).text()).toBe('3 posts')
    const warning = await waitFor('the N+1 warning', () => logged.find((l) => l.includes('N+1')))
    expect(warning).toMatch(
      /^\[fluentorm\] N\+1: GET \/feed ran the same statement 3 times, from .*studio-server\.test\.ts:\d+:\d+\n {2}SELECT .* FROM "users" WHERE .*"users"\."id" = \$1/,
    )
    expect(
      logged.some((l) =>
        /^\[fluentorm\] slow query: \d+ ms, 3 rows \(GET \/feed, .*studio-server\.test\.ts/.test(l),
      ),
    ).toBe(true)
    // The studio's own statements are not in the log.
    const queries = await call('queries')
    const feed = queries.body.requests.find((r: any) => r.url === '/feed')
    expect(feed.queries).toHaveLength(4)
    expect(feed.repeated).toEqual([{ text: feed.queries[1].text, count: 3 }])
    expect(queries.body.requests.every((r: any) => !r.url.startsWith('/__fluentorm'))).toBe(true)

    const plan = await call('explain', { id: feed.queries[1].id })
    expect(plan.body.analyzed).toBe(false)
    expect(plan.body.plan).toMatch(/Scan .*users/)
    const analyzed = await call('explain', {
      id: feed.queries[1].id,
      analyze: true,
      params: [author],
    })
    expect(analyzed.body.plan).toMatch(/actual time=/)
    expect(
      (await call('explain', { id: feed.queries[1].id, analyze: true, params: [] })).status,
    ).toBe(400)
  })

  it('shows the pending migration after a save, and applies a destructive change when asked', async () => {
    const before = await call('migrations')
    expect(before.body.applied.map((m: any) => m.name)).toEqual(['0001_create_users_and_posts'])
    expect(before.body.applied[0].checksum).toMatch(/^[0-9a-f]{64}$/)
    expect(before.body.pending).toBeNull()
    const posts = join(project.root, 'schemas/02_posts.ts')
    const text = await readFile(posts, 'utf8')
    await writeFile(posts, text.replace("  t.string({ name: 'summary', notNull: false })\n", ''))
    const waiting = await waitFor('the waiting change', async () => {
      const { body } = await call('migrations')
      return body.dev.state === 'waiting' ? body : undefined
    })
    expect(waiting.pending).toMatchObject({
      name: 'drop_summary_from_posts',
      sql: ['ALTER TABLE posts DROP COLUMN IF EXISTS summary;'],
      findings: [expect.objectContaining({ rule: 'drop-column', severity: 'error' })],
    })
    expect((await call('migrations/apply', { token: 'stale' })).status).toBe(409)
    expect(await call('migrations/apply', { token: waiting.dev.token })).toEqual({
      status: 200,
      body: { applied: true },
    })
    expect((await call('migrations')).body.dev).toEqual({ state: 'current' })
    const schema = await call('schema')
    const columns = schema.body.tables
      .find((t: any) => t.name === 'posts')
      .columns.map((c: any) => c.name)
    expect(columns).not.toContain('summary')
  })

  it('reports a broken schema file at its line, keeping the last valid tables', async () => {
    const users = join(project.root, 'schemas/01_users.ts')
    const text = await readFile(users, 'utf8')
    await writeFile(
      users,
      text.replace("t.string({ name: 'name' })", "t.string({ name: 'name', length: 'x' })"),
    )
    const broken = await waitFor('the problem', async () => {
      const { body } = await call('schema')
      return body.valid ? undefined : body
    })
    const problems = [...broken.problems, ...broken.tables.flatMap((t: any) => t.problems)]
    expect(problems.length).toBeGreaterThan(0)
    expect(problems[0]).toMatchObject({
      file: 'schemas/01_users.ts',
      line: 6,
      table: 'users',
      message: "Unknown option 'length' on a text column.",
    })
    expect(broken.tables.map((t: any) => t.name)).toEqual(['users', 'posts'])
    await writeFile(users, text)
    await waitFor('valid again', async () => ((await call('schema')).body.valid ? true : undefined))
  })
})

describe('the studio off, and in a build', () => {
  it('is not served with studio: false, and no build output holds it', async () => {
    const project = await copyFixture('blog')
    try {
      const server = await createServer({
        root: project.root,
        configFile: false,
        logLevel: 'silent',
        appType: 'custom',
        server: { middlewareMode: true, ws: false },
        plugins: [fluentorm({ studio: false, devDatabase: false })],
      })
      const answered = await new Promise<number>((resolve) => {
        const response = {
          statusCode: 0,
          setHeader() {},
          writeHead(status: number) {
            this.statusCode = status
          },
          end() {
            resolve(this.statusCode)
          },
        }
        server.middlewares(
          { url: '/__fluentorm/api/session', method: 'GET', headers: { host: 'localhost' } } as any,
          response as any,
          () => resolve(-1),
        )
      })
      // Nobody answers: the request goes on to the next handler (Vite's 404).
      expect(answered).not.toBe(200)
      await server.close()

      const output = await buildFixture('vite', project.root)
      const dir = join(output, '..')
      for (const file of await readdir(dir, { recursive: true })) {
        if (!/\.(m?js|html|css)$/.test(file)) continue
        const code = await readFile(join(dir, file), 'utf8')
        expect(code, file).not.toContain('__fluentorm')
        expect(code, file).not.toContain('fluentorm studio')
      }
    } finally {
      await project.remove()
    }
  })
})
