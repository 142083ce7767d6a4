import { planMigration, type TableSchema } from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { file, schemaOf } from './support/schema-fixtures.ts'

const id = (t: TableSchema) => t.uuid({ name: 'id', primaryKey: true })
const tables = (...names: string[]) => names.map((name, i) => file(name, id, i + 1))

/** The name `generate` gives the migration from `from` (null: an empty database) to `to`. */
const nameOf = (from: ReturnType<typeof schemaOf> | null, to: ReturnType<typeof schemaOf>) =>
  planMigration(from, to).name

describe('migration names: readable, at most 60 characters, never cut inside a change', () => {
  it('names every new table when they fit', () => {
    expect(nameOf(null, schemaOf(...tables('users', 'posts', 'comments')))).toBe(
      'create_users_posts_and_comments',
    )
  })

  it('counts the tables that do not fit instead of cutting a name in half', () => {
    const names = ['customer_accounts', 'invoice_line_items', 'shipping_addresses', 'payments']
    const name = nameOf(null, schemaOf(...tables(...names)))
    expect(name).toBe('create_customer_accounts_invoice_line_items_and_2_more')
    expect(name.length).toBeLessThanOrEqual(60)
  })

  it('names a new table before the changes to existing ones', () => {
    const before = schemaOf(file('users', id))
    const after = schemaOf(
      file('users', (t) => {
        id(t)
        t.string({ name: 'phone', nullable: true })
      }),
      file('tags', id, 2),
    )
    expect(nameOf(before, after)).toBe('create_tags_and_add_phone_to_users')
  })

  it('keeps the new table in the name when the other changes do not fit', () => {
    const columns = ['billing_reference', 'shipping_reference', 'customer_reference']
    const before = schemaOf(file('subscription_orders', id))
    const after = schemaOf(
      file('subscription_orders', (t) => {
        id(t)
        for (const name of columns) t.string({ name, nullable: true })
      }),
      file('refunds', id, 2),
    )
    const name = nameOf(before, after)
    expect(name).toBe('create_refunds_and_3_more_changes')
    expect(name.length).toBeLessThanOrEqual(60)
  })

  it('counts changes of one table that do not fit, whole', () => {
    const before = schemaOf(file('users', id))
    const after = schemaOf(
      file('users', (t) => {
        id(t)
        for (const name of ['billing_reference', 'shipping_reference', 'phone']) {
          t.string({ name, nullable: true })
        }
      }),
    )
    expect(nameOf(before, after)).toBe('add_billing_reference_to_users_and_2_more')
  })

  it('writes a table name PostgreSQL quotes as plain words', () => {
    expect(nameOf(null, schemaOf(file('Order Lines', id)))).toBe('create_order_lines')
  })
})
