/**
 * `fluentorm.config.ts`: one configuration for the CLI and the bundler plugin. Paths are
 * relative to the folder of the config file; the plugin's own options override these.
 *
 * ```ts
 * // fluentorm.config.ts
 * import { defineConfig } from '@fluentorm/core'
 *
 * export default defineConfig({ schemas: 'schemas', migrations: 'migrations' })
 * ```
 */
export interface FluentormConfig {
  /** The folder of schema files. @default 'schemas' */
  readonly schemas?: string
  /** The folder of the SQL files and numbered migrations. @default 'migrations' */
  readonly migrations?: string
  /** Where to write the generated declarations, or `false` for none. @default 'fluentorm.d.ts' */
  readonly dts?: string | false
  /**
   * The database of `migrate`, `status`, `down` and `check`, and the plugin's dev database.
   * `--url` overrides it; unset, `DATABASE_URL` is used.
   */
  readonly url?: string
  /** The plugin's dev server keeps its dev database in step with the schemas. @default true */
  readonly devDatabase?: boolean
  /** The folder of `fluentorm seed`'s files (`NN_name.ts`, run in name order). @default 'seeds' */
  readonly seeds?: string
}

/** Types a `fluentorm.config.ts` (it returns the config unchanged). */
export function defineConfig(config: FluentormConfig): FluentormConfig {
  return config
}

/** The keys a config may hold, with the type each takes: anything else is reported. */
export const CONFIG_KEYS: Readonly<Record<keyof FluentormConfig, string>> = {
  schemas: 'string',
  migrations: 'string',
  dts: 'string | false',
  url: 'string',
  devDatabase: 'boolean',
  seeds: 'string',
}
