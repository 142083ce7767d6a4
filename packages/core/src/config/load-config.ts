import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { createJiti } from 'jiti'
import { suggestName } from '../validate/closest-name.ts'
import { CONFIG_KEYS, type FluentormConfig } from './define-config.ts'

/** The file names looked for, in this order, in each folder from the start upward. */
export const CONFIG_FILES = [
  'fluentorm.config.ts',
  'fluentorm.config.mts',
  'fluentorm.config.js',
  'fluentorm.config.mjs',
] as const

/** A config read from its file: paths made absolute against the file's folder. */
export interface LoadedConfig {
  readonly file: string
  /** The folder of the file: the project root. */
  readonly root: string
  readonly config: FluentormConfig
}

/** A config file that cannot be used: what is wrong, in which file, what to do. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/**
 * The nearest config file at or above `from`, up to the package root (the first folder with a
 * package.json): a config above it belongs to another project. Null when there is none.
 */
export function findConfigFile(from: string): string | null {
  let dir = resolve(from)
  for (;;) {
    for (const name of CONFIG_FILES) {
      const file = join(dir, name)
      if (existsSync(file)) return file
    }
    if (existsSync(join(dir, 'package.json'))) return null
    const parent = dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

/**
 * Reads `file` (or the nearest config at or above `from`): its default export, checked, with
 * its paths resolved against its folder. Null when there is no config file. Synchronous, so
 * the plugin can resolve its options when it is created.
 *
 * ```ts
 * loadConfig({ from: '/app/src' })
 * // { file: '/app/fluentorm.config.ts', root: '/app',
 * //   config: { schemas: '/app/schemas', migrations: '/app/migrations' } }
 * ```
 */
export function loadConfig(options: { from: string; file?: string }): LoadedConfig | null {
  const file = options.file ? resolve(options.from, options.file) : findConfigFile(options.from)
  if (file === null) return null
  if (!existsSync(file)) {
    throw new ConfigError(
      `The config file ${file} does not exist. Check the --config path, or remove it to use the nearest fluentorm.config.ts.`,
    )
  }
  let module: Record<string, unknown>
  try {
    module = createJiti(file, { moduleCache: false, fsCache: false })(file) as Record<
      string,
      unknown
    >
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim()
    throw new ConfigError(
      `${errorSite(file, error)} cannot be evaluated: ${reason}. Fix it so that it runs: export default defineConfig({ … }).`,
    )
  }
  const root = dirname(file)
  return { file, root, config: checked(defaultExport(module, file), file, root) }
}

/**
 * The default export; a module of named exports only (`export const config = …`) is refused
 * rather than read as a config whose options are its export names. A CommonJS
 * `module.exports = { … }` has no `default` and is the config itself when it holds an option
 * (jiti marks both kinds `__esModule`, so the names are what tells them apart).
 */
function defaultExport(module: Record<string, unknown>, file: string): unknown {
  if (Object.hasOwn(module, 'default')) return module.default
  const names = Object.keys(module)
  if (names.every((name) => !Object.hasOwn(CONFIG_KEYS, name))) {
    const found = names.length === 0 ? 'nothing' : `only ${names.join(', ')}`
    throw new ConfigError(
      `${file} has no default export (it exports ${found}). Write export default defineConfig({ schemas: 'schemas' }).`,
    )
  }
  return module
}

/** `file:line:column` where evaluating the config failed, when the error says; else `file`. */
function errorSite(file: string, error: unknown): string {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error)
  const at = text.indexOf(`${file}:`)
  if (at === -1) return file
  const site = /^:(\d+):(\d+)/.exec(text.slice(at + file.length))
  return site === null ? file : `${file}:${site[1]}:${site[2]}`
}

function checked(value: unknown, file: string, root: string): FluentormConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(
      `${file} must export its config as default: export default defineConfig({ schemas: 'schemas' }).`,
    )
  }
  const config: Record<string, unknown> = {}
  for (const [key, entry] of Object.entries(value)) {
    const expected = CONFIG_KEYS[key as keyof FluentormConfig]
    if (expected === undefined) {
      throw new ConfigError(
        `${file}: unknown option '${key}'. ${suggestName(key, Object.keys(CONFIG_KEYS), 'options')}`,
      )
    }
    if (entry === undefined) continue
    const ok =
      (expected.includes('string') && typeof entry === 'string' && entry !== '') ||
      (expected.includes('false') && entry === false) ||
      (expected === 'boolean' && typeof entry === 'boolean')
    if (!ok) {
      throw new ConfigError(
        `${file}: '${key}' must be ${expected === 'string' ? 'a non-empty string' : expected}, got ${JSON.stringify(entry)}.`,
      )
    }
    const isPath = key === 'schemas' || key === 'migrations' || key === 'dts' || key === 'seeds'
    config[key] = isPath && typeof entry === 'string' ? absolute(root, entry) : entry
  }
  return config as FluentormConfig
}

function absolute(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path)
}
