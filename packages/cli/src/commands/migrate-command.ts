import { readMigrationDirectory, reconcileDevState } from '@fluentorm/core'
import type { CliCommand } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { output, sharedNumberProblems, withDatabase } from './migration-cli.ts'
import { formatFinding, lintPending } from './pending-lint.ts'

/** `fluentorm migrate [--dry-run]`: applies pending numbered migrations. */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'apply pending numbered migrations (--url, the config, or DATABASE_URL)',
  usage: `Usage: fluentorm migrate [--dry-run] [--url url] [--migrations dir] [--lock-wait ms]
       fluentorm migrate --baseline <n>

Applies the numbered migrations in migrations/ (NNNN_name.sql, generated or hand-written)
that the database has not run yet, in order, each in its own transaction, under an
advisory lock. Refuses to start when an applied file was edited or is missing, a new
file sorts before the last applied one, two files share a number (two branches), or a
pending file has an error-level lint finding it does not acknowledge (a line
  -- fluentorm:allow <rule>), as check does; stops at the first failing statement, and
records no migration while an index it creates is INVALID.

With --baseline n it runs nothing: it records the migrations numbered up to n as applied
(with their checksums), for a database that already has what they make (docs/ADOPTING.md).
n must be a migration's number or lie between two: past the last one it is refused.

Options:
${flagsUsage([
  ['--dry-run', 'print the SQL that would run; change nothing'],
  ['--lock-wait ms', 'how long to wait for another runner (default: 300000)'],
  ['--allow-lint-errors', 'apply files with unacknowledged error-level lint findings'],
  ['--baseline n', 'record migrations up to number n as applied without running them'],
])}
`,
  async run(args, io) {
    const flags = parseCommandFlags(args, io, {
      extra: ['dry-run', 'lock-wait', 'allow-lint-errors', 'baseline'],
    })
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const project = cliProject(flags, io)
    return withDatabase(project.url, io, flags.json, async (db, runtime) => {
      const migrations = project.migrationsDir
      const directory = await readMigrationDirectory(migrations)
      const shared = sharedNumberProblems(directory)
      if (shared.length > 0) {
        for (const problem of shared) io.err(`migrate: ${problem}\n`)
        io.err(
          `fluentorm migrate: nothing was ${flags.baseline === undefined ? 'applied' : 'recorded'}. Give each migration a number of its own (the commands above), then run migrate again.\n`,
        )
        if (flags.json) output(io, true, { ok: false, applied: [], refused: shared }, '')
        return 1
      }
      if (flags.baseline !== undefined) {
        const recorded = await runtime.baseline(db, { migrations, upTo: flags.baseline })
        const text =
          recorded.length === 0
            ? `Nothing to record: every migration up to ${flags.baseline} is already applied.\n`
            : recorded.map((name) => `recorded ${name}.sql as applied (not run)\n`).join('')
        output(io, flags.json, { ok: true, baseline: recorded }, text)
        return 0
      }
      // A dev database the plugin applied a pending change to: the migration it is frozen into is
      // recorded, not run again (docs/PLUGIN.md, the dev database).
      const { adopted } = flags.dryRun
        ? { adopted: [] }
        : await reconcileDevState(
            db,
            directory,
            await runtime.resolveMigrations(migrations),
            runtime,
          )
      for (const name of adopted) {
        io.err(
          `fluentorm: ${name}.sql recorded as applied: this dev database already had its change.\n`,
        )
      }
      if (!flags.allowLintErrors) {
        const { pending } = await runtime.status(db, { migrations })
        const lint = lintPending(directory.files, new Set(pending))
        if (lint.failures.length > 0) {
          for (const finding of lint.findings) io.err(formatFinding(finding))
          for (const failure of lint.failures) io.err(`migrate: ${failure}\n`)
          io.err(
            'fluentorm migrate: nothing was applied. Acknowledge each finding in its file, or pass --allow-lint-errors.\n',
          )
          if (flags.json) output(io, true, { ok: false, applied: [], refused: lint.failures }, '')
          return 1
        }
      }
      const result = await runtime.migrate(db, {
        migrations,
        dryRun: flags.dryRun,
        ...(flags.lockWait === undefined ? {} : { lockWaitTimeout: flags.lockWait }),
      })
      for (const note of result.notes) io.err(`fluentorm: ${note}\n`)
      const data = {
        ok: true,
        applied: result.applied,
        adopted,
        dryRun: flags.dryRun,
        sql: result.sql,
        notes: result.notes,
      }
      if (flags.dryRun) {
        const text =
          result.applied.length === 0
            ? 'Nothing to migrate.\n'
            : `${result.sql}\n-- dry run: nothing was applied\n`
        output(io, flags.json, data, text)
        return 0
      }
      const lines = result.applied.map((name) => `applied ${name}.sql\n`)
      lines.push(
        result.applied.length === 0
          ? 'Nothing to migrate: the database is up to date.\n'
          : `fluentorm: ${result.applied.length} migration(s) applied\n`,
      )
      output(io, flags.json, data, lines.join(''))
      return 0
    })
  },
}
