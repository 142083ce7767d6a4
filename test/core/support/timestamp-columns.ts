import { type ColumnIR, generateTableFiles, type SchemaIR, type TableSchema } from '@fluentorm/core'
import { file } from './schema-fixtures.ts'

/** The schema file of an `events` table: an identity key and the columns `build` adds. */
export const events = (build: (t: TableSchema) => void) =>
  file('events', (t) => {
    t.increments({ name: 'id', primaryKey: true })
    build(t)
  })

/** Name, SQL type, precision and time mode of each column after the key. */
export function timing(schema: SchemaIR) {
  return (schema.tables[0]?.columns ?? [])
    .slice(1)
    .map((c: ColumnIR) => [c.name, c.sqlType, c.precision, c.timeMode])
}

/** The generated `events.sql`. */
export const eventsSql = (schema: SchemaIR) => generateTableFiles(schema).get('events.sql')
