import type { SchemaFileModule, SchemaIR } from '@fluentorm/core'
import { compileSchema, formatProblems } from '@fluentorm/core'

/**
 * A schema touching every type mapping of the generated declarations: each PostgreSQL type,
 * nullability, arrays, enums, create-input modes, non-updatable columns, a composite key,
 * and every relation kind.
 */
export const KITCHEN_SINK_FILES: readonly SchemaFileModule[] = [
  {
    path: 'schemas/01_authors.ts',
    tableName: 'authors',
    order: 1,
    build(t) {
      t.increments({ name: 'id', primaryKey: true })
      t.string({ name: 'name' })
      t.varchar({ name: 'nickname', length: 40, nullable: true })
      t.enum({ name: 'status', values: ['active', "o'brien"], defaultValue: 'active' })
      t.bigInt({ name: 'followers', defaultValue: '0' })
      t.numeric({ name: 'balance', precision: 10, scale: 2, nullable: true })
      t.smallInt({ name: 'rank', nullable: true })
      t.float({ name: 'score', nullable: true })
      t.double({ name: 'ratio', nullable: true })
      t.boolean({ name: 'verified', defaultValue: false, updateInput: false })
      t.date({ name: 'born_on', nullable: true })
      t.time({ name: 'wakes_at', nullable: true })
      t.interval({ name: 'timezone_offset', nullable: true })
      t.timestamptz({ name: 'last_seen', nullable: true })
      t.json({ name: 'settings', nullable: true })
      t.jsonb({ name: 'profile', defaultValue: '{}' })
      t.binary({ name: 'avatar', nullable: true })
      t.string({ name: 'tags', array: true, defaultValue: '{}' })
      t.enum({ name: 'moods', values: ['happy', 'sad'], array: true, nullable: true })
      t.string({ name: 'password_hash', redacted: true, createInput: 'optional', nullable: true })
      t.timestamps()
      t.hasOne({ name: 'profile_card', foreignTable: 'cards', foreignColumn: 'author_id' })
      t.hasMany({ name: 'books', foreignTable: 'books', foreignColumn: 'author_id' })
    },
  },
  {
    path: 'schemas/02_books.ts',
    tableName: 'books',
    order: 2,
    build(t) {
      t.uuid({ name: 'id', primaryKey: true })
      t.string({ name: 'title' })
      t.integer({ name: 'author_id' })
      t.belongsTo({ name: 'author', column: 'author_id', referencesTable: 'authors' })
      t.manyToMany({ name: 'genres', through: 'book_genres', targetTable: 'genres' })
    },
  },
  {
    path: 'schemas/03_cards.ts',
    tableName: 'cards',
    order: 3,
    build(t) {
      t.integer({ name: 'author_id' })
      t.integer({ name: 'edition' })
      t.primaryKey(['author_id', 'edition'])
      t.belongsTo({ name: 'author', column: 'author_id', referencesTable: 'authors' })
    },
  },
  {
    path: 'schemas/04_genres.ts',
    tableName: 'genres',
    order: 4,
    build(t) {
      t.uuid({ name: 'id', primaryKey: true })
      t.string({ name: 'label' })
    },
  },
]

export function compileKitchenSink(): SchemaIR {
  const result = compileSchema(KITCHEN_SINK_FILES)
  if (!result.ok) throw new Error(formatProblems(result.problems))
  return result.schema
}
