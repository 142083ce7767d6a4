import { randomUUID } from 'node:crypto'
import { dirname, join } from 'node:path'
import type { SchemaIR, SchemaModuleCache } from '@fluentorm/core'
import {
  createSchemaCompiler,
  formatProblems,
  generateDts,
  generateModelsModule,
  generateTableFiles,
  loadSchemas,
  toModelMetas,
  writeNextMigration,
} from '@fluentorm/core'
import { type Options, type ResolvedOptions, resolveOptions, withConfig } from '../options.ts'
import { createSqlFiles } from '../sql-files/sql-files.ts'
import { databaseModule } from './database-module.ts'
import type { Followed } from './dev-database.ts'
import { consoleLogger, type FluentormLogger } from './logger.ts'
import { bundledMigrationsModule } from './migrations-bridge.ts'
import type { VirtualModule } from './module-ids.ts'
import { writeIfChanged } from './write-if-changed.ts'

/** The outcome of reading the schema files once more. */
export type RefreshResult =
  | {
      readonly ok: true
      /** Whether the models module differs from the last valid one. */
      readonly changed: boolean
      /** The schema the files declare. */
      readonly schema: SchemaIR
      /** Under the dev server: what bringing the dev database to `schema` did. */
      readonly followed: Followed | null
    }
  | { readonly ok: false; readonly report: string }

export interface WatchedPaths {
  readonly files: readonly string[]
  readonly dirs: readonly string[]
}

interface Generated {
  readonly schema: SchemaIR
  readonly modelsCode: string
}

/**
 * The bundler-agnostic state of the plugin: the last valid schema and its generated code,
 * the last validation report, and the files to write. Hooks only call into it.
 */
export interface FluentormContext {
  readonly options: ResolvedOptions
  logger: FluentormLogger
  /**
   * True under a dev server: an invalid schema is then reported while the last valid
   * models keep serving, instead of failing the build.
   */
  serving: boolean
  /** This instance's id: how the SSR runner's `virtual:fluentorm/database` finds its dev database. */
  readonly id: string
  /**
   * Set by the dev server: brings the dev database to each valid schema before the models
   * reload, and says which schema it is at (the models served).
   */
  follow: ((schema: SchemaIR) => Promise<Followed>) | null
  /** Re-resolves the option paths against the bundler's root. */
  setRoot(root: string): void
  /** Reads and compiles the schema files (again), and writes the `.d.ts` when it changed. */
  refresh(): Promise<RefreshResult>
  /** Resolves when no refresh is running (none started: at once). */
  idle(): Promise<void>
  /** The code of a virtual module; throws the validation report when there is no valid schema to serve. */
  moduleCode(module: VirtualModule): Promise<string>
  /** Files and folders whose changes must rebuild `module` in watch mode. */
  watched(module: VirtualModule): WatchedPaths
  /**
   * Writes the per-table SQL files that changed and, when the schema moved on from the last
   * migration's snapshot, the next numbered migration; throws the report on invalid schemas.
   */
  writeBuildOutputs(): Promise<void>
  /**
   * The module of an imported `.sql` file, its types checked on a PGlite at the schema (and its
   * `.sql.d.ts` written); throws a SqlFileBuildError naming the line and column of a SQL error.
   */
  sqlFileCode(file: string): Promise<string>
  /** Closes the PGlite the `.sql` files are typed on (opened again when needed). */
  closeSqlFiles(): Promise<void>
}

/**
 * What the schema files' paths in reports and in the `.d.ts` are relative to: the folder of
 * the `.d.ts` (the root by default), as `fluentorm generate` does, so both write the same file.
 */
export function sourcesRoot(options: Pick<ResolvedOptions, 'root' | 'dtsFile'>): string {
  return options.dtsFile === null ? options.root : dirname(options.dtsFile)
}

/**
 * Creates the plugin state for one bundler instance. Paths resolve against `root` until a
 * hook calls `setRoot` with the bundler's own root.
 */
