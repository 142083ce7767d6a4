import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../plugin/support/chromium.ts'
import { type PlaygroundServer, startPlayground } from '../plugin/support/playground.ts'
import { screenshot } from '../plugin/support/screenshots.ts'

const VIEWPORT = { width: 1400, height: 860 }

/** fluentorm studio on the playground, in Chromium, as a developer uses it. */
describe('fluentorm studio in a browser', () => {
  let playground: PlaygroundServer
  let browser: Browser
  let studioUrl: string
  let page: Page

  beforeAll(async () => {
    playground = await startPlayground()
    // The link the terminal prints after Vite's own.
    playground.server.printUrls()
    const line = playground.logged.find((l) => l.includes('fluentorm studio:')) ?? ''
    studioUrl = /(http:\/\/\S+\/__fluentorm\?token=\S+)/.exec(line)?.[1] ?? ''
    // The app's first request sets the dev database up (migrations, the demo author).
    expect((await fetch(playground.url)).status).toBe(200)
    for (const title of ['First steps', 'Second thoughts', 'Third time']) {
      await fetch(new URL('/posts', playground.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ title, summary: `About ${title.toLowerCase()}` }),
        redirect: 'manual',
      })
    }
    browser = await launchChromium()
    page = await browser.newPage({ viewport: VIEWPORT })
    page.on('dialog', (dialog) => void dialog.accept())
  })

  afterAll(async () => {
    await browser?.close()
    await playground?.close()
  })

  it('prints a link with a per-session token, and the page takes it out of the address bar', async () => {
    expect(studioUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/__fluentorm\?token=[\w-]{32}$/)
    await page.goto(studioUrl)
    await page.waitForSelector('g.table[data-table=posts]')
    expect(page.url()).not.toContain('token=')
  })

  it('draws the ER diagram: every table with its columns, keys and relations', async () => {
    for (const table of ['users', 'posts', 'comments']) {
      await expect(page.locator(`g.table[data-table=${table}]`).count()).resolves.toBe(1)
    }
    const posts = page.locator('g.table[data-table=posts]')
    await expect(posts.locator('g.column').count()).resolves.toBe(9)
    await expect(posts.locator('g.column[data-column=user_id]').textContent()).resolves.toMatch(
      /FK\s*user_id\s*uuid/,
    )
    await expect(page.locator('path.edge').count()).resolves.toBe(3)
    await page.waitForFunction(() =>
      document.querySelector('g.world')?.getAttribute('transform')?.includes('scale'),
    )
    await screenshot(page, 'studio', 'schema')
    await posts.click()
    const side = page.locator('aside[data-table=posts]')
    await expect(side.textContent()).resolves.toContain(
      'idx_posts_user_created (user_id, created_at)',
    )
    await expect(side.locator('a[title$="02_posts.ts:5"]').count()).resolves.toBe(1)
    await screenshot(page, 'studio', 'schema-table')
  })

  it('browses, sorts and filters the posts through the models', async () => {
    await page.click('button[data-tab=data]')
    await page.click('a[data-table-link=posts]')
    const grid = page.locator('table.grid')
    await expect.poll(() => grid.getAttribute('data-rows')).toBe('3')
    await expect(page.locator('[data-count=posts]').textContent()).resolves.toBe('3 rows')
    await page.click('button[data-sort=title]')
    await expect
      .poll(() => grid.locator('tbody tr td:nth-child(2)').allTextContents())
      .toEqual(['First steps', 'Second thoughts', 'Third time'])
    await page.click('button[data-sort=title]')
    await expect
      .poll(() => grid.locator('tbody tr td:nth-child(2)').first().textContent())
      .toBe('Third time')
    await page.selectOption('select[name=filter-column]', 'title')
    await page.selectOption('select[name=filter-op]', 'contains')
    await page.fill('input[name=filter-value]', 'second')
    await page.click('button[name=add-filter]')
    // `contains` matches in any case (ILIKE), as a search box does.
    await expect.poll(() => grid.getAttribute('data-rows')).toBe('1')
    await expect(page.locator('.total').textContent()).resolves.toBe('1 matching · 3 rows in posts')
    await screenshot(page, 'studio', 'data')
    await page.click('[data-filter=title] button')
    await expect.poll(() => grid.getAttribute('data-rows')).toBe('3')
  })

  it('inserts and deletes a row only with the writes toggle on', async () => {
    await expect(page.locator('button[name=insert]').isDisabled()).resolves.toBe(true)
    const refused = await page.evaluate(async () => {
      const token = sessionStorage.getItem('fluentorm-studio-token') ?? ''
      const response = await fetch('/__fluentorm/api/rows/insert', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fluentorm-studio-token': token },
        body: JSON.stringify({ table: 'posts', values: { title: 'x' } }),
      })
      return { status: response.status, body: await response.json() }
    })
    expect(refused).toEqual({
      status: 403,
      body: { error: 'writes are off: turn on "Allow writes" first' },
    })

    await page.click('a[data-table-link=users]')
    const authorId = await page.locator('table.grid tbody tr td').first().textContent()
    await page.click('a[data-table-link=posts]')
    await page.check('input[name=writes]')
    await page.click('button[name=insert]')
    const editor = page.locator('aside.editor')
    await expect(editor.locator('input[name=view_count]').count()).resolves.toBe(0)
    await expect(editor.locator('select[name=is_published]').count()).resolves.toBe(1)
    await editor.locator('input[name=title]').fill('Written in the studio')
    await editor.locator('input[name=user_id]').fill('not-a-uuid')
    await editor.locator('button[name=save]').click()
    await expect
      .poll(() => page.locator('#notice').textContent())
      .toBe('column user_id of posts: expected a UUID')
    await editor.locator('input[name=user_id]').fill(authorId ?? '')
    await editor.locator('select[name=is_published]').selectOption('true')
    await screenshot(page, 'studio', 'data-insert')
    await editor.locator('button[name=save]').click()
    const grid = page.locator('table.grid')
    await expect.poll(() => grid.getAttribute('data-rows')).toBe('4')
    const row = grid.locator('tbody tr', { hasText: 'Written in the studio' })
    await expect(row.textContent()).resolves.toContain('true')
    // The app sees it too.
    await expect(fetch(playground.url).then((r) => r.text())).resolves.toContain(
      'Written in the studio',
    )
    await row.locator('button[name=delete]').click()
    await expect.poll(() => grid.getAttribute('data-rows')).toBe('3')
    // A soft delete, as the app's own delete: the row is there with deleted_at set.
    await page.selectOption('select[name=deleted]', 'only')
    await expect
      .poll(() => grid.locator('tbody tr', { hasText: 'Written in the studio' }).count())
      .toBe(1)
    await page.selectOption('select[name=deleted]', 'exclude')
    await page.uncheck('input[name=writes]')
  })

  it('shows a pending migration after a schema edit, live, without a reload', async () => {
    await page.click('button[data-tab=migrations]')
    await page.waitForSelector('[data-card=applied]')
    await expect(page.locator('[data-card=applied] tbody tr').count()).resolves.toBe(2)
    await expect(page.locator('[data-card=pending]').textContent()).resolves.toContain('None')
    await page.waitForFunction(() => document.body.dataset.live === 'true')
    await page.evaluate(() => {
      ;(window as { stayed?: boolean }).stayed = true
    })
    const usersFile = join(playground.root, 'schemas/01_users.ts')
    const text = await readFile(usersFile, 'utf8')
    await writeFile(
      usersFile,
      text.replace(
        '  t.timestamps()\n',
        "  t.string({ name: 'phone', nullable: true })\n  t.timestamps()\n",
      ),
    )
    await page.waitForSelector('.pending-name', { timeout: 60_000 })
    await expect(page.locator('.pending-name').textContent()).resolves.toBe('add_phone_to_users')
    await expect(page.locator('.pending-sql').textContent()).resolves.toBe(
      'ALTER TABLE users ADD COLUMN IF NOT EXISTS phone TEXT;',
    )
    await expect(page.evaluate(() => (window as { stayed?: boolean }).stayed)).resolves.toBe(true)
    await screenshot(page, 'studio', 'migrations')
    // The diagram follows too.
    await page.click('button[data-tab=schema]')
    await page.waitForSelector('g.table[data-table=users] g.column[data-column=phone]')
  })

  it("logs a page view's queries with their caller, and explains one", async () => {
    await page.click('button[data-tab=queries]')
    await page.click('button[name=clear]')
    const app = await browser.newPage()
    await app.goto(playground.url)
    await app.close()
    const request = page.locator('[data-request="GET /"]').first()
    await request.waitFor({ timeout: 30_000 })
    const postsQuery = request.locator('.query', { hasText: 'FROM "posts"' }).first()
    await expect(postsQuery.locator('.caller').textContent()).resolves.toMatch(
      /^src\/app\.ts:\d+:\d+$/,
    )
    await expect(
      request.locator('.query', { hasText: 'FROM "users"' }).count(),
    ).resolves.toBeGreaterThan(0)
    await postsQuery.locator('button[name=explain]').click()
    await expect.poll(() => page.locator('pre.plan').textContent()).toMatch(/Scan on posts/)
    await screenshot(page, 'studio', 'queries')
  })

  it('refuses a request without the token, from another origin, or for another host', async () => {
    const api = new URL('/__fluentorm/api/schema', playground.url)
    const noToken = await fetch(api)
    expect(noToken.status).toBe(401)
    expect(await noToken.json()).toEqual({
      error:
        'this call needs the studio session token: open the studio from the link the dev server printed',
    })
    const token = await page.evaluate(() => sessionStorage.getItem('fluentorm-studio-token'))
    const headers = { 'x-fluentorm-studio-token': token ?? '' }
    expect((await fetch(api, { headers })).status).toBe(200)
    expect(
      (await fetch(api, { headers: { ...headers, origin: 'http://localhost:3000' } })).status,
    ).toBe(403)
    // Another page in the browser cannot read it: no token, and no CORS for its origin.
    const other = await browser.newPage()
    await other.goto('data:text/html,<p>another page</p>')
    const seen = await other.evaluate(
      (url) =>
        fetch(url).then(
          (r) => r.status,
          (e: Error) => e.name,
        ),
      api.href,
    )
    expect(seen).toBe('TypeError')
    await other.close()
  })
})
