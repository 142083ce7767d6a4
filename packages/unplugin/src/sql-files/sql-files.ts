import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import type { SchemaIR } from '@fluentorm/core'
import { writeIfChanged } from '../core/write-if-changed.ts'
import { createDataDirCache, type DataDirCache } from './data-dir-cache.ts'
import { sqlFileDts, sqlFileModule } from './sql-file-code.ts'
import { type SqlFileError, typeSqlFile } from './type-sql-file.ts'
import { createTypedCache, type TypedCache } from './typed-cache.ts'
import { createTypingDatabase, type ResolvedState, resolveState } from './typing-database.ts'

/** Where a `.sql` file is checked against: the project's migrations and schema. */
export interface SqlFilesProject {
  /** What error messages and the module's `file` are relative to. */
  readonly root: string
  readonly migrationsDir: string
  /** Whether to write `films.sql.d.ts` next to each file. */
  readonly writeDts: boolean
}

/**
 * A `.sql` file PostgreSQL refused: the message says `file:line:column: name: reason`, a line
 * for each statement refused (the first one is `at`).
 */
export class SqlFileBuildError extends Error {
  override readonly name = 'SqlFileBuildError'
  /** Each statement refused, as `file:line:column: name: reason`, with its place. */
  readonly refused: readonly {
    readonly text: string
    readonly line: number
    readonly column: number
  }[]
  constructor(
    readonly file: string,
    readonly at: SqlFileError,
    relativeFile: string,
  ) {
    const refused = [at, ...(at.more ?? [])].map(({ message, line, column }) => ({
      text: `${relativeFile}:${line}:${column}: ${message}`,
      line,
      column,
    }))
    super(refused.map((error) => error.text).join('\n'))
    this.refused = refused
  }
}

export interface CompiledSqlFile {
  readonly code: string
  /** The `.sql.d.ts` written, when it changed; else null. */
  readonly dtsWritten: string | null
}

export interface SqlFiles {
  /**
   * Types `file` on the typing database at `schema`, writes its `.sql.d.ts` when that
   * changed, and resolves to the module's code; throws a SqlFileBuildError for a SQL error.
   */
  compile(file: string, schema: SchemaIR | null): Promise<CompiledSqlFile>
  /** Waits for the typed results still being kept, then closes the typing database. */
  close(): Promise<void>
}

/**
 * The `.sql` files of one plugin instance (or one `fluentorm generate`): one typing database
 * (PGlite) shared by every file, kept until `close`.
 *
 * @example
 * const sqlFiles = createSqlFiles(() => ({ root, migrationsDir, writeDts: true }))
 * await sqlFiles.compile('/app/queries/films.sql', schema) // { code, dtsWritten }
 */
export function createSqlFiles(project: () => SqlFilesProject): SqlFiles {
  const typing = createTypingDatabase()
  let caches: { root: string; typed: TypedCache; dataDirs: DataDirCache } | null = null
  /** Typed results being written to the cache. */
  const keeping = new Set<Promise<void>>()
  // The files of a build or a page load are compiled side by side: they share one reading of
  // the migrations and one plan of the pending change while it is under way. A call made after
  // it finished reads them again; one made meanwhile (within its ~25 ms) gets its state, so a
  // migration written in that window is seen from the next call on.
  let resolving: {
    migrationsDir: string
    schema: SchemaIR | null
    state: Promise<ResolvedState>
  } | null = null
  function stateOf(migrationsDir: string, schema: SchemaIR | null): Promise<ResolvedState> {
    if (resolving?.migrationsDir === migrationsDir && resolving.schema === schema) {
      return resolving.state
    }
    const state = resolveState({ migrationsDir, schema })
    const entry = { migrationsDir, schema, state }
    resolving = entry
    const done = () => {
      if (resolving === entry) resolving = null
    }
    state.then(done, done)
    return state
  }
  return {
    async compile(file, schema) {
      const { root, migrationsDir, writeDts } = project()
      const [source, state] = await Promise.all([
        readFile(file, 'utf8'),
        stateOf(migrationsDir, schema),
      ])
      if (caches?.root !== root) {
        caches = { root, typed: createTypedCache(root), dataDirs: createDataDirCache(root) }
      }
      const cache = caches.typed
      let statements = await cache.read(state.key, source)
      const shown = relative(root, file).replaceAll('\\', '/')
      if (statements === null) {
        const typed = await typing.use(state, caches.dataDirs, ({ db, catalog }) =>
          typeSqlFile(db, source, catalog),
        )
        if (!typed.ok) throw new SqlFileBuildError(file, typed.error, shown)
        statements = typed.statements
        // Kept for the next start while the build goes on (a hundred files' writes, after
        // typing, took up to a tenth of a cold start); `close` waits for them.
        const kept = cache.write(state.key, source, statements)
        const written = () => keeping.delete(kept)
        keeping.add(kept)
        kept.then(written, written)
      }
      const dts = `${file}.d.ts`
      const written = writeDts && (await writeIfChanged(dts, sqlFileDts(statements)))
      return { code: sqlFileModule(statements, shown), dtsWritten: written ? dts : null }
    },
    async close() {
      await Promise.allSettled(keeping)
      await typing.close()
    },
  }
}
