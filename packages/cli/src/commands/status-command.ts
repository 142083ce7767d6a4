import { readMigrationDirectory } from '@fluentorm/core'
import type { CliCommand } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { output, sharedNumberProblems, withDatabase } from './migration-cli.ts'

/** `fluentorm status`: applied and pending migrations; exit 1 when migrate would refuse. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'list applied and pending migrations',
  usage: `Usage: fluentorm status [--url url] [--migrations dir]

Lists the applied migrations (with when they finished) and the pending ones. Exits 1 when
an applied file was edited or is missing, a pending file sorts before an applied one, two
files share a number (migrate refuses all of these), or an index is INVALID (a failed
CREATE INDEX CONCURRENTLY left it: it enforces nothing).

Options:
${flagsUsage()}
`,
  async run(args, io) {
    const flags = parseCommandFlags(args, io)
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const project = cliProject(flags, io)
    return withDatabase(project.url, io, flags.json, async (db, runtime) => {
      const result = await runtime.status(db, { migrations: project.migrationsDir })
      const problems = [
        ...sharedNumberProblems(await readMigrationDirectory(project.migrationsDir)),
        ...result.problems,
      ]
      const lines = [
        ...result.applied.map(
          (entry) => `applied  ${entry.name}.sql  ${entry.finishedAt.toISOString()}\n`,
        ),
        ...result.pending.map((name) => `pending  ${name}.sql\n`),
        ...(result.applied.length + result.pending.length === 0
          ? ['No numbered migrations.\n']
          : []),
      ]
      const data = {
        ok: problems.length === 0,
        applied: result.applied.map((entry) => ({
          name: entry.name,
          finishedAt: entry.finishedAt.toISOString(),
        })),
        pending: result.pending,
        problems,
      }
      output(io, flags.json, data, lines.join(''))
      if (!flags.json) for (const problem of problems) io.err(`problem  ${problem}\n`)
      return problems.length > 0 ? 1 : 0
    })
  },
}
