import type { TableSchema } from '@fluentorm/core'

export const tableName = 'posts'

export function build(t: TableSchema): void {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'title' })
  t.string({ name: 'summary', notNull: false })
  t.uuid({ name: 'user_id' })
  t.boolean({ name: 'is_published', defaultValue: 'false' })
  t.integer({ name: 'view_count', defaultValue: '0', createInput: 'excluded' })
  t.timestamps()
  t.softDelete()
  t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users', onDelete: 'cascade' })
  t.hasMany({ name: 'comments', foreignTable: 'comments', foreignColumn: 'post_id' })
  t.addIndexes([{ name: 'idx_posts_user_created', columns: ['user_id', 'created_at'] }])
}
