import { resolve } from 'node:path'
import type { CliCommand } from '../cli-command.ts'
import { parseMigrationFlags, withDatabase } from './migration-cli.ts'

/** `fluentorm status`: applied and pending migrations; exit 1 when migrate would refuse. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'list applied and pending migrations',
  usage: `Usage: fluentorm status [--url url] [--dir migrations]

Lists the applied migrations (with when they finished) and the pending ones. Exits 1 when
an applied file was edited or is missing, or a pending file sorts before an applied one.

Options:
  --url url          the database (default: DATABASE_URL)
  --dir dir          the migrations directory (default: migrations)
  -h, --help         show this help
`,
  async run(args, io) {
    const flags = parseMigrationFlags(args, 0)
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    return withDatabase(flags.url, io, async (db, runtime) => {
      const result = await runtime.status(db, { migrations: resolve(io.cwd, flags.dir) })
      for (const entry of result.applied)
        io.out(`applied  ${entry.name}.sql  ${entry.finishedAt.toISOString()}\n`)
      for (const name of result.pending) io.out(`pending  ${name}.sql\n`)
      if (result.applied.length + result.pending.length === 0) io.out('No numbered migrations.\n')
      for (const problem of result.problems) io.err(`problem  ${problem}\n`)
      return result.problems.length > 0 ? 1 : 0
    })
  },
}
