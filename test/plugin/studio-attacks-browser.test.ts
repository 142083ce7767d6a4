import { readFile, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer, type Server } from 'node:http'
import { join } from 'node:path'
import fluentorm from '@fluentorm/unplugin/vite'
import type { Browser } from 'playwright-core'
import type { ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './support/chromium.ts'
import { captureLog, startDevServer, writeFirstBuild } from './support/dev-server.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'
import { studioToken } from './support/studio.ts'
import { waitFor } from './support/wait-for.ts'

const PAYLOAD = `<img src=x onerror="document.title='pwned'">`

/**
 * The studio against a hostile page in Chromium: a page of another port of 127.0.0.1 (an
 * origin Vite's default cors lets in, and the same site), given even the secrets it should
 * not have, and rows whose values are HTML.
 */
describe('the studio against a hostile page in a browser', () => {
  let project: FixtureProject
  let server: ViteDevServer
  let attacker: Server
  let browser: Browser
  let studio: string
  let token: string
  let hostile = ''
  const log = captureLog()
  const logged = log.all

  const call = async (route: string, body?: unknown) => {
    const response = await fetch(new URL(`/__fluentorm/api/${route}`, studio), {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        'x-fluentorm-studio-token': token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return (await response.json()) as any
  }
  /** Opens the hostile page (its HTML set first) and gives what its script reports. */
  const visit = async (html: string): Promise<unknown> => {
    hostile = html
    const page = await browser.newPage()
    try {
      const address = attacker.address() as { port: number }
      await page.goto(`http://127.0.0.1:${address.port}/`)
      return await page.evaluate(() => (window as { done?: Promise<unknown> }).done)
    } finally {
      await page.close()
    }
  }

  beforeAll(async () => {
    delete process.env.DATABASE_URL
    project = await copyFixture('blog')
    await writeFirstBuild(project.root)
    server = await startDevServer(project.root, {
      plugins: [fluentorm({ slowQueryMs: false, repeatedQueries: false })],
      logger: log.logger,
      listen: {},
    })
    server.printUrls()
    const line = logged.find((l) => l.includes('fluentorm studio:')) ?? ''
    studio = /(http:\/\/\S+\/__fluentorm)\?token=/.exec(line)?.[1] ?? ''
    token = studioToken([line])
    expect(token).toHaveLength(32)
    attacker = createHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end(hostile)
    })
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    attacker?.close()
    await server?.close()
    await project?.remove()
  })

  it('answers another origin nothing, even with the token, and turns no switch for it', async () => {
    const seen = await visit(`<script>
      const api = ${JSON.stringify(`${studio}/api/`)}
      const read = (url, init) => fetch(url, init).then((r) => r.text(), (e) => e.name)
      window.done = Promise.all([
        read(api + 'session', { headers: { 'x-fluentorm-studio-token': ${JSON.stringify(token)} } }),
        read(api + 'schema?token=${token}'),
        // A simple request (no preflight): text/plain, no custom header.
        fetch(api + 'writes', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' },
          body: '{"enabled":true}' }).then(() => 'done', () => 'done'),
        read(${JSON.stringify(studio)}),
      ])
    </script>`)
    expect(seen).toEqual(['TypeError', 'TypeError', 'done', 'TypeError'])
    expect((await call('session')).writes).toBe(false)
  })

  it('frames neither the studio nor the apply page, and applies no change for another page', async () => {
    const posts = join(project.root, 'schemas/02_posts.ts')
    const text = await readFile(posts, 'utf8')
    await writeFile(posts, text.replace("  t.string({ name: 'summary', notNull: false })\n", ''))
    const waiting = await waitFor('the waiting change', async () => {
      const { dev } = await call('migrations')
      return dev.state === 'waiting' ? dev : undefined
    })
    // The worst case: the page knows the change's token and posts the apply form itself.
    const seen = await visit(`<iframe name="target"></iframe>
      <iframe id="studio" src="${studio}"></iframe>
      <form method="post" action="${studio}/apply" target="target">
        <input name="token" value="${waiting.token}"></form>
      <script>
        window.done = new Promise((resolve) => {
          document.querySelector('iframe[name=target]').addEventListener('load', () => resolve('loaded'))
          document.forms[0].submit()
        })
      </script>`)
    expect(seen).toBe('loaded')
    expect((await call('migrations')).dev.state).toBe('waiting')
  })

  it('shows row values and statements that hold HTML as text', async () => {
    await call('writes', { enabled: true })
    const inserted = await call('rows/insert', {
      table: 'users',
      values: { email: 'x@example.com', name: PAYLOAD },
    })
    expect(inserted.row.name).toBe(PAYLOAD)
    await call('writes', { enabled: false })
    const page = await browser.newPage()
    try {
      await page.goto(`${studio}?token=${token}#data/users`)
      await page.waitForSelector('table.grid td')
      expect(await page.locator('table.grid').innerText()).toContain(PAYLOAD)
      // A statement of the app whose text holds HTML, in the Queries view.
      const { database } = await server.ssrLoadModule('virtual:fluentorm/database')
      const db = await database()
      await db.query({ text: `SELECT '${PAYLOAD.replaceAll("'", "''")}' AS x` })
      await page.goto(`${studio}#queries`)
      await page.waitForSelector('.query .sql', { state: 'attached' })
      expect(await page.locator('main').textContent()).toContain("SELECT '<img src=x onerror=")
      expect(await page.locator('main img').count()).toBe(0)
      expect(await page.title()).toBe('fluentorm studio')
    } finally {
      await page.close()
    }
  })
})
