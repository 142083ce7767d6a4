import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nativeImport } from '../native-import.ts'

/** The folder of the browser client: TypeScript in the repository, JavaScript once packed. */
const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url))

/** `main.ts`, `schema-view.js`: a module of the client folder, by its own name only. */
const MODULE_NAME = /^([a-z][a-z0-9-]*)\.(?:ts|js)$/

type StripTypes = (code: string, file: string) => Promise<string>

/**
 * The client's modules as the browser loads them, each from `/__fluentorm/client/<name>`: the
 * packed package ships them as JavaScript, served as they are; in the repository they are
 * TypeScript, whose types Vite's own transform strips (oxc in Vite 8, esbuild before). Their
 * imports are relative (`./dom.ts`), so they resolve to this route again. Cached per file
 * modification time.
 */
export function createClientModules() {
  const cache = new Map<string, { mtimeMs: number; code: string }>()
  let strip: Promise<StripTypes> | null = null

  async function load(name: string): Promise<string | null> {
    const match = MODULE_NAME.exec(name)
    if (!match) return null
    for (const extension of ['.ts', '.js']) {
      const file = join(CLIENT_DIR, `${match[1]}${extension}`)
      const info = await stat(file).catch(() => null)
      if (!info?.isFile()) continue
      const cached = cache.get(file)
      if (cached?.mtimeMs === info.mtimeMs) return cached.code
      const source = await readFile(file, 'utf8')
      strip ??= typeStripper()
      const code = extension === '.ts' ? await (await strip)(source, file) : source
      cache.set(file, { mtimeMs: info.mtimeMs, code })
      return code
    }
    return null
  }

  return { load, dir: CLIENT_DIR }
}

async function typeStripper(): Promise<StripTypes> {
  const vite = (await nativeImport('vite')) as {
    transformWithOxc?: (code: string, file: string, options?: object) => Promise<{ code: string }>
    transformWithEsbuild?: (
      code: string,
      file: string,
      options?: object,
    ) => Promise<{ code: string }>
  }
  if (vite.transformWithOxc) {
    const transform = vite.transformWithOxc
    return async (code, file) => (await transform(code, file, { lang: 'ts' })).code
  }
  if (vite.transformWithEsbuild) {
    const transform = vite.transformWithEsbuild
    return async (code, file) => (await transform(code, file, { loader: 'ts' })).code
  }
  throw new Error('this Vite has neither transformWithOxc nor transformWithEsbuild')
}
