import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { generateDts } from '../codegen/generate-dts.ts'
import { loadSchemas } from '../loader/load-schemas.ts'
import { nextMigrationNumber, readMigrationDirectory } from '../migration/migration-directory.ts'
import { writeNextMigration } from '../migration/write-next-migration.ts'
import { formatProblems } from '../schema/schema-problem.ts'
import { generateTableFiles } from '../sql/table-files.ts'
import { adoptCatalog } from './adopt-catalog.ts'
import { type CatalogExecutor, readCatalog } from './catalog-queries.ts'
import type { PulledSchema } from './pulled-schema.ts'
import { writeSchemaFile } from './schema-file-writer.ts'
import { unexpressedMigrations } from './unexpressed-sql.ts'

export interface PullOptions {
  /** One connection to the database (a transaction, a pg Client, PGlite). */
  readonly db: CatalogExecutor
  /** @default 'public' */
  readonly schema?: string
  readonly schemasDir: string
  readonly migrationsDir: string
  /** Where generate writes the declarations; null: none. */
  readonly dtsFile: string | null
  /** Paths in messages are relative to it. */
  readonly root: string
}

export type PullResult =
  | {
      readonly ok: true
      readonly pulled: PulledSchema
      /** Every file written, relative to root. */
      readonly written: readonly string[]
      /** The numbered migrations that make this database, to record as applied. */
      readonly baseline: readonly string[]
      /** The last of their numbers: `fluentorm migrate --baseline <n>`. */
      readonly baselineNumber: number
    }
  | { readonly ok: false; readonly message: string }

/**
 * `fluentorm pull`: reads the database, writes one schema file per table, then what
 * `generate` writes for them (the per-table files, the first generated migration, the
 * snapshot, the declarations) and the hand-written migrations of everything else: the
 * types and functions the tables may use before it, the rest after it. The
 * database is not touched; the caller records the baseline.
 */
export async function pullProject(options: PullOptions): Promise<PullResult> {
  const { schemasDir, migrationsDir, root } = options
  const shown = (path: string) => relative(root, path) || '.'
  const existing = (await readdir(schemasDir).catch(() => [] as string[])).filter((f) =>
    /^\d+_/.test(f),
  )
  if (existing.length > 0) {
    return {
      ok: false,
      message: `${shown(schemasDir)} already has schema files (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}). pull adopts a database into a new project: run it with an empty --schemas folder.`,
    }
  }
  const before = await readMigrationDirectory(migrationsDir)
  if (before.files.length > 0 || before.snapshot !== null) {
    return {
      ok: false,
      message: `${shown(migrationsDir)} already has numbered migrations or a snapshot. pull starts the migration history: run it with an empty --migrations folder (to record migrations a database already has, use fluentorm migrate --baseline <n>).`,
    }
  }
  const catalog = await readCatalog(options.db, options.schema ?? 'public')
  if (
    catalog.tables.length === 0 &&
    catalog.definitions.length === 0 &&
    catalog.enums.length === 0
  ) {
    return {
      ok: false,
      message: `schema ${catalog.schema} of the database is empty: no tables, views or functions to pull. Pass the schema they are in with --schema.`,
    }
  }
  const pulled = adoptCatalog(catalog)
  const written: string[] = []
  const write = async (path: string, text: string) => {
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, text)
    written.push(shown(path))
  }
  for (const table of [...(pulled.objects === null ? [] : [pulled.objects]), ...pulled.tables])
    await write(join(schemasDir, table.file), writeSchemaFile(table))

  const handWritten = unexpressedMigrations(pulled)
  const writeNumbered = async (name: string, text: string | null) => {
    if (text === null) return
    const state = await readMigrationDirectory(migrationsDir)
    await write(join(migrationsDir, `${nextMigrationNumber(state.files)}_${name}.sql`), text)
  }
  await writeNumbered('adopted_types_and_functions', handWritten.prelude)
  if (pulled.tables.length > 0 || pulled.objects !== null) {
    const dtsRoot = options.dtsFile === null ? root : dirname(options.dtsFile)
    const loaded = await loadSchemas({ schemasDir, root: dtsRoot })
    if (!loaded.ok) {
      return {
        ok: false,
        message: `the schema files pull wrote in ${shown(schemasDir)} do not compile:\n${formatProblems(loaded.problems)}Edit the files named above (a table or column name the DSL refuses, two tables with one model name), then run fluentorm generate and fluentorm migrate --baseline <n>; or report the database's DDL as a pull bug.`,
      }
    }
    for (const [name, text] of generateTableFiles(loaded.schema))
      await write(join(migrationsDir, name), text)
    if (options.dtsFile !== null) await write(options.dtsFile, generateDts(loaded.schema))
    const migration = await writeNextMigration({ root, migrationsDir, schema: loaded.schema })
    if (!migration.ok) return { ok: false, message: migration.message }
    written.push(...migration.written)
  }
  await writeNumbered('adopted_sql', handWritten.rest)
  const after = await readMigrationDirectory(migrationsDir)
  const baseline = after.files.map((file) => file.file.replace(/\.sql$/, ''))
  return { ok: true, pulled, written, baseline, baselineNumber: after.files.at(-1)?.number ?? 0 }
}
