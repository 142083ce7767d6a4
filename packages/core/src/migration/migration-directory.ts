import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type MigrationFile,
  nextMigrationNumber as nextNumber,
  readHashes,
  readMigrationFiles,
} from '@fluentorm/runtime/migration-format'
import { EMPTY_SCHEMA_HASH, parseSnapshot, type SchemaSnapshot } from './schema-snapshot.ts'

/** A numbered migration of `migrations/` (read by the runtime's file format), with its hashes. */
export interface MigrationFileInfo extends MigrationFile {
  /** Snapshot hashes from the header of a generated file; null for a hand-written one. */
  readonly hashes: { readonly from: string; readonly to: string } | null
}

/** What is in `migrations/`: the numbered files in order, the snapshot, and branch problems. */
export interface MigrationDirectoryState {
  readonly dir: string
  readonly snapshotFile: string
  readonly snapshot: SchemaSnapshot | null
  readonly files: readonly MigrationFileInfo[]
  /** Branch conflicts and a broken hash chain, each with the commands that fix it. */
  readonly problems: readonly string[]
}

export function snapshotPath(migrationsDir: string): string {
  return join(migrationsDir, 'meta', 'snapshot.json')
}

export async function readMigrationDirectory(dir: string): Promise<MigrationDirectoryState> {
  const snapshotFile = snapshotPath(dir)
  const snapshotText = await readFile(snapshotFile, 'utf8').catch(() => null)
  const snapshot = snapshotText === null ? null : parseSnapshot(snapshotText, snapshotFile)
  const files = (await readMigrationFiles(dir).catch(() => [])).map((f) => ({
    ...f,
    hashes: readHashes(f.sql),
  }))
  return {
    dir,
    snapshotFile,
    snapshot,
    files,
    problems: branchProblems(files, snapshot, snapshotFile),
  }
}

/**
 * Two branches that each generated a migration show up as two files with one number, or
 * as a file whose from-hash is not the previous generated file's to-hash.
 */
export function branchProblems(
  files: readonly MigrationFileInfo[],
  snapshot: SchemaSnapshot | null,
  snapshotFile: string,
): string[] {
  const problems: string[] = []
  const regenerate = (file: string) =>
    `If ${file} is yours and not applied anywhere shared: delete it and its .down.sql, restore the snapshot of the branch you merged (git checkout origin/main -- ${snapshotFile}), then run npx fluentorm generate to regenerate it on top.`
  const byNumber = new Map<number, string[]>()
  for (const f of files) byNumber.set(f.number, [...(byNumber.get(f.number) ?? []), f.file])
  for (const [number, group] of byNumber) {
    if (group.length > 1) {
      problems.push(
        `Migrations ${group.join(' and ')} share the number ${number} (two branches). ${regenerate(group.at(-1)!)}`,
      )
    }
  }
  let previous: MigrationFileInfo | null = null
  for (const f of files) {
    if (!f.hashes) continue
    const expected = previous?.hashes?.to ?? EMPTY_SCHEMA_HASH
    if (f.hashes.from !== expected) {
      const after = previous
        ? `${previous.file} ends at ${expected}`
        : 'it is the first generated migration'
      problems.push(
        `${f.file} was generated from snapshot ${f.hashes.from}, but ${after} (a merged branch). ${regenerate(f.file)}`,
      )
    }
    previous = f
  }
  const last = previous?.hashes?.to ?? null
  if (snapshot && last !== null && snapshot.hash !== last) {
    problems.push(
      `${snapshotFile} (${snapshot.hash}) does not match the last generated migration ${previous!.file} (ends at ${last}). Restore the snapshot that belongs with it (git checkout origin/main -- ${snapshotFile}, or the version committed with ${previous!.file}).`,
    )
  }
  if (!snapshot && last !== null) {
    problems.push(
      `${snapshotFile} is missing but ${previous!.file} was generated. Restore it from git (git checkout -- ${snapshotFile}).`,
    )
  }
  return problems
}

/** The next file number, four digits: `0003`. */
export function nextMigrationNumber(files: readonly MigrationFileInfo[]): string {
  return nextNumber(files.map((f) => f.file))
}

export async function writeMigrationFiles(
  dir: string,
  entries: ReadonlyMap<string, string>,
): Promise<void> {
  await mkdir(join(dir, 'meta'), { recursive: true })
  for (const [file, text] of entries) await writeFile(join(dir, file), text)
}
