import { resolve } from 'node:path'
import { loadConfig } from '@fluentorm/core'
import type { CliIO } from './cli-command.ts'
import type { CommandFlags } from './command-flags.ts'

/** Where a command works: the flags over `fluentorm.config.ts` over the defaults. */
export interface CliProject {
  /** The config file's folder, else the current directory. */
  readonly root: string
  readonly configFile: string | null
  readonly schemasDir: string
  readonly migrationsDir: string
  /** null: `dts: false` in the config. */
  readonly dtsFile: string | null
  /** `fluentorm seed`'s files: `--seeds`, the config's `seeds`, else `seeds`. */
  readonly seedsDir: string
  readonly url: string | undefined
}

/**
 * Resolves a command's folders and database. Flag paths are relative to the current directory;
 * config paths to the config's folder; defaults (`schemas`, `migrations`, `fluentorm.d.ts`)
 * to the project root, so a command run from a subfolder finds the project's files.
 */
export function cliProject(flags: CommandFlags, io: CliIO): CliProject {
  const loaded = loadConfig({ from: io.cwd, ...(flags.config ? { file: flags.config } : {}) })
  const root = loaded?.root ?? io.cwd
  const config = loaded?.config ?? {}
  const path = (flag: string | undefined, configured: string | undefined, fallback: string) =>
    flag !== undefined ? resolve(io.cwd, flag) : (configured ?? resolve(root, fallback))
  const dts =
    config.dts === false && flags.dts === undefined
      ? null
      : path(flags.dts, config.dts || undefined, 'fluentorm.d.ts')
  return {
    root,
    configFile: loaded?.file ?? null,
    schemasDir: path(flags.schemas, config.schemas, 'schemas'),
    migrationsDir: path(flags.migrations, config.migrations, 'migrations'),
    dtsFile: dts,
    seedsDir: path(flags.seeds, config.seeds, 'seeds'),
    url: flags.url ?? config.url ?? process.env.DATABASE_URL,
  }
}
