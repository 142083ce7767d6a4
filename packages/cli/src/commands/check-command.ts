import { formatProblems, loadSchemas, planMigration, readMigrationDirectory } from '@fluentorm/core'
import type { CliCommand, ExitCode } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { checkDrift, type DriftCheck, formatDifference } from './drift-check.ts'
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
  usage: `Usage: fluentorm check [--url url] [--schema name] [--migrations dir] [--schemas dir]

For CI. Fails when:
  - the schemas have changes that no migration covers (run npx fluentorm generate);
  - two migrations share a number, or one was generated from another branch's snapshot;
  - a pending migration has an error-level lint finding not acknowledged in the file
    with a line  -- fluentorm:allow <rule>;
  - with a database (--url, the config's url or DATABASE_URL): an applied file was edited
    or is missing, or a pending file sorts before an applied one;
  - with a database whose migrations are all applied: it differs from the schema they make
    (migrations/meta/snapshot.json): each table, column, default, index, key, check and
    enum that differs is listed with what was expected and what was found (drift).
Without a database every numbered migration counts as pending.

Options:
${flagsUsage([['--schema name', 'the PostgreSQL schema to compare (default: the current one)']])}
`,
  async run(args, io) {
    const flags = parseCommandFlags(args, io, { extra: ['schema'] })
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
    let drift = null as DriftCheck | null
    if (project.url) {
      const code: ExitCode = await withDatabase(
        project.url,
        io,
        flags.json,
        async (db, runtime) => {
          const status = await runtime.status(db, { migrations: project.migrationsDir })
          failures.push(...status.problems)
          lint = lintPending(state.files, new Set(status.pending))
          if (status.problems.length === 0 && state.problems.length === 0) {
            drift = await checkDrift(db, runtime, state, status.pending, flags.schema)
            if (drift.compared) {
              failures.push(...drift.differences.map((d) => `drift: ${formatDifference(d)}`))
            }
          }
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
      if (drift && !drift.compared) io.out(`fluentorm check: drift not compared: ${drift.reason}\n`)
      for (const failure of failures) io.err(`check: ${failure}\n`)
      if (drift?.compared && drift.differences.length > 0) {
        io.err(
          `check: the database (schema ${drift.schema}) differs from the schema of its migrations. Keep a change made by hand by writing it into the schema files and running npx fluentorm generate (a table they cannot declare, such as one without a primary key: its CREATE TABLE IF NOT EXISTS in a hand-written migration), or undo it in the database.\n`,
        )
      }
    }
    const ok = failures.length === 0
    output(
      io,
      flags.json,
      { ok, failures, findings: lint.findings, drift: drift?.compared ? drift.differences : null },
      ok ? 'fluentorm check: schemas, migrations and history are consistent.\n' : '',
    )
    return ok ? 0 : 1
  },
}
