import type { CliCommand } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { output, withDatabase } from './migration-cli.ts'

/** `fluentorm status`: applied and pending migrations; exit 1 when migrate would refuse. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'list applied and pending migrations',
  usage: `Usage: fluentorm status [--url url] [--migrations dir]

Lists the applied migrations (with when they finished) and the pending ones. Exits 1 when
an applied file was edited or is missing, or a pending file sorts before an applied one.

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
        ok: result.problems.length === 0,
        applied: result.applied.map((entry) => ({
          name: entry.name,
          finishedAt: entry.finishedAt.toISOString(),
        })),
        pending: result.pending,
        problems: result.problems,
      }
      output(io, flags.json, data, lines.join(''))
      if (!flags.json) for (const problem of result.problems) io.err(`problem  ${problem}\n`)
      return result.problems.length > 0 ? 1 : 0
    })
  },
}
