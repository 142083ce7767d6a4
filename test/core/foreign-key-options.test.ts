import {
  detectDrift,
  generateDts,
  planMigration,
  type TableSchema,
  tableDdl,
} from '@fluentorm/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, schemaOf } from './support/schema-fixtures.ts'

type Key = {
  constraint?: boolean
  deferrable?: 'immediate' | 'deferred'
  onDelete?: 'cascade'
}
const authors = (t: TableSchema) => t.increments({ name: 'id', primaryKey: true })
const books = (key: Key) => (t: TableSchema) => {
  t.increments({ name: 'id', primaryKey: true })
  t.integer({ name: 'author_id' })
  t.belongsTo({ name: 'author', column: 'author_id', referencesTable: 'authors', ...key })
}
const schema = (key: Key) => schemaOf(file('authors', authors), file('books', books(key), 2))
const booksOf = (key: Key) => schema(key).tables.find((t) => t.name === 'books')!

describe('belongsTo({ constraint: false }) and deferrable', () => {
  it('writes no FOREIGN KEY without a constraint, and DEFERRABLE INITIALLY … with one', () => {
    expect(tableDdl(booksOf({ constraint: false })).foreignKeys).toEqual([])
    expect(planMigration(null, schema({ constraint: false })).up.join('\n')).not.toContain(
      'FOREIGN KEY',
    )
    expect(tableDdl(booksOf({ deferrable: 'deferred' })).foreignKeys[0]).toContain(
      'ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED;',
    )
    expect(planMigration(null, schema({ deferrable: 'immediate' })).up).toContain(
      'ALTER TABLE books ADD CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;',
    )
    // Without a constraint the row may be missing: the relation is not required in the types.
    expect(generateDts(schema({}))).toContain(
      'readonly author: { readonly target: AuthorTypes; readonly many: false; readonly required: true }',
    )
    expect(generateDts(schema({ constraint: false }))).toContain(
      'readonly author: { readonly target: AuthorTypes; readonly many: false }',
    )
  })

  it('diffs dropping and adding the constraint, and a change of deferrability, both ways', () => {
    const drop = planMigration(schema({}), schema({ constraint: false }))
    expect(drop.up).toEqual(['ALTER TABLE books DROP CONSTRAINT IF EXISTS fk_books_author;'])
    expect(drop.down).toEqual([
      'ALTER TABLE books ADD CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE NO ACTION ON UPDATE NO ACTION NOT VALID;',
      'ALTER TABLE books VALIDATE CONSTRAINT fk_books_author;',
    ])
    // Only the deferrability changed: altered in place, the key neither dropped nor re-validated.
    const defer = planMigration(schema({}), schema({ deferrable: 'deferred' }))
    expect(defer.name).toBe('defer_fk_books_author')
    expect(defer.up).toEqual([
      'ALTER TABLE books ALTER CONSTRAINT fk_books_author DEFERRABLE INITIALLY DEFERRED;',
    ])
    expect(defer.down).toEqual([
      'ALTER TABLE books ALTER CONSTRAINT fk_books_author NOT DEFERRABLE;',
    ])
    const later = planMigration(
      schema({ deferrable: 'immediate' }),
      schema({ deferrable: 'deferred' }),
    )
    expect(later.up).toEqual([
      'ALTER TABLE books ALTER CONSTRAINT fk_books_author DEFERRABLE INITIALLY DEFERRED;',
    ])
    expect(later.down).toEqual([
      'ALTER TABLE books ALTER CONSTRAINT fk_books_author DEFERRABLE INITIALLY IMMEDIATE;',
    ])
    // Another change to the key as well: drop + add, carrying the new deferrability.
    const cascade = planMigration(
      schema({}),
      schema({ deferrable: 'deferred', onDelete: 'cascade' }),
    )
    expect(cascade.up).toEqual([
      'ALTER TABLE books DROP CONSTRAINT IF EXISTS fk_books_author;',
      'ALTER TABLE books ADD CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED NOT VALID;',
      'ALTER TABLE books VALIDATE CONSTRAINT fk_books_author;',
    ])
    expect(planMigration(schema({ constraint: false }), schema({ constraint: false })).up).toEqual(
      [],
    )
    // The options absent, the IR is what it was before them: the same snapshot hash.
    expect(booksOf({}).relations[0]).not.toHaveProperty('constraint')
    expect(booksOf({ constraint: true }).relations[0]).not.toHaveProperty('constraint')
  })

  it('refuses other values, and deferrable without a constraint', () => {
    const messages = (key: object) =>
      problemsOf(file('authors', authors), file('books', books(key as Key), 2)).map(
        (p) => p.message,
      )
    expect(messages({ deferrable: 'later' })).toEqual([
      "deferrable 'later' is not 'immediate' or 'deferred'.",
    ])
    expect(messages({ constraint: 'no' })).toEqual(['constraint is not true or false.'])
    expect(messages({ constraint: false, deferrable: 'deferred' })).toEqual([
      'deferrable is set on a belongsTo with constraint: false, which has no constraint to defer.',
    ])
  })
})

