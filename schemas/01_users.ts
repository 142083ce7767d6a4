import type { TableSchema } from '@fluentorm/core'

export const tableName = 'users'

export function build(t: TableSchema): void {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email', unique: true })
  t.string({ name: 'name' })
  t.timestamps()
  t.softDelete()
  t.hasMany({ name: 'posts', foreignTable: 'posts', foreignColumn: 'user_id' })
}
