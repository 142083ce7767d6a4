import {
  compareMigrations,
  legacyMigrationChecksum,
  type Migration,
  migrationNumber,
} from './migration-format.ts'
import type { AppliedMigration } from './migration-history.ts'

/**
 * What makes a run unsafe, checked before anything runs: an applied migration whose file
 * was edited or is gone, and a pending one that sorts before the last applied one (it came
 * from a merged branch and would run out of order), or that shares its number with another
 * (two branches each generated one: whatever order they ran in would be a guess; files that
 * share a number and are all applied already are history, not refused). Each message names
 * the file and what to do.
 */
export function historyProblems(
  applied: readonly AppliedMigration[],
  migrations: readonly Migration[],
): string[] {
  const byName = new Map(migrations.map((m) => [m.name, m]))
  const problems: string[] = []
  for (const entry of applied) {
    const migration = byName.get(entry.name)
    if (!migration) {
      problems.push(
        `${entry.name}.sql was applied to this database but is missing from the migrations. Restore it (git checkout -- migrations/${entry.name}.sql): applied migrations must stay.`,
      )
    } else if (
      migration.checksum !== entry.checksum &&
      legacyMigrationChecksum(migration.sql) !== entry.checksum
    ) {
      problems.push(
        `${entry.name}.sql was edited after it was applied (checksum when applied ${entry.checksum.slice(0, 12)}…, now ${migration.checksum.slice(0, 12)}…). Undo the edit (git checkout -- migrations/${entry.name}.sql) and put the change in a new migration (npx fluentorm generate, or a new numbered file).`,
      )
    }
  }
  const appliedNames = new Set(applied.map((a) => a.name))
  const last = [...appliedNames]
    .filter((n) => byName.has(n))
    .sort(compareMigrations)
    .at(-1)
  if (last !== undefined) {
    for (const migration of migrations) {
      if (!appliedNames.has(migration.name) && compareMigrations(migration.name, last) < 0) {
        problems.push(
          `${migration.name}.sql is not applied but sorts before ${last}.sql, which is (probably merged from another branch). Renumber it after the last migration (rename it and its .down.sql to the next free number), then migrate again.`,
        )
      }
    }
  }
  const byNumber = new Map<number, string[]>()
  for (const { name } of migrations) {
    const number = migrationNumber(name)
    byNumber.set(number, [...(byNumber.get(number) ?? []), name])
  }
  for (const [number, names] of byNumber) {
    if (names.length > 1 && names.some((name) => !appliedNames.has(name))) {
      problems.push(
        `${names.map((name) => `${name}.sql`).join(' and ')} share the number ${number} (two branches each made one). Renumber the one not applied anywhere shared after the last migration (rename it and its .down.sql), or regenerate it on top (docs/MIGRATIONS.md), then migrate again.`,
      )
    }
  }
  return problems
}
