import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import fluentorm from '@fluentorm/unplugin/vite'
import { type Plugin, preview, type RunnableDevEnvironment, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oneStatement } from '../../packages/unplugin/src/studio/explain-api.ts'
import { loopbackPeer } from '../../packages/unplugin/src/studio/request-guard.ts'
import { buildFixture } from './support/build-fixture.ts'
import { captureLog, startDevServer, writeFirstBuild } from './support/dev-server.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'
import { studioToken, withPasswordHash } from './support/studio.ts'

const SECRET = 'hunter2-redacted-secret'

/**
 * An app route with an SQL injection (the name spliced into the text): what a hostile request
 * sends through it fails in the app, bound as one prepared statement, but lands in the query
 * log, where the studio's EXPLAIN could run it again another way.
 */
function injectableRoute(): Plugin {
  return {
    name: 'injectable',
    configureServer(server) {
      return () => {
        server.middlewares.use(async (request, response, next) => {
          const url = new URL(request.url ?? '/', 'http://app.invalid')
          if (url.pathname !== '/search') return next()
          const runner = (server.environments.ssr as RunnableDevEnvironment).runner
          const { database } = await runner.import('virtual:fluentorm/database')
          const db = await database()
          const name = url.searchParams.get('name') ?? ''
          const text = `SELECT id FROM users WHERE id = $1 AND name = '${name}'`
          const result = await db
            .query({ text, values: ['00000000-0000-0000-0000-000000000000'] })
            .then(
              () => 'ran',
              () => 'failed',
            )
          response.end(result)
        })
      }
    },
  }
}

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** The attacks on the studio of a dev server of the blog fixture (PGlite), with forged requests. */
describe('the studio under attack', () => {
  let project: FixtureProject
  let server: ViteDevServer
  let port: number
  let token: string
  let author: string
  const log = captureLog()
  const logged = log.all

  /** A raw request: any method, headers and body, to any address of this machine. */
  const send = (
    path: string,
    {
      method = 'GET',
      headers = {},
      body,
      address = '127.0.0.1',
    }: {
      method?: string
      headers?: Record<string, string>
      body?: string | Buffer
      address?: string
    } = {},
  ) =>
    new Promise<Answer>((resolve, reject) => {
      const sent = httpRequest(
        { host: address, port, path, method, headers: { host: `localhost:${port}`, ...headers } },
        (response) => {
          let text = ''
          response.on('data', (chunk) => {
            text += chunk
          })
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
          )
        },
      )
      sent.on('error', reject)
      sent.end(body)
    })
  const call = async (route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const answer = await send(`/__fluentorm/api/${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        'x-fluentorm-studio-token': token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { ...answer, json: JSON.parse(answer.body || 'null') as any }
  }

  beforeAll(async () => {
    delete process.env.DATABASE_URL
    project = await copyFixture('blog')
    await project.edit('schemas/01_users.ts', withPasswordHash)
    await writeFirstBuild(project.root)
    // Listening on every interface, as `vite --host`, with Vite's host check off.
    server = await startDevServer(project.root, {
      plugins: [fluentorm({ slowQueryMs: false, repeatedQueries: false }), injectableRoute()],
      logger: log.logger,
      listen: { host: '0.0.0.0', allowedHosts: true },
    })
    port = (server.httpServer!.address() as { port: number }).port
    server.printUrls()
    token = studioToken(logged)
    expect(token).toHaveLength(32)
    await call('writes', { enabled: true })
    const user = await call('rows/insert', {
      table: 'users',
      values: { email: 'a@example.com', name: 'Ada', password_hash: SECRET },
    })
    expect(user.status).toBe(200)
    author = user.json.row.id
    await call('writes', { enabled: false })
  })

  afterAll(async () => {
    await server?.close()
    await project?.remove()
  })

  it('lets no letter case of /__fluentorm/apply past the Host and Origin check', async () => {
    // Connect matches a mounted path in any case: /__FLUENTORM/APPLY reaches the apply page.
    for (const path of ['/__FLUENTORM/apply', '/__Fluentorm/Apply', '/__fluentorm/APPLY']) {
      expect((await send(path, { headers: { host: 'evil.example' } })).status).toBe(403)
      const posted = await send(path, {
        method: 'POST',
        headers: {
          origin: 'http://evil.example',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'token=x',
      })
      expect(posted.status).toBe(403)
    }
    expect(
      (await send('/__FLUENTORM/api/session', { headers: { host: 'evil.example' } })).status,
    ).toBe(403)
  })

  it('refuses rebinding Hosts, a token in the URL, method overrides and GETs that would write', async () => {
    const hosts = [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      'sub.localhost',
      'localhost.',
      '0.0.0.0',
      '2130706433',
      '[::ffff:127.0.0.1]',
      'localhost:1@evil.example',
    ]
    for (const host of hosts) {
      for (const path of ['/__fluentorm', '/__fluentorm/api/session', '/__fluentorm/apply']) {
        const answer = await send(path, { headers: { host, 'x-fluentorm-studio-token': token } })
        expect(answer.status, `${host} ${path}`).toBe(403)
      }
    }
    // Only the header carries the token: not the query, which links and logs leak.
    expect((await send(`/__fluentorm/api/session?token=${token}`)).status).toBe(401)
    const override = { 'x-fluentorm-studio-token': token, 'x-http-method-override': 'POST' }
    for (const route of ['writes?enabled=true', 'rows/insert?_method=POST', 'queries/clear']) {
      expect((await send(`/__fluentorm/api/${route}`, { headers: override })).status).toBe(404)
    }
    expect((await call('session')).json.writes).toBe(false)
    const page = await send(`/__fluentorm?token=${token}`)
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    expect(page.body).not.toMatch(/(?:src|href)="(?:https?:)?\/\//)
  })

  it('serves the apply page unframed and uncached, and refuses a body of more than a form', async () => {
    const page = await send('/__fluentorm/apply')
    expect(page.status).toBe(200)
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(page.headers['cache-control']).toBe('no-store')
    const huge = await send('/__fluentorm/apply', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'a'.repeat(8 << 20)}`,
    })
    expect(huge.status).toBe(413)
  })

  const lanAddress = Object.values(networkInterfaces())
    .flat()
    .find((info) => info?.family === 'IPv4' && !info.internal)?.address

  it.skipIf(lanAddress === undefined)(
    'answers a peer on the network at /__fluentorm/apply only with the session token',
    async () => {
      // A peer sends any Host it likes: only the token tells the developer's browser apart.
      const peer = await send('/__fluentorm/apply', { address: lanAddress! })
      expect(peer.status).toBe(403)
      expect(peer.body).toContain('from another machine')
      const posted = await send('/__fluentorm/apply', {
        address: lanAddress!,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'token=x',
      })
      expect(posted.status).toBe(403)
      const withToken = await send('/__fluentorm/apply', {
        address: lanAddress!,
        headers: { 'x-fluentorm-studio-token': token },
      })
      expect(withToken.status).toBe(200)
      // The API needs the token from anywhere; the page and its scripts hold no secret.
      expect((await send('/__fluentorm/api/session', { address: lanAddress! })).status).toBe(401)
    },
  )

  it('explains no logged statement that hides a second one, and runs nothing of it', async () => {
    await call('writes', { enabled: true })
    await call('rows/insert', { table: 'posts', values: { title: 'Kept', user_id: author } })
    await call('writes', { enabled: false })
    const posts = (await call('counts')).json.counts.posts as number
    expect(posts).toBeGreaterThan(0)
    const hidden = [
      // The quote inside the comment hides the semicolons from a quote-only scan.
      "x' /* ' */; COMMIT; DELETE FROM posts; SELECT 1 -- ",
      // A dollar-quoted string and a line comment do the same.
      "x' AND $q$'$q$ = $q$'$q$; COMMIT; DELETE FROM posts; SELECT 1 -- ",
      "x' -- '\n; COMMIT; DELETE FROM posts; SELECT 1 -- ",
    ]
    for (const name of hidden) {
      const response = await fetch(
        `http://127.0.0.1:${port}/search?${new URLSearchParams({ name })}`,
      )
      expect(await response.text()).toBe('failed')
    }
    const { json } = await call('queries')
    const entries = json.requests
      .filter((r: any) => r.url.startsWith('/search'))
      .flatMap((r: any) => r.queries)
    expect(entries).toHaveLength(hidden.length)
    for (const entry of entries) {
      for (const analyze of [false, true]) {
        await call('writes', { enabled: analyze })
        const answer = await call('explain', {
          id: entry.id,
          analyze,
          params: ['00000000-0000-0000-0000-000000000000'],
        })
        expect(answer.status).toBe(400)
        expect(answer.json.error).toMatch(/one SELECT, INSERT, UPDATE, DELETE or WITH statement/)
      }
    }
    await call('writes', { enabled: false })
    expect((await call('counts')).json.counts.posts).toBe(posts)
  })

  it('analyzes a write only with writes on, rolls it back, and runs nothing a rollback leaves', async () => {
    // Statements of the app outside any request: they are in the log's background list.
    const { database } = await server.ssrLoadModule('virtual:fluentorm/database')
    const db = await database()
    await db.exec('CREATE SEQUENCE IF NOT EXISTS attack_seq')
    const texts = {
      insert: 'INSERT INTO posts (title, user_id) VALUES ($1, $2)',
      nextval: "SELECT nextval('attack_seq') AS n",
      lock: 'SELECT pg_advisory_lock(4242)',
    }
    await db.query({ text: texts.insert, values: ['Logged', author] })
    await db.query({ text: texts.nextval })
    await db.query({ text: texts.lock })
    await db.query({ text: 'SELECT pg_advisory_unlock(4242)' })
    const { json } = await call('queries')
    const id = (text: string) => json.background.find((e: any) => e.text === text).id
    const posts = (await call('counts')).json.counts.posts as number
    const analyze = (text: string, params: unknown[] = []) =>
      call('explain', { id: id(text), analyze: true, params })
    expect((await analyze(texts.insert, ['Analyzed', author])).status).toBe(403)
    await call('writes', { enabled: true })
    const analyzed = await analyze(texts.insert, ['Analyzed', author])
    await call('writes', { enabled: false })
    expect(analyzed.json.plan).toMatch(/Insert on posts .*actual time=/)
    expect((await call('counts')).json.counts.posts).toBe(posts)
    // nextval gives back nothing on rollback: a read-only transaction refuses it.
    expect((await analyze(texts.nextval)).json.error).toMatch(/read-only transaction/)
    expect((await db.query({ text: texts.nextval })).rows).toEqual([{ n: 2n }])
    // A session's advisory lock outlives the rollback (the migration lock is one).
    expect((await analyze(texts.lock)).status).toBe(400)
    const held = await db.query({
      text: "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242",
    })
    expect(held.rows).toEqual([{ n: 0 }])
  })

  it('keeps no more than 32 KB of a statement text, and explains no cut one', async () => {
    // A request that makes the app build a huge statement, many times over.
    const { database } = await server.ssrLoadModule('virtual:fluentorm/database')
    const db = await database()
    const text = `SELECT 1 AS huge /* ${'x'.repeat(1 << 20)} */`
    for (let i = 0; i < 5; i++) await db.query({ text })
    const { body, json } = await call('queries')
    expect(body.length).toBeLessThan(1 << 20)
    const entry = json.background.find((e: any) => e.text.startsWith('SELECT 1 AS huge'))
    expect(entry).toMatchObject({ truncated: true })
    expect(entry.text).toHaveLength(32 * 1024)
    const plan = await call('explain', { id: entry.id })
    expect(plan.status).toBe(400)
    expect(plan.json.error).toMatch(/longer than the log keeps/)
  })

  it('adds no CORS header for another local origin, which Vite allows by default', async () => {
    // Vite's cors (any localhost origin) answers before plugins; the studio refuses the call.
    const other = { origin: 'http://localhost:3000', 'x-fluentorm-studio-token': token }
    for (const path of [
      '/__fluentorm/api/session',
      '/__fluentorm',
      '/__fluentorm/client/main.ts',
    ]) {
      const answer = await send(path, { headers: other })
      expect(answer.status).toBe(403)
      expect(answer.headers['access-control-allow-origin']).toBeUndefined()
    }
  })

  it('refuses names, operators and values outside the schema, and bounds pages and bodies', async () => {
    const rows = (params: Record<string, string>) =>
      call(`rows?${new URLSearchParams({ table: 'users', ...params })}`)
    for (const table of [
      '__proto__',
      'constructor',
      'pg_catalog.pg_user',
      'users; DROP TABLE users',
    ]) {
      expect((await rows({ table })).status).toBe(404)
    }
    for (const sort of ['__proto__', 'constructor', 'password_hash', 'id; DROP TABLE users', '1']) {
      expect((await rows({ sort })).status).toBe(400)
    }
    const filter = (f: unknown) => rows({ filters: JSON.stringify([f]) })
    expect((await filter({ column: 'toString', op: '=', value: 'x' })).status).toBe(400)
    expect((await filter({ column: 'password_hash', op: '=', value: SECRET })).status).toBe(400)
    expect((await filter({ column: 'name', op: '__proto__', value: 'x' })).status).toBe(400)
    expect((await filter({ column: 'name', op: 'like', value: '%' })).status).toBe(400)
    expect((await filter({ column: 'name', op: '=', value: { $ne: 1 } })).status).toBe(400)
    expect((await filter({ column: 'name', op: '=', value: ['a', 'b'] })).status).toBe(400)
    expect((await filter({ column: 'id', op: '=', value: "1' OR '1'='1" })).status).toBe(400)
    expect((await rows({ filters: '{"column":"name"}' })).status).toBe(400)
    for (const [page, perPage] of [
      ['-1', '-5'],
      ['1e308', '1e9'],
      ['0.5', '0.5'],
      ['NaN', 'Infinity'],
      ['9007199254740993', '200'],
    ] as const) {
      const answer = await rows({ page: page!, perPage: perPage! })
      expect(answer.status).toBe(200)
      expect(answer.json.perPage).toBeGreaterThanOrEqual(1)
      expect(answer.json.perPage).toBeLessThanOrEqual(200)
    }

    // Writes: off by default, then only schema columns the input rules allow.
    const insert = (values: unknown, table = 'posts') => call('rows/insert', { table, values })
    expect((await insert({ title: 'x' })).status).toBe(403)
    await call('writes', { enabled: true })
    expect(
      (
        await send('/__fluentorm/api/rows/insert', {
          method: 'POST',
          headers: { 'x-fluentorm-studio-token': token, 'content-type': 'text/plain' },
          body: JSON.stringify({ table: 'posts', values: { title: 'x', user_id: author } }),
        })
      ).status,
    ).toBe(415)
    const proto = await send('/__fluentorm/api/rows/insert', {
      method: 'POST',
      headers: { 'x-fluentorm-studio-token': token, 'content-type': 'application/json' },
      body: `{"table":"posts","values":{"title":"x","user_id":"${author}","__proto__":{"view_count":5}}}`,
    })
    expect(proto.status).toBe(400)
    expect((await insert({ title: 'x', user_id: author, view_count: 5 })).status).toBe(400)
    expect((await insert({ title: 'x', user_id: author, deleted_at: null })).status).toBe(400)
    expect((await insert({ title: { toString: 'x' }, user_id: author })).status).toBe(400)
    const row = await insert({ title: 'y', user_id: author })
    expect(row.status).toBe(200)
    const update = (values: unknown) =>
      call('rows/update', { table: 'posts', key: { id: row.json.row.id }, values })
    // The key and the timestamps the database keeps are not the studio's to change.
    expect((await update({ id: '00000000-0000-0000-0000-000000000001' })).status).toBe(400)
    expect((await update({ created_at: '2020-01-01T00:00:00Z' })).status).toBe(400)
    expect(
      (
        await call('rows/update', {
          table: 'users',
          key: { id: author },
          values: { password_hash: 'x' },
        })
      ).status,
    ).toBe(400)
    expect(
      (await call('rows/update', { table: 'posts', key: {}, values: { title: 'z' } })).status,
    ).toBe(400)
    expect((await call('rows/delete', { table: 'posts', key: { id: "' OR 1=1 --" } })).status).toBe(
      400,
    )
    // A body past 1 MB, and one nested a million deep, are refused without harm.
    const big = await send('/__fluentorm/api/rows/insert', {
      method: 'POST',
      headers: { 'x-fluentorm-studio-token': token, 'content-type': 'application/json' },
      body: `{"table":"posts","values":{"title":"${'x'.repeat(2 << 20)}"}}`,
    })
    expect(big.status).toBe(413)
    const deep = await send('/__fluentorm/api/rows/insert', {
      method: 'POST',
      headers: { 'x-fluentorm-studio-token': token, 'content-type': 'application/json' },
      body: `{"table":"posts","values":{"title":${'['.repeat(500_000)}${']'.repeat(500_000)}}}`,
    })
    expect(deep.status).toBe(400)
    await call('writes', { enabled: false })
    expect((await call('session')).status).toBe(200)
  })

  it('shows a redacted value in no answer, error, log entry or plan', async () => {
    const answers: string[] = []
    const keep = async (promise: Promise<{ body: string }>) => answers.push((await promise).body)
    await keep(call('rows?table=users'))
    await keep(call('rows?table=users&deleted=include'))
    await keep(call('counts'))
    await keep(call('schema'))
    await keep(call('queries'))
    await keep(call('migrations'))
    // A failing write that quotes the value in PostgreSQL's message (a uuid column given it).
    await call('writes', { enabled: true })
    await keep(call('rows/insert', { table: 'posts', values: { title: 't', user_id: SECRET } }))
    await keep(
      call('rows/insert', {
        table: 'users',
        values: { email: 'a@example.com', name: SECRET, password_hash: SECRET },
      }),
    )
    const { json } = await call('queries')
    const statements = [...json.requests.flatMap((r: any) => r.queries), ...json.background]
    for (const entry of statements.filter((e: any) => /^\s*select/i.test(e.text)).slice(0, 5)) {
      await keep(call('explain', { id: entry.id }))
    }
    await call('writes', { enabled: false })
    for (const body of answers) expect(body).not.toContain(SECRET)
    expect(logged.join('\n')).not.toContain(SECRET)
  })

  it('leaves the HMR socket to Vite, which refuses a page of another origin without its token', async () => {
    const upgrade = (query: string, origin: string) =>
      new Promise<number>((resolve, reject) => {
        const sent = httpRequest({
          host: '127.0.0.1',
          port,
          path: `/${query}`,
          headers: {
            host: `localhost:${port}`,
            origin,
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': randomBytes(16).toString('base64'),
            'sec-websocket-protocol': 'vite-hmr',
          },
        })
        sent.on('upgrade', (_response, socket) => {
          socket.destroy()
          resolve(101)
        })
        sent.on('response', (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        })
        sent.on('error', reject)
        sent.end()
      })
    const wsToken = (await call('session')).json.hmr.token as string
    expect(await upgrade('', 'http://evil.example')).not.toBe(101)
    expect(await upgrade('?token=wrong', 'http://evil.example')).not.toBe(101)
    expect(await upgrade(`?token=${wsToken}`, `http://localhost:${port}`)).toBe(101)
  })

  it('renders nothing of the client with innerHTML', async () => {
    const dir = join(import.meta.dirname, '../../packages/unplugin/src/studio/client')
    for (const file of [
      'main.ts',
      'dom.ts',
      'data-view.ts',
      'schema-view.ts',
      'queries-view.ts',
      'migrations-view.ts',
    ]) {
      const text = await readFile(join(dir, file), 'utf8')
      expect(text).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
      )
    }
  })
})

