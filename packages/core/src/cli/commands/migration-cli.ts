import type { CliIO, ExitCode } from '../cli-command.ts'

/** What the runner commands import from the runtime (loaded only when one of them runs). */
export type Runtime = typeof import('@fluentorm/runtime')
export type RuntimeDatabase = Awaited<ReturnType<Runtime['connect']>>

/** Prints `data` as one JSON line with `--json`, else the text for people. */
export function output(io: CliIO, json: boolean, data: unknown, text: string): void {
  io.out(json ? `${JSON.stringify(data)}\n` : text)
}

/**
 * Connects to DATABASE_URL (or --url), runs `fn`, closes. Database and history errors are
 * printed as their message (what failed, which file, what to do), exit code 1.
 */
export async function withDatabase(
  url: string | undefined,
  io: CliIO,
  fn: (db: RuntimeDatabase, runtime: Runtime) => Promise<ExitCode>,
): Promise<ExitCode> {
  if (!url) {
    io.err(
      'fluentorm: no database. Set DATABASE_URL (postgresql://user:password@host:5432/db), pass --url, or set url in fluentorm.config.ts.\n',
    )
    return 1
  }
  const runtime = await import('@fluentorm/runtime')
  let db: RuntimeDatabase | undefined
  try {
    db = await runtime.connect({ url, statementTimeout: 0 })
    return await fn(db, runtime)
  } catch (error) {
    if (error instanceof runtime.FluentOrmError) {
      io.err(`fluentorm: ${error.message}\n`)
      return 1
    }
    throw error
  } finally {
    await db?.close()
  }
}
