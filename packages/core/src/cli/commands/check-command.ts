import { resolve } from 'node:path'
import { loadSchemas } from '../../loader/load-schemas.ts'
import { readMigrationDirectory } from '../../migration/migration-directory.ts'
import { readAllowedRules } from '../../migration/migration-file.ts'
import { lintStatements } from '../../migration/migration-lint.ts'
import { planMigration } from '../../migration/migration-plan.ts'
import { formatProblems } from '../../schema/schema-problem.ts'
import type { CliCommand, CliIO, ExitCode } from '../cli-command.ts'
import { parseMigrationFlags, type Runtime, withDatabase } from './migration-cli.ts'

/**
 * `fluentorm check` (for CI): exits 1 when the schemas have changes no migration covers,
 * on branch conflicts in migrations/, on history problems, and on unacknowledged
 * error-level lint findings in pending migrations.
 */
export const checkCommand: CliCommand = {
  name: 'check',
  summary:
    'fail (exit 1) on uncovered schema changes, branch conflicts or unsafe pending migrations',
  usage: `Usage: fluentorm check [--url url] [--dir migrations] [--schemas schemas]

For CI. Fails when:
  - the schemas have changes that no migration covers (run npx fluentorm generate);
  - two migrations share a number, or one was generated from another branch's snapshot;
  - a pending migration has an error-level lint finding not acknowledged in the file
    with a line  -- fluentorm:allow <rule>;
  - with a database (DATABASE_URL or --url): an applied file was edited or is missing, or
    a pending file sorts before an applied one.
Without a database every numbered migration counts as pending.

Options:
  --url url          the database (default: DATABASE_URL)
  --dir dir          the migrations directory (default: migrations)
  --schemas dir      the schema files (default: schemas)
  -h, --help         show this help
`,
  async run(args, io) {
    const flags = parseMigrationFlags(args, 0)
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const schemasDir = resolve(io.cwd, flags.schemas)
    const loaded = await loadSchemas({ schemasDir, root: io.cwd })
    if (!loaded.ok) {
      io.err(formatProblems(loaded.problems))
      return 1
    }
    const state = await readMigrationDirectory(resolve(io.cwd, flags.dir))
    const failures = [...state.problems]
    if (state.problems.length === 0) {
      const plan = planMigration(state.snapshot?.schema ?? null, loaded.schema)
      if (plan.up.length > 0) {
        failures.push(
          `The schemas have changes no migration covers (${plan.name}). Run npx fluentorm generate and commit the result.`,
        )
      }
    }
    const lint = (
      runtime: Pick<Runtime, 'splitStatements' | 'readDirectives'>,
      pending: ReadonlySet<string> | null,
    ) => lintPending(state.files, pending, runtime, io)
    let lintFailures: string[] = []
    if (flags.url) {
      const code: ExitCode = await withDatabase(flags.url, io, async (db, runtime) => {
        const status = await runtime.status(db, { migrations: resolve(io.cwd, flags.dir) })
        failures.push(...status.problems)
        lintFailures = lint(runtime, new Set(status.pending))
        return 0
      })
      if (code !== 0) return code
    } else {
      lintFailures = lint(await import('@fluentorm/runtime'), null)
    }
    failures.push(...lintFailures)
    for (const failure of failures) io.err(`check: ${failure}\n`)
    if (failures.length > 0) return 1
    io.out('fluentorm check: schemas, migrations and history are consistent.\n')
    return 0
  },
}

function lintPending(
  files: readonly { file: string; sql: string }[],
  pending: ReadonlySet<string> | null,
  runtime: Pick<Runtime, 'splitStatements' | 'readDirectives'>,
  io: CliIO,
): string[] {
  const failures: string[] = []
  for (const { file, sql } of files) {
    if (pending && !pending.has(file.replace(/\.sql$/, ''))) continue
    const statements = runtime.splitStatements(sql).map((s) => s.text)
    const findings = lintStatements(statements, {
      transactional: !runtime.readDirectives(sql).noTransaction,
    })
    const allowed = readAllowedRules(sql)
    for (const finding of findings) {
      const acknowledged = allowed.has(finding.rule)
      io.out(
        `${file}: ${finding.severity} ${finding.rule}${acknowledged ? ' (allowed)' : ''}: ${finding.message}\n`,
      )
      if (finding.severity === 'error' && !acknowledged) {
        failures.push(
          `${file}: ${finding.rule} is an error. If it is intended, add the line "-- fluentorm:allow ${finding.rule}" to ${file}.`,
        )
      }
    }
  }
  return failures
}
