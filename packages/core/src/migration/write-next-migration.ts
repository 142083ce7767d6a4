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

/** The next numbered migration's files, before they are written. */
export interface NextMigration {
  /** `0002_add_phone_to_users`: the file name without `.sql`, as the runner records it. */
  readonly name: string
  readonly sql: string
  readonly down: string
  /** Every file to write, relative to the migrations folder: the two above and the snapshot. */
  readonly files: ReadonlyMap<string, string>
}

export type PlanNextMigrationResult =
  | {
      readonly ok: true
      readonly plan: MigrationPlan
      /** null when the schema matches the last migration's snapshot. */
      readonly next: NextMigration | null
    }
  | { readonly ok: false; readonly problems: readonly string[]; readonly message: string }

/**
 * What `writeNextMigration` would write, without writing it: the plugin bundles it into
 * `virtual:fluentorm/migrations` during the build that writes it, so the bundle carries every
 * migration its models need.
 */
export async function planNextMigration(
  options: WriteNextMigrationOptions,
): Promise<PlanNextMigrationResult> {
  const dir = migrationsDirectory(options)
  const state = await readMigrationDirectory(relative(process.cwd(), dir) || '.')
  if (state.problems.length > 0) {
    return {
      ok: false,
      problems: state.problems,
      message: `Cannot generate the next migration:\n${state.problems.map((p) => `  - ${p}`).join('\n')}`,
    }
  }
  const plan = planMigration(state.snapshot?.schema ?? null, options.schema)
  if (plan.up.length === 0) return { ok: true, plan, next: null }
  const name = `${nextMigrationNumber(state.files)}_${plan.name}`
  const sql = renderMigrationFile(`${name}.sql`, plan)
  const down = renderDownFile(`${name}.sql`, plan)
  const files = new Map([
    [`${name}.sql`, sql],
    [`${name}.down.sql`, down],
    [relative(dir, snapshotPath(dir)), serializeSnapshot(createSnapshot(options.schema))],
  ])
  return { ok: true, plan, next: { name, sql, down, files } }
}

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
  const planned = await planNextMigration(options)
  if (!planned.ok) return planned
  const { plan, next } = planned
  if (next === null) return { ok: true, written: [], plan, message: 'No schema changes.' }
  const root = options.root ?? process.cwd()
  const dir = migrationsDirectory(options)
  await writeMigrationFiles(dir, next.files)
  const shown = relative(root, join(dir, `${next.name}.sql`))
  const rollback =
    plan.down === null
      ? `no rollback: ${plan.irreversible.join('; ')}`
      : `rollback in ${next.name}.down.sql`
  return {
    ok: true,
    written: [...next.files.keys()].map((f) => relative(root, join(dir, f))),
    plan,
    message: [`Wrote ${shown} (${rollback}).`, ...formatFindings(plan.findings)].join('\n'),
  }
}

function migrationsDirectory(options: WriteNextMigrationOptions): string {
  const given = options.migrationsDir ?? 'migrations'
  return isAbsolute(given) ? given : join(options.root ?? process.cwd(), given)
}

/** Lint findings as printable lines: `  error drop-column: Drops column phone of users: …`. */
export function formatFindings(findings: readonly LintFinding[]): string[] {
  return findings.map((f) => `  ${f.severity} ${f.rule}: ${f.message}`)
}