export function createContext(rawOptions: Options, root = process.cwd()): FluentormContext {
  let options = resolveOptions(withConfig(rawOptions, root), root)
  let generated: Generated | null = null
  let report: string | null = null
  let schemaFiles: readonly string[] = []
  // Saving one schema then re-evaluates and recompiles that file's table only, and the unchanged
  // tables keep their IR objects, which core's per-table caches key on.
  const cache: SchemaModuleCache = new Map()
  const compiler = createSchemaCompiler()
  let pending: Promise<RefreshResult> | null = null
  let queue: Promise<unknown> = Promise.resolve()
  const sqlFiles = createSqlFiles(() => ({
    root: options.root,
    migrationsDir: options.migrationsDir,
    writeDts: options.dtsFile !== null,
  }))

  async function load(): Promise<RefreshResult> {
    const { schemasDir } = options
    const result = await loadSchemas({ schemasDir, root: sourcesRoot(options), cache, compiler })
    schemaFiles = result.files
    if (!result.ok) {
      report = formatProblems(result.problems)
      return { ok: false, report }
    }
    report = null
    const { schema } = result
    if (options.dtsFile !== null) await writeIfChanged(options.dtsFile, generateDts(schema))
    // A change the dev database does not have yet (destructive, or refused) keeps the models of
    // the schema it is at, so requests keep working.
    const followed = context.follow === null ? null : await context.follow(schema)
    const served = followed?.schema ?? schema
    const modelsCode = generateModelsModule(toModelMetas(served))
    const changed = modelsCode !== generated?.modelsCode
    generated = { schema: served, modelsCode }
    return { ok: true, changed, schema, followed }
  }

  /** The valid schema to build from, or the validation report as an error. */
  async function validSchema(): Promise<Generated> {
    await (pending ?? context.refresh())
    if (generated === null || (report !== null && !context.serving)) {
      throw new Error(report ?? `no schema could be read from ${options.schemasDir}`)
    }
    return generated
  }

  const context: FluentormContext = {
    get options() {
      return options
    },
    logger: consoleLogger,
    serving: false,
    id: randomUUID(),
    follow: null,
    setRoot(next) {
      if (next === options.root) return
      options = resolveOptions(withConfig(rawOptions, next), next)
      generated = null
      pending = null
    },
    refresh() {
      // Serialised: a rename arrives as unlink + add, and each must see the files the previous one saw.
      const run = queue.then(load)
      queue = run.catch(() => undefined)
      pending = run
      return run
    },
    async idle() {
      await queue
    },
    async moduleCode(module) {
      if (module === 'models') return (await validSchema()).modelsCode
      if (module === 'database') {
        return databaseModule(context.serving && options.devDatabase ? context.id : null)
      }
      // A build bundles the migration it writes at its end; the dev server writes none, so
      // it serves only the written ones.
      if (context.serving) return bundledMigrationsModule(options.migrationsDir)
      const { schema } = await validSchema()
      return bundledMigrationsModule(options.migrationsDir, { root: options.root, schema })
    },
    watched(module) {
      if (module === 'migrations') return { files: [], dirs: [options.migrationsDir] }
      return { files: schemaFiles, dirs: [options.schemasDir] }
    },
    async writeBuildOutputs() {
      const { schema } = await validSchema()
      const files = [...generateTableFiles(schema)]
      const changed = await Promise.all(
        files.map(([file, sql]) => writeIfChanged(join(options.migrationsDir, file), sql)),
      )
      const written = files.flatMap(([file], i) => (changed[i] ? [file] : []))
      if (written.length > 0)
        context.logger.info(`wrote ${written.join(', ')} in ${options.migrationsDir}`)
      const { root, migrationsDir } = options
      const migration = await writeNextMigration({ root, migrationsDir, schema })
      if (!migration.ok) throw new Error(migration.message)
      if (migration.written.length > 0) context.logger.info(migration.message)
    },
    async sqlFileCode(file) {
      const { schema } = await validSchema()
      return (await sqlFiles.compile(file, schema)).code
    },
    closeSqlFiles: () => sqlFiles.close(),
  }
  return context
}
