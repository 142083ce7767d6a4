import { parseArgs } from 'node:util'
import type { CliIO, ExitCode } from '../cli-command.ts'
import { UsageError } from '../cli-command.ts'

/** What the runner commands import from the runtime (loaded only when one of them runs). */
export type Runtime = typeof import('@fluentorm/runtime')
export type RuntimeDatabase = Awaited<ReturnType<Runtime['connect']>>

/** Flags shared by migrate, status, down and check. */
export interface MigrationFlags {
  readonly url: string | undefined
  readonly dir: string
  readonly schemas: string
  readonly dryRun: boolean
  readonly lockWait: number | undefined
  readonly help: boolean
  readonly positionals: readonly string[]
}

export function parseMigrationFlags(
  args: readonly string[],
  maxPositionals: number,
): MigrationFlags {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        url: { type: 'string' },
        dir: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'lock-wait': { type: 'string' },
        schemas: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: maxPositionals > 0,
    })
    if (positionals.length > maxPositionals)
      throw new Error(`unexpected argument '${positionals.at(-1)}'`)
    const lockWait = values['lock-wait'] === undefined ? undefined : Number(values['lock-wait'])
    if (lockWait !== undefined && !(lockWait >= 0))
      throw new Error('--lock-wait takes milliseconds, e.g. --lock-wait 60000')
    return {
      url: values.url ?? process.env.DATABASE_URL,
      dir: values.dir ?? 'migrations',
      schemas: values.schemas ?? 'schemas',
      dryRun: values['dry-run'] === true,
      lockWait,
      help: values.help === true,
      positionals,
    }
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
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
      'fluentorm: no database. Set DATABASE_URL (postgresql://user:password@host:5432/db) or pass --url.\n',
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
