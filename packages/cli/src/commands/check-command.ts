import { formatProblems, loadSchemas, planMigration, readMigrationDirectory } from '@fluentorm/core'
import type { CliCommand, ExitCode } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { output, withDatabase } from './migration-cli.ts'
import { formatFinding, lintPending, type PendingLint } from './pending-lint.ts'

/**
 * `fluentorm check` (for CI): exits 1 when the schemas have changes no migration covers,
 * on branch conflicts in migrations/, on history problems, and on unacknowledged
 * error-level lint findings in pending migrations.
 */
export const checkCommand: CliCommand = {
  name: 'check',
  summary:
    'fail (exit 1) on uncovered schema changes, branch conflicts or unsafe pending migrations',
  usage: `Usage: fluentorm check [--url url] [--migrations dir] [--schemas dir]

For CI. Fails when:
  - the schemas have changes that no migration covers (run npx fluentorm generate);
  - two migrations share a number, or one was generated from another branch's snapshot;
  - a pending migration has an error-level lint finding not acknowledged in the file
    with a line  -- fluentorm:allow <rule>;
  - with a database (--url, the config's url or DATABASE_URL): an applied file was edited
    or is missing, or a pending file sorts before an applied one.
Without a database every numbered migration counts as pending.

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
    const loaded = await loadSchemas({ schemasDir: project.schemasDir, root: project.root })
    if (!loaded.ok) {
      io.err(formatProblems(loaded.problems))
      if (flags.json) {
        output(
          io,
          true,
          { ok: false, failures: [formatProblems(loaded.problems)], findings: [] },
          '',
        )
      }
      return 1
    }
    const state = await readMigrationDirectory(project.migrationsDir)
    const failures = [...state.problems]
    if (state.problems.length === 0) {
      const plan = planMigration(state.snapshot?.schema ?? null, loaded.schema)
      if (plan.up.length > 0) {
        failures.push(
          `The schemas have changes no migration covers (${plan.name}). Run npx fluentorm generate and commit the result.`,
        )
      }
    }
    let lint: PendingLint = { findings: [], failures: [] }
    if (project.url) {
      const code: ExitCode = await withDatabase(
        project.url,
        io,
        flags.json,
        async (db, runtime) => {
          const status = await runtime.status(db, { migrations: project.migrationsDir })
          failures.push(...status.problems)
          lint = lintPending(state.files, new Set(status.pending))
          return 0
        },
      )
      if (code !== 0) return code
    } else {
      lint = lintPending(state.files, null)
    }
    failures.push(...lint.failures)
    if (!flags.json) {
      for (const finding of lint.findings) io.out(formatFinding(finding))
      for (const failure of failures) io.err(`check: ${failure}\n`)
    }
    const ok = failures.length === 0
    output(
      io,
      flags.json,
      { ok, failures, findings: lint.findings },
      ok ? 'fluentorm check: schemas, migrations and history are consistent.\n' : '',
    )
    return ok ? 0 : 1
  },
}
