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
   * Under the Vite dev server, the folder of seed files (`01_users.ts`, …: each
   * `export default async function (db, models)`, as `fluentorm seed` runs them) that seed the
   * dev database when the app first opens it and again on every save of one; relative to the
   * root, or `false` for none. A missing folder seeds nothing.
   * @default 'seeds'
   */
  seeds?: string | false
  /**
   * Under the Vite dev server, serve fluentorm studio at `/__fluentorm` (the schema as a diagram,
   * the dev database's rows, the migrations, the query log: docs/STUDIO.md), opened through the
   * link with a per-session token the terminal prints. Never part of a build. `false`: not served.
   * @default true
   */
  studio?: boolean
  /**
   * Under the Vite dev server, a statement on the dev database that takes this many milliseconds
   * or more is printed in the terminal with its caller; `false`: none printed.
   * @default 200
   */
  slowQueryMs?: number | false
  /**
   * Under the Vite dev server, one request running the same statement this many times or more
   * (an N+1 pattern: a query per row of another) is flagged in the terminal; `false`: never.
   * @default 5
   */
  repeatedQueries?: number | false
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
  /** Absolute path of the dev server's seed folder, or null when `seeds: false`. */
  readonly seedsDir: string | null
  readonly studio: boolean
  /** null: slow statements are not printed. */
  readonly slowQueryMs: number | null
  /** null: repeated statements are not flagged. */
  readonly repeatedQueries: number | null
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
 * //   migrationsDir: '/app/playground/migrations', dtsFile: '/app/playground/fluentorm.d.ts',
 * //   url: null, devDatabase: true, seedsDir: '/app/playground/seeds', studio: true, slowQueryMs: 200, repeatedQueries: 5 }
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
    seedsDir: options.seeds === false ? null : absolute(options.seeds ?? 'seeds'),
    studio: options.studio ?? true,
    slowQueryMs: threshold(options.slowQueryMs, 200, 'slowQueryMs', 0),
    repeatedQueries: threshold(options.repeatedQueries, 5, 'repeatedQueries', 2),
  })
}

/** A threshold option: a number at least `min`, `false` for off, unset for `fallback`. */
function threshold(
  value: number | false | undefined,
  fallback: number,
  name: string,
  min: number,
): number | null {
  if (value === undefined) return fallback
  if (value === false) return null
  if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value
  throw new Error(
    `fluentorm: the option ${name} must be a number (${min} or more) or false, got ${JSON.stringify(value)}`,
  )
}
