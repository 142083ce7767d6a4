import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import fluentorm from '@fluentorm/unplugin/vite'
import type { Browser } from 'playwright-core'
import { createLogger, createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeSchemaFiles } from '../bench/synthetic-schema.ts'
import { launchChromium } from '../plugin/support/chromium.ts'
import { screenshot } from '../plugin/support/screenshots.ts'

const REPO = resolve(import.meta.dirname, '../..')

/** The ER diagram of 50 tables (the bench's synthetic schema: a tree of references) at "Fit". */
describe('the studio diagram at 50 tables', () => {
  let root: string
  let server: ViteDevServer
  let browser: Browser
  const logged: string[] = []

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fluentorm-studio-50-'))
    writeSchemaFiles(join(root, 'project'), 50)
    await symlink(join(REPO, 'node_modules'), join(root, 'project/node_modules'), 'dir')
    const logger = createLogger('silent')
    logger.info = (message) => void logged.push(message)
    server = await createServer({
      root: join(root, 'project'),
      configFile: false,
      customLogger: logger,
      appType: 'custom',
      server: { host: '127.0.0.1', port: 0 },
      plugins: [fluentorm({ devDatabase: false, dts: false })],
    })
    await server.listen()
    server.printUrls()
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 })
  })

  it('fits every table on one screen, none overlapping, each name still legible', async () => {
    const link = /(http:\/\/\S+\/__fluentorm\?token=\S+)/.exec(
      logged.find((l) => l.includes('fluentorm studio')) ?? '',
    )?.[1]
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } })
    await page.goto(link ?? '')
    await page.waitForFunction(() => document.querySelectorAll('g.table').length === 50)
    await page.waitForFunction(() =>
      document.querySelector('g.world')?.getAttribute('transform')?.includes('scale'),
    )
    const boxes = await page.evaluate(() => {
      const view = document.querySelector('svg.er')!.getBoundingClientRect()
      const tables = [...document.querySelectorAll('g.table')].map((g) => {
        const r = g.querySelector('rect.box')!.getBoundingClientRect()
        const title = g.querySelector('text.title')!.getBoundingClientRect()
        return { x: r.x, y: r.y, right: r.right, bottom: r.bottom, titleHeight: title.height }
      })
      return { view: { x: view.x, y: view.y, right: view.right, bottom: view.bottom }, tables }
    })
    for (const t of boxes.tables) {
      expect(t.x).toBeGreaterThanOrEqual(boxes.view.x - 1)
      expect(t.right).toBeLessThanOrEqual(boxes.view.right + 1)
      expect(t.y).toBeGreaterThanOrEqual(boxes.view.y - 1)
      expect(t.bottom).toBeLessThanOrEqual(boxes.view.bottom + 1)
      // A 13px title drawn at least 4.5px high: readable when zoomed a notch, findable now.
      expect(t.titleHeight).toBeGreaterThan(4.5)
    }
    const { tables } = boxes
    for (let i = 0; i < tables.length; i++) {
      for (let j = i + 1; j < tables.length; j++) {
        const [a, b] = [tables[i]!, tables[j]!]
        const apart = a.right <= b.x || b.right <= a.x || a.bottom <= b.y || b.bottom <= a.y
        expect(apart).toBe(true)
      }
    }
    await expect(page.locator('path.edge').count()).resolves.toBe(49)
    await screenshot(page, 'studio', 'schema-50')
    // The search jumps to a table and zooms in on it.
    await page.fill('input[type=search]', 'widgets_0037')
    await page.press('input[type=search]', 'Enter')
    await page.locator('aside[data-table=widgets_0037]').waitFor()
    await screenshot(page, 'studio', 'schema-50-focus')
  })
})
