import { isAbsolute, join, relative } from 'node:path'
import type { SchemaIR } from '../schema/schema-ir.ts'
import {
  nextMigrationNumber,
  readMigrationDirectory,
  snapshotPath,
  writeMigrationFiles,
} from './migration-directory.ts'
import { renderDownFile, renderMigrationFile } from './migration-file.ts'
import type { LintFinding } from './migration-lint.ts'
import { type MigrationPlan, planMigration } from './migration-plan.ts'
import { createSnapshot, serializeSnapshot } from './schema-snapshot.ts'

export interface WriteNextMigrationOptions {
  /** Project root; relative directories resolve from it. @default process.cwd() */
  readonly root?: string
  /** @default 'migrations' */
  readonly migrationsDir?: string
  /** The current, compiled schema. */
  readonly schema: SchemaIR
}

export type WriteNextMigrationResult =
  | {
      readonly ok: true
      /** The files written, relative to root; empty when the schemas match the snapshot. */
      readonly written: readonly string[]
      readonly plan: MigrationPlan
      /** What to print: the files and their lint findings, or "No schema changes". */
      readonly message: string
    }
  | { readonly ok: false; readonly problems: readonly string[]; readonly message: string }

/**
 * The build's migration step (`fluentorm generate`, the plugin's writeBundle): diffs the
 * schema against `migrations/meta/snapshot.json` and, only when something changed, writes
 * `NNNN_<name>.sql`, `NNNN_<name>.down.sql` and the new snapshot. Refuses (writes nothing)
 * on branch conflicts.
 *
 * ```ts
 * const result = await writeNextMigration({ root, migrationsDir: 'migrations', schema })
 * console.log(result.message)
 * // wrote migrations/0002_add_phone_to_users.sql (+ .down.sql)
 * ```
 */
export async function writeNextMigration(
  options: WriteNextMigrationOptions,
): Promise<WriteNextMigrationResult> {
  const root = options.root ?? process.cwd()
  const given = options.migrationsDir ?? 'migrations'
  const dir = isAbsolute(given) ? given : join(root, given)
  const state = await readMigrationDirectory(relative(process.cwd(), dir) || '.')
  if (state.problems.length > 0) {
    return {
      ok: false,
      problems: state.problems,
      message: `Cannot generate the next migration:\n${state.problems.map((p) => `  - ${p}`).join('\n')}`,
    }
  }
  const plan = planMigration(state.snapshot?.schema ?? null, options.schema)
  if (plan.up.length === 0) return { ok: true, written: [], plan, message: 'No schema changes.' }
  const base = `${nextMigrationNumber(state.files)}_${plan.name}`
  const files = new Map([
    [`${base}.sql`, renderMigrationFile(`${base}.sql`, plan)],
    [`${base}.down.sql`, renderDownFile(`${base}.sql`, plan)],
    [relative(dir, snapshotPath(dir)), serializeSnapshot(createSnapshot(options.schema))],
  ])
  await writeMigrationFiles(dir, files)
  const shown = relative(root, join(dir, `${base}.sql`))
  const rollback =
    plan.down === null
      ? `no rollback: ${plan.irreversible.join('; ')}`
      : `rollback in ${base}.down.sql`
  return {
    ok: true,
    written: [...files.keys()].map((f) => relative(root, join(dir, f))),
    plan,
    message: [`Wrote ${shown} (${rollback}).`, ...formatFindings(plan.findings)].join('\n'),
  }
}

/** Lint findings as printable lines: `  error drop-column: Drops column phone of users: …`. */
export function formatFindings(findings: readonly LintFinding[]): string[] {
  return findings.map((f) => `  ${f.severity} ${f.rule}: ${f.message}`)
}
