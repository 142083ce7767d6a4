import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const PLAYGROUND = resolve(import.meta.dirname, '../../playground')

describe('the playground in a browser', () => {
  let server: ViteDevServer
  let browser: Browser
  let url: string

  beforeAll(async () => {
    // Embedded PGlite, as on a fresh clone: the playground must not touch the CI database.
    delete process.env.DATABASE_URL
    server = await createServer({
      root: PLAYGROUND,
      configFile: resolve(PLAYGROUND, 'vite.config.ts'),
      configLoader: 'runner',
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0 },
    })
    await server.listen()
    url = server.resolvedUrls?.local[0] ?? ''
    const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
    if (!existsSync(executablePath)) {
      throw new Error(
        `The browser test needs Chromium at ${executablePath}: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.`,
      )
    }
    browser = await chromium.launch({
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    })
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
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
})
