import { isAbsolute, resolve } from 'node:path'
import { type FluentormConfig, loadConfig } from '@fluentorm/core'

/** Options of the fluentorm plugin, the same for every bundler. */
export interface Options {
  /**
   * The folder of schema files (`01_users.ts`, `02_posts.ts`, …), relative to the bundler's
   * root (Vite `root`, esbuild `absWorkingDir`, else the current directory) or absolute.
   * @default 'schemas'
   */
  schemas?: string
  /**
   * The folder the build writes the per-table SQL files and the numbered migrations to, and
   * `virtual:fluentorm/migrations` reads. Relative to the root, or absolute.
   * @default 'migrations'
   */
  migrations?: string
  /**
   * Where to write the generated declarations of `virtual:fluentorm/models`: a path relative
   * to the root (or absolute), or `false` to write none.
   * @default 'fluentorm.d.ts'
   */
  dts?: string | false
  /**
   * The database `virtual:fluentorm/database` opens, and the dev database the dev server keeps
   * in step with the schemas. Unset: `DATABASE_URL` when it is set, else an in-memory PGlite.
   * Never inlined into a bundle: a built app connects with `DATABASE_URL` when it runs.
   * @default process.env.DATABASE_URL
   */
  url?: string
  /**
   * Under the Vite dev server, open the dev database (`url`) and apply each schema save's
   * pending change to it before the models reload; `false`: never connect.
   * @default true
   */
  devDatabase?: boolean
  /**
   * The `fluentorm.config.ts` whose settings these options override: a path (relative to the
   * root), or `false` for none.
   * @default the nearest fluentorm.config.ts at or above the root, up to its package root
   */
  config?: string | false
}

/** Options with every default applied and every path absolute. */
export interface ResolvedOptions {
  readonly root: string
  readonly schemasDir: string
  readonly migrationsDir: string
  /** Absolute path of the declaration file, or null when `dts: false`. */
  readonly dtsFile: string | null
  /** The database URL given; null: `DATABASE_URL` when the app runs, else in-memory PGlite. */
  readonly url: string | null
  readonly devDatabase: boolean
}

export const DEFAULT_OPTIONS = {
  schemas: 'schemas',
  migrations: 'migrations',
  dts: 'fluentorm.d.ts',
} as const satisfies Required<Pick<Options, 'schemas' | 'migrations' | 'dts'>>

/**
 * The options with the settings of `fluentorm.config.ts` (`options.config`, else the nearest
 * at or above `root`) under them, its paths resolved against its own folder.
 */
export function withConfig(options: Options, root: string): Options {
  if (options.config === false) return options
  const loaded = loadConfig({ from: root, ...(options.config ? { file: options.config } : {}) })
  if (loaded === null) return options
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  return { ...(loaded.config satisfies FluentormConfig), ...given }
}

/**
 * Applies the defaults and resolves every path against `root`.
 *
 * @example
 * resolveOptions({ schemas: '../schemas' }, '/app/playground')
 * // { root: '/app/playground', schemasDir: '/app/schemas',
 * //   migrationsDir: '/app/playground/migrations', dtsFile: '/app/playground/fluentorm.d.ts' }
 */
export function resolveOptions(options: Options, root: string): ResolvedOptions {
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(root, path))
  const dts = options.dts ?? DEFAULT_OPTIONS.dts
  return Object.freeze({
    root,
    schemasDir: absolute(options.schemas ?? DEFAULT_OPTIONS.schemas),
    migrationsDir: absolute(options.migrations ?? DEFAULT_OPTIONS.migrations),
    dtsFile: dts === false ? null : absolute(dts),
    url: options.url ?? null,
    devDatabase: options.devDatabase ?? true,
  })
}
