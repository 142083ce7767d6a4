import {
  type DriftDifference,
  detectDrift,
  type MigrationDirectoryState,
  readDevState,
} from '@fluentorm/core'
import { catalogExecutor, type Runtime, type RuntimeDatabase } from './migration-cli.ts'

export type DriftCheck =
  | {
      readonly compared: true
      readonly schema: string
      readonly differences: readonly DriftDifference[]
    }
  | { readonly compared: false; readonly reason: string }

/**
 * `check --url`'s comparison of the live database with the schema its migrations make: the
 * snapshot of migrations/ (on a dev database with a pushed change, the schema it was pushed
 * to). Only when every migration is applied: before that the database is meant to differ.
 */
export async function checkDrift(
  db: RuntimeDatabase,
  runtime: Runtime,
  state: MigrationDirectoryState,
  pending: readonly string[],
  schema: string | undefined,
): Promise<DriftCheck> {
  if (pending.length > 0) {
    return {
      compared: false,
      reason: `${pending.length} migration${pending.length === 1 ? ' is' : 's are'} pending (fluentorm migrate applies ${pending.length === 1 ? 'it' : 'them'}); the database is compared with the schema once every migration is applied.`,
    }
  }
  return runtime.toDriver(db).session(async (session) => {
    const read = catalogExecutor(session)
    const name =
      schema ?? (await read.query<{ name: string }>('SELECT current_schema() AS name'))[0]!.name
    const expected = (await readDevState(session))?.applied ?? state.snapshot?.schema ?? null
    const drift = await detectDrift(read, expected, name, state.files)
    if (!drift.ok) return { compared: false, reason: drift.message }
    return { compared: true, schema: name, differences: drift.differences }
  })
}

/** `column users.phone: expected (none), found phone TEXT` */
export function formatDifference(difference: DriftDifference): string {
  return `${difference.object}: expected ${difference.expected}, found ${difference.found}`
}
