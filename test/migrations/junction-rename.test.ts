import { down, migrate, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { type Build, migrationOf, planMigration, schemaOf } from './support/migration-fixtures.ts'

const genres: Build = (t) => {
  t.increments({ name: 'id', primaryKey: true })
  t.string({ name: 'name' })
}
const people =
  (renamedFrom?: string): Build =>
  (t) => {
    if (renamedFrom) t.renamedFrom(renamedFrom)
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.manyToMany({ name: 'genres', targetTable: 'genres' })
  }

const before = schemaOf({ authors: people(), genres })
const after = schemaOf({ writers: people('authors'), genres })

/** Renaming a table renames the junction table fluentorm made for it, its links kept. */
describe.each(BACKENDS)('a renamed table with a manyToMany on $name', ({ open }) => {
  let backend: Backend
  beforeAll(async () => {
    backend = await open()
  })
  afterAll(() => backend?.close())

  it('renames the junction table and its column instead of dropping them', async () => {
    const plan = planMigration(before, after)
    expect(plan.up.join('\n')).not.toMatch(/DROP TABLE/)
    expect(plan.findings.filter((f) => f.severity === 'error')).toEqual([])
    const first = migrationOf(1, planMigration(null, before))
    const second = migrationOf(2, plan)
    await migrate(backend.db, [first])
    const db = toDriver(backend.db)
    await db.exec(`INSERT INTO authors (name) VALUES ('Le Guin'), ('Borges');
      INSERT INTO genres (name) VALUES ('fantasy'), ('essay');
      INSERT INTO authors_genres (author_id, genre_id) VALUES (1, 1), (2, 2), (2, 1)`)
    await migrate(backend.db, [first, second])
    const links = await db.query<{ writer: string; genre: string }>({
      text: `SELECT w.name AS writer, g.name AS genre FROM genres_writers j
        JOIN writers w ON w.id = j.writer_id JOIN genres g ON g.id = j.genre_id ORDER BY 1, 2`,
    })
    expect(links.rows).toEqual([
      { writer: 'Borges', genre: 'essay' },
      { writer: 'Borges', genre: 'fantasy' },
      { writer: 'Le Guin', genre: 'fantasy' },
    ])
    // And back: the rollback renames them again.
    await down(backend.db, { migrations: [first, second], steps: 1 })
    const back = await db.query<{ n: number }>({
      text: 'SELECT count(*)::int AS n FROM authors_genres',
    })
    expect(back.rows[0]?.n).toBe(3)
  })
})
