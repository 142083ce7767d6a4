import type { CatalogExecutor, MigrationDirectoryState } from '@fluentorm/core'
import type { CliIO, ExitCode } from '../cli-command.ts'

/** What the runner commands import from the runtime (loaded only when one of them runs). */
export type Runtime = typeof import('@fluentorm/runtime')
export type RuntimeDatabase = Awaited<ReturnType<Runtime['connect']>>

/** Prints `data` as one JSON line with `--json`, else the text for people. */
export function output(io: CliIO, json: boolean, data: unknown, text: string): void {
  io.out(json ? `${JSON.stringify(data)}\n` : text)
}

/**
 * Connects to the database (`--url`, the config's url or DATABASE_URL), runs `fn`, closes.
 * Database and history errors are printed as their message (what failed, which file, what to
 * do), exit code 1; with `--json` also as `{ "ok": false, "error": … }` on stdout.
 */
export async function withDatabase(
  url: string | undefined,
  io: CliIO,
  json: boolean,
  fn: (db: RuntimeDatabase, runtime: Runtime) => Promise<ExitCode>,
): Promise<ExitCode> {
  const fail = (message: string): ExitCode => {
    io.err(`fluentorm: ${message}\n`)
    if (json) output(io, true, { ok: false, error: message }, '')
    return 1
  }
  if (!url) {
    return fail(
      'no database. Set DATABASE_URL (postgresql://user:password@host:5432/db, or pglite:./data for an embedded PGlite directory), pass --url, or set url in fluentorm.config.ts.',
    )
  }
  const runtime = await import('@fluentorm/runtime')
  let db: RuntimeDatabase | undefined
  try {
    db = await runtime.connect({ url, statementTimeout: 0 })
    return await fn(db, runtime)
  } catch (error) {
    if (error instanceof runtime.FluentOrmError) return fail(error.message)
    throw error
  } finally {
    await db?.close()
  }
}

/** A runtime connection as the introspection reads it (`pull`, `check`'s drift). */
export function catalogExecutor(session: ReturnType<Runtime['toDriver']>): CatalogExecutor {
  return {
    query: async <R>(text: string, values?: readonly unknown[]) =>
      (await session.query<R>({ text, ...(values === undefined ? {} : { values }) })).rows,
  }
}

/**
 * The problems of migrations/ that `migrate` and `status` refuse, as `check` and `generate` do:
 * two files with one number (two branches), which would both run. They are core's branch
 * check (`readMigrationDirectory`), worded as `check` prints them. The rest of that check (a
 * file generated from another branch's snapshot, a stale snapshot.json) is about what the next
 * `generate` diffs from, not about what runs: `check` keeps it.
 */
export function sharedNumberProblems(directory: MigrationDirectoryState): string[] {
  return directory.problems.filter((problem) => / share the number \d+ /.test(problem))
}
