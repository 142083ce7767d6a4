import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../plugin/support/chromium.ts'
import { type PlaygroundServer, startPlayground } from '../plugin/support/playground.ts'

const REPO = resolve(import.meta.dirname, '../..')

describe('the playground in a browser', () => {
  let playground: PlaygroundServer
  let root: string
  let browser: Browser
  let url: string
  let logged: string[]

  beforeAll(async () => {
    playground = await startPlayground()
    ;({ root, url, logged } = playground)
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await playground?.close()
  })

  it('creates a post through the form, lists it with its author, and soft-deletes it', async () => {
    const page = await browser.newPage()
    await page.goto(url)
    await expect(page.locator('h1').textContent()).resolves.toBe('The fluentorm blog')

    const title = `Hello from the browser ${Date.now()}`
    await page.fill('input[name=title]', title)
    await page.fill('textarea[name=summary]', 'Written by playwright')
    await page.click('form.new-post button')
    const post = page.locator('li[data-post-id]', { hasText: title })
    await post.waitFor()
    await expect(post.locator('.author').textContent()).resolves.toBe('Ada Lovelace')
    await expect(post.locator('.comments').textContent()).resolves.toBe('0 comments')

    await post.locator('button', { hasText: 'Delete' }).click()
    await expect.poll(() => page.locator('li[data-post-id]', { hasText: title }).count()).toBe(0)
  })

  it('shows a column added to a schema with no manual step, and no request fails', async () => {
    const page = await browser.newPage()
    await page.goto(url)
    await expect(page.locator('dd[data-column=phone]').count()).resolves.toBe(0)

    // Requests keep arriving while the schema changes: every one must succeed.
    const statuses: number[] = []
    let polling = true
    const poll = (async () => {
      while (polling) statuses.push((await fetch(url)).status)
    })()

    const usersFile = join(root, 'schemas/01_users.ts')
    const text = await readFile(usersFile, 'utf8')
    await writeFile(
      usersFile,
      text.replace(
        '  t.timestamps()\n',
        "  t.string({ name: 'phone', nullable: true })\n  t.timestamps()\n",
      ),
    )
    // The page reloads by itself (Vite's client, told by the plugin) and shows the new column.
    await page.locator('dd[data-column=phone]').waitFor({ timeout: 60_000 })
    polling = false
    await poll
    expect(statuses.length).toBeGreaterThan(0)
    expect(statuses.filter((status) => status !== 200)).toEqual([])
    expect(logged.join('\n')).toContain(
      'applied to the dev database:\nALTER TABLE users ADD COLUMN IF NOT EXISTS phone TEXT;',
    )
    // One page reload for the change.
    expect(logged.filter((line) => line.includes('\0'))).toEqual([])
    // Nothing was written to migrations/ in dev.
    expect(await readFile(join(root, 'migrations/meta/snapshot.json'), 'utf8')).toBe(
      await readFile(join(REPO, 'migrations/meta/snapshot.json'), 'utf8'),
    )
  })

  it("shows a broken schema in Vite's error overlay, and clears it when fixed", async () => {
    const page = await browser.newPage()
    await page.goto(url)
    const postsFile = join(root, 'schemas/02_posts.ts')
    const text = await readFile(postsFile, 'utf8')
    await writeFile(
      postsFile,
      text.replace("t.string({ name: 'title' })", "t.string({ name: 'title' )"),
    )
    const overlay = page.locator('vite-error-overlay')
    await overlay.waitFor({ state: 'attached', timeout: 60_000 })
    await expect(overlay.evaluate((node) => node.shadowRoot?.textContent ?? '')).resolves.toContain(
      '02_posts.ts',
    )
    await writeFile(postsFile, text)
    await overlay.waitFor({ state: 'detached', timeout: 60_000 })
    expect(logged.join('\n')).toContain('the schemas are valid again')
  })
})
