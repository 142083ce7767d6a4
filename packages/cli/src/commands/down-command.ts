import type { CliCommand } from '../cli-command.ts'
import { UsageError } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { output, withDatabase } from './migration-cli.ts'

/** `fluentorm down [n]`: rolls back the last n applied migrations. */
export const downCommand: CliCommand = {
  name: 'down',
  summary: 'roll back the last n applied migrations (default 1)',
  usage: `Usage: fluentorm down [n] [--dry-run] [--url url] [--migrations dir]

Runs the .down.sql of the last n applied migrations, newest first, each in a transaction,
and removes them from the history. Refuses (runs nothing) when one has no rollback or is
marked irreversible (it dropped data).

Options:
${flagsUsage([['--dry-run', 'print the SQL that would run; change nothing']])}
`,
  async run(args, io) {
    const flags = parseCommandFlags(args, io, { extra: ['dry-run'], positionals: 1 })
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const given = flags.positionals[0] ?? '1'
    // Digits only: Number() would also read '0x2', '1e1' and ' 3 '.
    const steps = /^[1-9]\d*$/.test(given) ? Number(given) : Number.NaN
    if (!Number.isSafeInteger(steps))
      throw new UsageError(`n must be a positive whole number, got '${given}'`)
    const project = cliProject(flags, io)
    return withDatabase(project.url, io, flags.json, async (db, runtime) => {
      const result = await runtime.down(db, {
        migrations: project.migrationsDir,
        steps,
        dryRun: flags.dryRun,
      })
      for (const note of result.notes) io.err(`fluentorm: ${note}\n`)
      const data = {
        ok: true,
        rolledBack: result.applied,
        dryRun: flags.dryRun,
        sql: result.sql,
        notes: result.notes,
      }
      if (flags.dryRun) {
        const text =
          result.applied.length === 0
            ? 'Nothing to roll back.\n'
            : `${result.sql}\n-- dry run: nothing was rolled back\n`
        output(io, flags.json, data, text)
        return 0
      }
      const lines = result.applied.map((name) => `rolled back ${name}.sql\n`)
      if (result.applied.length === 0) lines.push('Nothing to roll back.\n')
      output(io, flags.json, data, lines.join(''))
      return 0
    })
  },
}
