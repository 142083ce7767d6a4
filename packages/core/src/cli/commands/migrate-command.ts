import { resolve } from 'node:path'
import type { CliCommand } from '../cli-command.ts'
import { parseMigrationFlags, withDatabase } from './migration-cli.ts'

/** `fluentorm migrate [--dry-run]`: applies pending numbered migrations. */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'apply pending numbered migrations (DATABASE_URL or --url)',
  usage: `Usage: fluentorm migrate [--dry-run] [--url url] [--dir migrations] [--lock-wait ms]

Applies the numbered migrations in migrations/ (NNNN_name.sql, generated or hand-written)
that the database has not run yet, in order, each in its own transaction, under an
advisory lock. Refuses to start when an applied file was edited or is missing, or a new
file sorts before the last applied one; stops at the first failing statement.

Options:
  --dry-run          print the SQL that would run; change nothing
  --url url          the database (default: DATABASE_URL)
  --dir dir          the migrations directory (default: migrations)
  --lock-wait ms     how long to wait for another runner (default: 300000)
  -h, --help         show this help
`,
  async run(args, io) {
    const flags = parseMigrationFlags(args, 0)
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    return withDatabase(flags.url, io, async (db, runtime) => {
      const result = await runtime.migrate(db, {
        migrations: resolve(io.cwd, flags.dir),
        dryRun: flags.dryRun,
        ...(flags.lockWait === undefined ? {} : { lockWaitTimeout: flags.lockWait }),
      })
      if (flags.dryRun) {
        io.out(
          result.applied.length === 0
            ? 'Nothing to migrate.\n'
            : `${result.sql}\n-- dry run: nothing was applied\n`,
        )
        return 0
      }
      for (const name of result.applied) io.out(`applied ${name}.sql\n`)
      io.out(
        result.applied.length === 0
          ? 'Nothing to migrate: the database is up to date.\n'
          : `fluentorm: ${result.applied.length} migration(s) applied\n`,
      )
      return 0
    })
  },
}
