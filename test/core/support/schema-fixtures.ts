import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  compileSchema,
  formatProblems,
  loadSchemas,
  type SchemaFileModule,
  type SchemaIR,
  type TableSchema,
} from '@fluentorm/core'
import type { Backend } from '../../support/backends.ts'

/** The repository root: paths in problems and headers are relative to it. */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..')

/** Loads a schema folder (relative to the root) and fails the test with the report if it is invalid. */
export async function loadValid(schemasDir: string): Promise<SchemaIR> {
  const result = await loadSchemas({ schemasDir, root: ROOT })
  if (!result.ok) throw new Error(formatProblems(result.problems))
  return result.schema
}

/** One in-memory schema file for compileSchema. */
export function file(
  tableName: string,
  build: (t: TableSchema) => void,
  order = 1,
): SchemaFileModule {
  return {
    path: `schemas/${String(order).padStart(2, '0')}_${tableName}.ts`,
    tableName,
    order,
    build,
  }
}

/** Compiles and returns the problems, or fails when the schema is valid. */
export function problemsOf(...files: SchemaFileModule[]) {
  const result = compileSchema(files)
  if (result.ok) throw new Error('expected schema problems, but the schema is valid')
  return result.problems
}

/** Compiles and returns the schema, or fails with the report. */
export function schemaOf(...files: SchemaFileModule[]): SchemaIR {
  const result = compileSchema(files)
  if (!result.ok) throw new Error(formatProblems(result.problems))
  return result.schema
}

/**
 * Writes files into a fresh temporary directory and returns its path. Pass `insideRepo` for
 * files that import `@fluentorm/core` at run time: they resolve it from the repository.
 */
export async function tempProject(
  files: Readonly<Record<string, string>>,
  insideRepo = false,
): Promise<string> {
  const base = insideRepo ? resolve(ROOT, 'tmp') : tmpdir()
  await mkdir(base, { recursive: true })
  const dir = await mkdtemp(join(base, 'fluentorm-core-'))
  for (const [name, content] of Object.entries(files)) {
    await mkdir(resolve(dir, name, '..'), { recursive: true })
    await writeFile(resolve(dir, name), content)
  }
  return dir
}

/** Runs a multi-statement script, as psql -f would. */
export async function runScript(backend: Backend, script: string): Promise<void> {
  if (backend.name === 'pglite')
    await (backend.db as import('@electric-sql/pglite').PGlite).exec(script)
  else await (backend.db as import('pg').Pool).query(script)
}

/** Rows of one parameterised query on either backend. */
export async function rows<R>(backend: Backend, sql: string, params: unknown[] = []): Promise<R[]> {
  const result = await (backend.db as import('pg').Pool).query(sql, params)
  return result.rows as R[]
}
