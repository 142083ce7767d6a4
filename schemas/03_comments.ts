import type { TableSchema } from '@fluentorm/core'

export const tableName = 'comments'

export function build(t: TableSchema): void {
  t.uuid({ name: 'id', primaryKey: true })
  t.uuid({ name: 'post_id' })
  t.uuid({ name: 'user_id' })
  t.string({ name: 'content' })
  t.timestamps()
  t.softDelete()
  t.belongsTo({ name: 'post', column: 'post_id', referencesTable: 'posts', onDelete: 'cascade' })
  t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users', onDelete: 'cascade' })
  t.addIndexes([{ columns: ['post_id'] }, { columns: ['user_id'] }])
}
