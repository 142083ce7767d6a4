import type { Migration } from '@fluentorm/runtime'
import {
  renderDownFile,
  renderMigrationFile,
} from '../../../packages/core/src/migration/migration-file.ts'
import {
  type MigrationPlan,
  planMigration,
} from '../../../packages/core/src/migration/migration-plan.ts'
import { compileSchema } from '../../../packages/core/src/schema/compile-schema.ts'
import type { SchemaIR } from '../../../packages/core/src/schema/schema-ir.ts'
import type { TableSchema } from '../../../packages/core/src/schema/table-schema.ts'
import { migrationChecksum } from '../../../packages/runtime/src/migration/migration-format.ts'

export type Build = (t: TableSchema) => void

/** Compiles `{ users: build, posts: build }` (in that order) or throws with the problems. */
export function schemaOf(tables: Record<string, Build>): SchemaIR {
  const result = compileSchema(
    Object.entries(tables).map(([tableName, build], i) => ({
      path: `schemas/0${i + 1}_${tableName}.ts`,
      tableName,
      order: i + 1,
      build,
    })),
  )
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2))
  return result.schema
}

/** The migration the generator would write for `plan`, numbered `number`, as the runner's array entry. */
export function migrationOf(number: number, plan: MigrationPlan): Migration {
  const name = `${String(number).padStart(4, '0')}_${plan.name}`
  const sql = renderMigrationFile(`${name}.sql`, plan)
  return { name, sql, down: renderDownFile(`${name}.sql`, plan), checksum: migrationChecksum(sql) }
}

/** A hand-written migration. */
export function handWritten(name: string, sql: string, down?: string): Migration {
  return { name, sql, checksum: migrationChecksum(sql), ...(down === undefined ? {} : { down }) }
}

export { planMigration }
