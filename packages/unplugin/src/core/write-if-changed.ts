import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Writes `content` to `file` unless the file already holds exactly that, creating folders
 * as needed. Leaving unchanged files alone keeps watchers, tsserver and git quiet.
 * Resolves to whether the file was written.
 */
export async function writeIfChanged(file: string, content: string): Promise<boolean> {
  const current = await readFile(file, 'utf8').catch(() => null)
  if (current === content) return false
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, content)
  return true
}
