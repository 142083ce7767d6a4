import { describe, expect, it } from 'vitest'
import type { ColumnRow } from '../../packages/core/src/introspect/catalog-queries.ts'
import { columnBuilder, defaultOption } from '../../packages/core/src/introspect/column-builder.ts'
import { SqlText } from '../../packages/core/src/introspect/pulled-schema.ts'
import { writeSchemaFile } from '../../packages/core/src/introspect/schema-file-writer.ts'

const column = (fields: Partial<ColumnRow>): ColumnRow => ({
  table_oid: 1,
  name: 'c',
  position: 1,
  type: 'text',
  base_type: 'text',
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
  ...fields,
})

describe('pull: the type of each column', () => {
  it('maps every type the DSL has a builder for, and names the others', () => {
    const cases: [Partial<ColumnRow>, string, Record<string, unknown>][] = [
      [{ base_type: 'varchar', typmod: 36 }, 'varchar', { length: 32 }],
      [
        { base_type: 'numeric', typmod: (10 << 16) + 2 + 4 },
        'decimal',
        { precision: 10, scale: 2 },
      ],
      [{ base_type: 'numeric' }, 'numeric', {}],
      [{ base_type: 'timestamptz', typmod: 3 }, 'timestamptz', {}],
      [{ base_type: 'timestamp', typmod: 0 }, 'dateTime', { precision: 0 }],
      [{ base_type: 'timestamptz', typmod: 6 }, 'timestamptz', { mode: 'string' }],
      [{ base_type: 'int8', is_array: true }, 'bigInt', { array: true }],
      [{ base_type: 'float4' }, 'float', {}],
      [{ base_type: 'bytea' }, 'binary', {}],
      [{ base_type: 'interval' }, 'interval', {}],
    ]
    for (const [fields, method, options] of cases) {
      expect(
        columnBuilder('t', column(fields), new Map(), 'public'),
        fields.base_type,
      ).toMatchObject({
        method,
        options,
      })
    }
    // Types without a builder of their own are custom columns, the type as PostgreSQL prints it.
    expect(
      columnBuilder('t', column({ base_type: 'inet', type: 'inet' }), new Map(), 'public'),
    ).toEqual({ method: 'custom', options: { type: 'inet' } })
    expect(
      columnBuilder(
        't',
        column({ base_type: 'time', type: 'time(3) without time zone', typmod: 3 }),
        new Map(),
        'public',
      ),
    ).toEqual({ method: 'custom', options: { type: 'time(3) without time zone' } })
    const domain = { base_type: 'email', type: 'email', base_typtype: 'd', base_schema: 'public' }
    expect(columnBuilder('t', column(domain), new Map(), 'public')).toEqual({
      unsupported: 'its type email has no schema builder',
    })
  })

  it('writes a default as the literal the DSL turns back into the same SQL, else sql()', () => {
    const text = { method: 'string', options: {} }
    expect(defaultOption("'it''s'::text", text)).toBe("it's")
    expect(defaultOption("'now()'::text", text)).toEqual(new SqlText("'now()'::text"))
    expect(defaultOption('42', { method: 'integer', options: {} })).toBe(42)
    expect(defaultOption("'-1'::integer", { method: 'integer', options: {} })).toBe(-1)
    expect(defaultOption('9007199254740993', { method: 'bigInt', options: {} })).toEqual(
      new SqlText('9007199254740993'),
    )
    expect(defaultOption('now()', { method: 'timestamptz', options: {} })).toBe('now()')
    expect(defaultOption('now()', text)).toEqual(new SqlText('now()'))
    expect(defaultOption("'{a,b}'::text[]", { method: 'string', options: { array: true } })).toBe(
      '{a,b}',
    )
    expect(defaultOption('true', { method: 'boolean', options: {} })).toBe(true)
  })
})

describe('pull: the schema file', () => {
  it('reads as written by hand: quotes, sql(), long calls wrapped, tableName when the file cannot carry it', () => {
    const file = writeSchemaFile({
      name: 'order-lines',
      file: '03_table.ts',
      calls: [
        { method: 'increments', args: [{ name: 'id', primaryKey: true }] },
        { method: 'string', args: [{ name: 'note', defaultValue: "it's" }] },
        {
          method: 'integer',
          args: [{ name: 'n', defaultValue: new SqlText("(1 + 'x'::text::int)") }],
        },
        {
          method: 'enum',
          args: [
            {
              name: 'state',
              values: ['draft', 'published', 'archived', 'deleted_by_moderator'],
              enumName: 'line_state',
            },
          ],
        },
      ],
    })
    expect(file).toBe(`import { sql, type TableSchema } from '@fluentorm/core'

export const tableName = 'order-lines'

export function build(t: TableSchema): void {
  t.increments({ name: 'id', primaryKey: true })
  t.string({ name: 'note', defaultValue: "it's" })
  t.integer({ name: 'n', defaultValue: sql("(1 + 'x'::text::int)") })
  t.enum({
    name: 'state',
    values: ['draft', 'published', 'archived', 'deleted_by_moderator'],
    enumName: 'line_state',
  })
}
`)
  })
})
