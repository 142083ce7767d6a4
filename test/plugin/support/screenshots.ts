import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'

const REPO = resolve(import.meta.dirname, '../../..')

/**
 * Saves a screenshot of `page` as `<name>.png` under `test-results/<folder>/` (the test
 * output, kept by CI) and, when UPDATE_SCREENSHOTS=1, also under `docs/<folder>/`, where
 * the docs show it.
 */
export async function screenshot(page: Page, folder: string, name: string): Promise<void> {
  const targets = [join(REPO, 'test-results', folder)]
  if (process.env.UPDATE_SCREENSHOTS === '1') targets.push(join(REPO, 'docs', folder))
  for (const dir of targets) {
    await mkdir(dir, { recursive: true })
    await page.screenshot({ path: join(dir, `${name}.png`) })
  }
}