describe('the studio outside the dev server', () => {
  it('is not served by vite preview of the build', async () => {
    const project = await copyFixture('blog')
    try {
      const output = await buildFixture('vite', project.root)
      const previewer = await preview({
        root: project.root,
        configFile: false,
        logLevel: 'silent',
        build: { outDir: dirname(output) },
        preview: { host: '127.0.0.1', port: 0 },
        plugins: [fluentorm()],
      })
      try {
        const base = previewer.resolvedUrls?.local[0] ?? ''
        for (const path of ['/__fluentorm', '/__fluentorm/api/session', '/__fluentorm/apply']) {
          const response = await fetch(new URL(path, base))
          expect(response.status, path).toBe(404)
          expect(await response.text(), path).not.toContain('fluentorm')
        }
      } finally {
        await previewer.close()
      }
    } finally {
      await project.remove()
    }
  })
})

describe('the studio guard and EXPLAIN check, alone', () => {
  const from = (remoteAddress: string) =>
    ({ headers: {}, socket: { remoteAddress } }) as unknown as IncomingMessage

  it('tells this machine from a peer by the address the connection comes from', () => {
    for (const address of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) {
      expect(loopbackPeer(from(address)), address).toBe(true)
    }
    for (const address of ['192.0.2.2', '::ffff:192.0.2.2', 'fd00::2', '0.0.0.0', '::', '']) {
      expect(loopbackPeer(from(address)), address).toBe(false)
    }
  })

  it('takes one statement, trailing semicolons aside, and no text with another one', () => {
    expect(oneStatement('SELECT 1;  \n;')).toBe('SELECT 1')
    expect(oneStatement('SELECT * FROM "users" WHERE "id" = $1')).toBe(
      'SELECT * FROM "users" WHERE "id" = $1',
    )
    for (const text of [
      'SELECT 1; DROP TABLE users',
      "SELECT 1 /* ' */; COMMIT; DELETE FROM posts; SELECT 1 -- '",
      "SELECT $q$'$q$; COMMIT; DELETE FROM posts; SELECT $q$'$q$",
      "SELECT E'\\''; COMMIT; SELECT ''",
      "SELECT ';'",
    ]) {
      expect(oneStatement(text), text).toBeNull()
    }
  })
})