describe('foreign key options on PostgreSQL', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend()
  })
  afterAll(() => backend.close())

  const catalogOf = (client: pg.PoolClient) => ({
    query: async <R>(text: string, values?: readonly unknown[]) =>
      (await client.query(text, values as unknown[])).rows as R[],
  })
  const keys = () =>
    catalogRows(
      backend,
      `SELECT con.conname AS name, con.condeferrable AS deferrable, con.condeferred AS deferred
       FROM pg_constraint con WHERE con.contype = 'f' AND con.connamespace = $1::regnamespace`,
    )

  it('has no constraint, includes still work; then a deferred one, checked at commit', async () => {
    const create = await migrateUp(backend, null, schema({ constraint: false }))
    expect(await keys()).toEqual([])
    const { Author, Book } = modelsOf({ authors, books: books({ constraint: false }) })
    const author = await Author.insert(backend.db, {})
    await Book.insert(backend.db, { author_id: author.id })
    await Book.insert(backend.db, { author_id: 999 })
    const rows = await Book.query().include('author').orderBy('id').fetch(backend.db)
    expect(rows.map((r: any) => r.author?.id ?? null)).toEqual([author.id, null])
    await backend.db.query('DELETE FROM books WHERE author_id = 999')

    const deferred = await migrateUp(
      backend,
      schema({ constraint: false }),
      schema({ deferrable: 'deferred' }),
    )
    expect(await keys()).toEqual([{ name: 'fk_books_author', deferrable: true, deferred: true }])
    const client = await backend.db.connect()
    try {
      await client.query('BEGIN')
      await client.query('INSERT INTO books (author_id) VALUES (1000)')
      await client.query('INSERT INTO authors (id) OVERRIDING SYSTEM VALUE VALUES (1000)')
      await client.query('COMMIT')
      await client.query('BEGIN')
      await client.query('INSERT INTO books (author_id) VALUES (1001)')
      await expect(client.query('COMMIT')).rejects.toThrow(/violates foreign key constraint/)
    } finally {
      client.release()
    }
    // Deferrability changed in place, both ways, against the catalog.
    const immediate = await migrateUp(
      backend,
      schema({ deferrable: 'deferred' }),
      schema({ deferrable: 'immediate' }),
    )
    expect(await keys()).toEqual([{ name: 'fk_books_author', deferrable: true, deferred: false }])
    // The drift check, told the key should be deferred, names the difference.
    const session = await backend.db.connect()
    try {
      expect(
        await detectDrift(catalogOf(session), schema({ deferrable: 'deferred' }), backend.schema),
      ).toEqual({
        ok: true,
        differences: [
          {
            object: 'foreign key fk_books_author on books',
            expected: 'DEFERRABLE INITIALLY DEFERRED',
            found: 'DEFERRABLE INITIALLY IMMEDIATE',
          },
        ],
      })
    } finally {
      session.release()
    }
    const notDeferrable = await migrateUp(backend, schema({ deferrable: 'immediate' }), schema({}))
    expect(await keys()).toEqual([{ name: 'fk_books_author', deferrable: false, deferred: false }])
    const strictClient = await backend.db.connect()
    try {
      await strictClient.query('BEGIN')
      await expect(
        strictClient.query('INSERT INTO books (author_id) VALUES (1002)'),
      ).rejects.toThrow(/violates foreign key constraint/)
    } finally {
      await strictClient.query('ROLLBACK')
      strictClient.release()
    }
    await migrateDown(backend, notDeferrable)
    expect(await keys()).toEqual([{ name: 'fk_books_author', deferrable: true, deferred: false }])
    await migrateDown(backend, immediate)
    expect(await keys()).toEqual([{ name: 'fk_books_author', deferrable: true, deferred: true }])
    await migrateDown(backend, deferred)
    expect(await keys()).toEqual([])
    await migrateDown(backend, create)
  })
})
