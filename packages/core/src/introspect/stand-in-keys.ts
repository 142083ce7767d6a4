import type { SchemaIR } from '../schema/schema-ir.ts'
import type { ColumnRow, ConstraintRow, DatabaseCatalog, TableRow } from './catalog-queries.ts'

// The drift check compares a table without a primary key like any other. Schema files refuse
// one (models need a key), so such a table is read with this stand-in key column, which is
// taken out again once the schema is compiled.
const STAND_IN_KEY = 'fluentorm_drift_stand_in_key'

/**
 * The catalog with a stand-in primary key on each plain table that has none (not on a
 * partitioned table or a partition, whose keys must cover the partition key), and those
 * tables' names.
 */
export function withStandInKeys(catalog: DatabaseCatalog): {
  readonly catalog: DatabaseCatalog
  readonly keyless: ReadonlySet<string>
} {
  const keyless = catalog.tables.filter(
    (t) =>
      t.relkind === 'r' &&
      t.partition_of === null &&
      !catalog.constraints.some((c) => c.table_oid === t.oid && c.type === 'p'),
  )
  return {
    catalog: {
      ...catalog,
      columns: [...keyless.map((t) => standInColumn(t.oid)), ...catalog.columns],
      constraints: [...keyless.map(standInKey), ...catalog.constraints],
    },
    keyless: new Set(keyless.map((t) => t.name)),
  }
}

/** The compiled schema with the stand-in keys taken out: those tables have no primary key. */
export function withoutStandInKeys(schema: SchemaIR, keyless: ReadonlySet<string>): SchemaIR {
  return {
    ...schema,
    tables: schema.tables.map((table) =>
      keyless.has(table.name)
        ? {
            ...table,
            columns: table.columns.filter((c) => c.name !== STAND_IN_KEY),
            primaryKey: [],
          }
        : table,
    ),
  }
}

function standInColumn(tableOid: number): ColumnRow {
  return {
    table_oid: tableOid,
    name: STAND_IN_KEY,
    position: 0,
    type: 'integer',
    base_type: 'int4',
    base_typtype: 'b',
    base_schema: 'pg_catalog',
    is_array: false,
    typmod: -1,
    not_null: true,
    default_sql: null,
    identity: '',
    generated: '',
    identity_options: null,
    identity_sequence: null,
    collation: null,
    base_extension: null,
    comment: null,
    serial_sequence: null,
  }
}

function standInKey(table: TableRow): ConstraintRow {
  return {
    table_oid: table.oid,
    name: `${table.name}_pkey`,
    type: 'p',
    columns: [STAND_IN_KEY],
    definition: `PRIMARY KEY (${STAND_IN_KEY})`,
    references_table: null,
    references_schema: null,
    references_columns: null,
    on_delete: ' ',
    on_update: ' ',
    deferrable: false,
    deferred: false,
    validated: true,
    inherited: false,
  }
}
