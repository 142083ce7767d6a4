import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { createLogger, createServer, type InlineConfig, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = resolve(import.meta.dirname, '../..')

/**
 * The README's flow on a private copy of the playground, its schemas and its migrations
 * (same layout: playground/ beside schemas/ and migrations/), run by its own vite.config.ts.
 */
async function copyPlayground(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fluentorm-playground-'))
  for (const folder of ['playground', 'schemas', 'migrations']) {
    await cp(join(REPO, folder), join(root, folder), {
      recursive: true,
      filter: (source) => !source.includes('node_modules'),
    })
  }
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir')
  await cp(join(REPO, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'))
  return root
}

describe('the playground in a browser', () => {
  let root: string
  let server: ViteDevServer
  let browser: Browser
  let url: string
  const logged: string[] = []

  beforeAll(async () => {
    // Embedded PGlite, as on a fresh clone: the playground must not touch the CI database.
    delete process.env.DATABASE_URL
    root = await copyPlayground()
    const logger = createLogger('silent')
    logger.info = (message) => void logged.push(message)
    logger.warn = (message) => void logged.push(message)
    logger.error = (message) => void logged.push(message)
    // The playground's own config, loaded here rather than by Vite: Vite would restart the
    // server (on a new port) whenever a package source it imports changes meanwhile.
    const { default: config } = (await import(join(root, 'playground/vite.config.ts'))) as {
      default: InlineConfig
    }
    server = await createServer({
      ...config,
      root: join(root, 'playground'),
      configFile: false,
      customLogger: logger,
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
    if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 })
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
