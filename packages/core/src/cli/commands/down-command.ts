import { resolve } from 'node:path'
import type { CliCommand } from '../cli-command.ts'
import { UsageError } from '../cli-command.ts'
import { parseMigrationFlags, withDatabase } from './migration-cli.ts'

/** `fluentorm down [n]`: rolls back the last n applied migrations. */
export const downCommand: CliCommand = {
  name: 'down',
  summary: 'roll back the last n applied migrations (default 1)',
  usage: `Usage: fluentorm down [n] [--dry-run] [--url url] [--dir migrations]

Runs the .down.sql of the last n applied migrations, newest first, each in a transaction,
and removes them from the history. Refuses (runs nothing) when one has no rollback or is
marked irreversible (it dropped data).

Options:
  --dry-run          print the SQL that would run; change nothing
  --url url          the database (default: DATABASE_URL)
  --dir dir          the migrations directory (default: migrations)
  -h, --help         show this help
`,
  async run(args, io) {
    const flags = parseMigrationFlags(args, 1)
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const given = flags.positionals[0] ?? '1'
    // Digits only: Number() would also read '0x2', '1e1' and ' 3 '.
    const steps = /^[1-9]\d*$/.test(given) ? Number(given) : Number.NaN
    if (!Number.isSafeInteger(steps))
      throw new UsageError(`n must be a positive whole number, got '${given}'`)
    return withDatabase(flags.url, io, async (db, runtime) => {
      const result = await runtime.down(db, {
        migrations: resolve(io.cwd, flags.dir),
        steps,
        dryRun: flags.dryRun,
      })
      if (flags.dryRun) {
        io.out(
          result.applied.length === 0
            ? 'Nothing to roll back.\n'
            : `${result.sql}\n-- dry run: nothing was rolled back\n`,
        )
        return 0
      }
      for (const name of result.applied) io.out(`rolled back ${name}.sql\n`)
      if (result.applied.length === 0) io.out('Nothing to roll back.\n')
      return 0
    })
  },
}
