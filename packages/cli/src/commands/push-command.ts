import { existsSync } from 'node:fs'
import {
  formatProblems,
  type LintFinding,
  loadSchemas,
  preparePendingChange,
  readMigrationDirectory,
} from '@fluentorm/core'
import type { CliCommand } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { output, withDatabase } from './migration-cli.ts'

/**
 * `fluentorm push`: brings a dev database to the schemas without writing a migration, as the
 * plugin's dev server does on a save: the numbered migrations it lacks, then the one pending
 * change, recorded in `fluentorm_dev_state` so that `generate` freezes it and `migrate` adopts
 * it. Destructive steps wait for `--accept-data-loss`.
 */
export const pushCommand: CliCommand = {
  name: 'push',
  summary: 'apply the schemas to a dev database without writing a migration',
  usage: `Usage: fluentorm push [--accept-data-loss] [--dry-run] [--url url] [--schemas dir] [--migrations dir]

For a dev database: runs the numbered migrations it has not run, then applies the pending
change (the diff from what it is at to the schemas) in one transaction, printing the SQL,
without writing anything to migrations/. The change is recorded in the database's
fluentorm_dev_state table, as the dev server records its own: fluentorm generate later
freezes it into the next numbered migration, and fluentorm migrate records that one as
applied here instead of running it again.

Refuses (applies nothing) when a step loses data or fails on existing rows: dropping a table
or column, a narrowing type change, TRUNCATE CASCADE, a NOT NULL column without a default.
Pass --accept-data-loss to apply them all the same.

Options:
${flagsUsage([
  ['--accept-data-loss', 'apply steps that drop data or fail on existing rows too'],
  ['--dry-run', 'print the SQL that would run; change nothing'],
])}
`,
  async run(args, io) {
    const flags = parseCommandFlags(args, io, { extra: ['accept-data-loss', 'dry-run'] })
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const project = cliProject(flags, io)
    const fail = (message: string, extra: object = {}) => {
      io.err(`fluentorm push: ${message}\n`)
      if (flags.json) output(io, true, { ok: false, error: message, ...extra }, '')
      return 1 as const
    }
    const loaded = await loadSchemas({ schemasDir: project.schemasDir, root: project.root })
    if (!loaded.ok) return fail(formatProblems(loaded.problems))
    const directory = await readMigrationDirectory(project.migrationsDir)
    if (directory.problems.length > 0) return fail(directory.problems.join('\n'))
    return withDatabase(project.url, io, flags.json, async (db, runtime) => {
      // No migrations/ yet (a project that only pushes so far): nothing numbered to run.
      const migrations = existsSync(project.migrationsDir)
        ? await runtime.resolveMigrations(project.migrationsDir)
        : []
      const { adopted, migrated, plan, apply } = await preparePendingChange(
        db,
        directory,
        migrations,
        loaded.schema,
        { migrate: runtime.migrate, status: runtime.status },
        { dryRun: flags.dryRun },
      )
      const destructive = plan.findings.filter(losesData)
      const data = {
        ok: true,
        migrated,
        adopted,
        sql: plan.up,
        findings: plan.findings,
        dryRun: flags.dryRun,
      }
      const before = [
        ...adopted.map((name) => `recorded ${name}.sql as applied: the database had its change\n`),
        ...migrated.map((name) => `${flags.dryRun ? 'would apply' : 'applied'} ${name}.sql\n`),
      ].join('')
      if (plan.up.length === 0) {
        output(io, flags.json, data, `${before}The database is at the schemas: nothing to push.\n`)
        return 0
      }
      if (destructive.length > 0 && !flags.acceptDataLoss) {
        return fail(
          `the change would lose data or fail on existing rows, so nothing was applied:\n${destructive
            .map((finding) => `  ${finding.rule}: ${finding.message}\n`)
            .join(
              '',
            )}${plan.up.join('\n')}\nPass --accept-data-loss to apply it (on a dev database), or change the schemas.`,
          { migrated, adopted, sql: plan.up, refused: destructive },
        )
      }
      const sql = `${plan.up.join('\n')}\n`
      if (flags.dryRun) {
        output(io, flags.json, data, `${before}${sql}-- dry run: nothing was applied\n`)
        return 0
      }
      try {
        await apply()
      } catch (error) {
        if (!(error instanceof runtime.FluentOrmError)) throw error
        return fail(
          `PostgreSQL refused the change, so nothing was applied (one transaction): ${error.message}\n${sql}Give a new NOT NULL column a defaultValue (or fix the rows), or empty the dev database with fluentorm reset and push again.`,
          { migrated, adopted, sql: plan.up },
        )
      }
      output(
        io,
        flags.json,
        data,
        `${before}${sql}fluentorm push: the database is at the schemas (${plan.name}); no migration was written.\n`,
      )
      return 0
    })
  },
}

/** The lint's error-level findings, and a narrowing type change: what push waits to be told. */
function losesData(finding: LintFinding): boolean {
  return finding.severity === 'error' || finding.rule === 'narrowing-type-change'
}
