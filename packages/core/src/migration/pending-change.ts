import type { Driver, Migration } from '@fluentorm/runtime'
import type { SchemaIR } from '../schema/schema-ir.ts'
import { applyDevPlan, type DevRunner, readDevState, reconcileDevState } from './dev-state.ts'
import type { MigrationDirectoryState } from './migration-directory.ts'
import { type MigrationPlan, planMigration } from './migration-plan.ts'
import { EMPTY_SCHEMA_HASH } from './schema-snapshot.ts'

/** A dev database brought to its numbered migrations, and the change left to reach the schemas. */
export interface PendingChange {
  /** Numbered migrations recorded as applied because the database already had their change. */
  readonly adopted: readonly string[]
  /** Numbered migrations run (with `dryRun`: the ones that would run). */
  readonly migrated: readonly string[]
  /** The schema the database is at: what it last applied, else the last migration's snapshot. */
  readonly at: SchemaIR | null
  /** From `at` to the schemas; no statements when the database is at them. */
  readonly plan: MigrationPlan
  /** Runs the plan and records the dev state it leaves, in one transaction. */
  apply(): Promise<void>
}

/**
 * What the plugin's dev server does on a save and `fluentorm push` does once: the numbered
 * migrations the dev database lacks (the one a pending change was frozen into recorded, not
 * run), then the plan from what it is at to `schema`. `dryRun`: nothing runs yet.
 */
export async function preparePendingChange(
  db: Driver,
  directory: MigrationDirectoryState,
  migrations: readonly Migration[],
  schema: SchemaIR,
  runner: DevRunner,
  { dryRun = false }: { readonly dryRun?: boolean } = {},
): Promise<PendingChange> {
  const adopted = dryRun ? [] : (await reconcileDevState(db, directory, migrations, runner)).adopted
  const migrated = dryRun
    ? (await runner.status(db, migrations)).pending
    : (await runner.migrate(db, migrations)).applied
  const state = await readDevState(db)
  const base = directory.snapshot?.schema ?? null
  const at = state?.applied ?? base
  const plan = planMigration(at, schema)
  const baseHash = directory.snapshot?.hash ?? EMPTY_SCHEMA_HASH
  return {
    adopted,
    migrated,
    at,
    plan,
    apply: () =>
      applyDevPlan(db, plan, plan.toHash === baseHash ? null : { baseHash, base, applied: schema }),
  }
}
