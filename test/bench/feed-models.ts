/** The feed's models: users, tags, posts, comments and post_tags, as (g), (j) and (k) read them. */
import type { TableSchema } from '@fluentorm/core'
import { benchModels } from './bench-database.ts'

export function feedModels() {
  return benchModels([
    {
      path: 'bench/01_users.ts',
      tableName: 'users',
      order: 1,
      build(t: TableSchema) {
        t.uuid({ name: 'id', primaryKey: true })
        t.string({ name: 'name' })
      },
    },
    {
      path: 'bench/02_tags.ts',
      tableName: 'tags',
      order: 2,
      build(t: TableSchema) {
        t.uuid({ name: 'id', primaryKey: true })
        t.string({ name: 'name' })
      },
    },
    {
      path: 'bench/03_posts.ts',
      tableName: 'posts',
      order: 3,
      build(t: TableSchema) {
        t.uuid({ name: 'id', primaryKey: true })
        t.uuid({ name: 'user_id' })
        t.string({ name: 'title' })
        t.boolean({ name: 'is_published' })
        t.timestamptz({ name: 'created_at', defaultValue: 'now()' })
        t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users' })
        t.hasMany({ name: 'comments', foreignTable: 'comments', foreignColumn: 'post_id' })
        t.manyToMany({ name: 'tags', targetTable: 'tags', through: 'post_tags' })
        t.addIndexes([{ columns: ['is_published', 'created_at'] }])
      },
    },
    {
      path: 'bench/04_comments.ts',
      tableName: 'comments',
      order: 4,
      build(t: TableSchema) {
        t.uuid({ name: 'id', primaryKey: true })
        t.uuid({ name: 'post_id' })
        t.uuid({ name: 'user_id' })
        t.string({ name: 'body' })
        t.belongsTo({ name: 'post', column: 'post_id', referencesTable: 'posts' })
        t.addIndexes([{ columns: ['post_id', 'user_id'] }])
      },
    },
  ])
}
