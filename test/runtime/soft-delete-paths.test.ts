import { toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

type Row = Record<string, unknown>

/**
 * Soft-deleted rows stay out of every path that reads rows (issue 13, item 6): includes at
 * every depth, joins, manyToMany junctions, subqueries, relation filters and aggregates,
 * terminals, pages, set operations, and updates / deletes by condition. Every table here —
 * the junction too — has soft delete, and each table has deleted rows; each path is checked
 * against the same read written by hand with `deleted_at IS NULL` on every table.
 */
describe.each(BACKENDS)('soft delete on every path on $name', ({ open }) => {
  const { Author, Article, Label, ArticleLabel, Note } = modelsOf({
    authors: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.string({ name: 'name' })
      t.softDelete()
      t.hasMany({ name: 'articles', foreignTable: 'articles', foreignColumn: 'author_id' })
    },
    articles: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'author_id' })
      t.string({ name: 'title' })
      t.integer({ name: 'score', defaultValue: '0' })
      t.softDelete()
      t.belongsTo({ name: 'author', column: 'author_id', referencesTable: 'authors' })
      t.hasMany({ name: 'notes', foreignTable: 'notes', foreignColumn: 'article_id' })
      t.manyToMany({
        name: 'labels',
        targetTable: 'labels',
        through: 'article_labels',
        throughLocalColumn: 'article_id',
        throughForeignColumn: 'label_id',
      })
    },
    labels: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.string({ name: 'name' })
      t.softDelete()
    },
    article_labels: (t) => {
      t.integer({ name: 'article_id' })
      t.integer({ name: 'label_id' })
      t.primaryKey(['article_id', 'label_id'])
      t.softDelete()
    },
    notes: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'article_id' })
      t.integer({ name: 'author_id' })
      t.integer({ name: 'stars', defaultValue: '1' })
      t.softDelete()
      t.belongsTo({ name: 'author', column: 'author_id', referencesTable: 'authors' })
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows
  const live = (table: string) => `${table}.deleted_at IS NULL`

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    for (const model of [Author, Article, Label, ArticleLabel, Note]) await model.createTable(db)
    // 4 authors, 12 articles, 5 labels, links and notes; a deleted row in every table.
    await hand(`INSERT INTO authors (name) SELECT 'a' || i FROM generate_series(1, 4) i`)
    await hand(`INSERT INTO articles (author_id, title, score)
      SELECT 1 + i % 4, 't' || i, (i * 7) % 5 FROM generate_series(1, 12) i`)
    await hand(`INSERT INTO labels (name) SELECT 'l' || i FROM generate_series(1, 5) i`)
    await hand(`INSERT INTO article_labels (article_id, label_id)
      SELECT a, l FROM generate_series(1, 12) a, generate_series(1, 5) l WHERE (a + l) % 3 = 0`)
    await hand(`INSERT INTO notes (article_id, author_id, stars)
      SELECT 1 + i % 12, 1 + i % 4, 1 + i % 5 FROM generate_series(1, 40) i`)
    await hand('UPDATE authors SET deleted_at = now() WHERE id = 2')
    await hand('UPDATE articles SET deleted_at = now() WHERE id IN (3, 7)')
    await hand('UPDATE labels SET deleted_at = now() WHERE id = 2')
    await hand('UPDATE article_labels SET deleted_at = now() WHERE (article_id + label_id) % 2 = 0')
    await hand('UPDATE notes SET deleted_at = now() WHERE id % 5 = 0')
  })
  afterAll(() => backend.close())

  const ids = (rows: readonly object[]) => rows.map((row) => Number((row as Row).id))
  const byHand = async (text: string) => ids(await hand(text))

  it('includes at every depth: hasMany, belongsTo inside it, manyToMany through its junction', async () => {
    const rows: any[] = await Article.query()
      .orderBy('id')
      .include('notes', (q: any) => q.orderBy('id').include('author'))
      .include('labels', (q: any) => q.orderBy('id'))
      .fetch(db)
    expect(ids(rows)).toEqual(
      await byHand(`SELECT id FROM articles WHERE ${live('articles')} ORDER BY id`),
    )
    for (const row of rows) {
      const notes = await hand(`SELECT n.id, a.id AS author FROM notes n LEFT JOIN authors a
        ON a.id = n.author_id AND ${live('a')} WHERE n.article_id = ${row.id} AND ${live('n')} ORDER BY n.id`)
      expect(row.notes.map((n: any) => [n.id, n.author?.id ?? null])).toEqual(
        notes.map((n) => [n.id, n.author ?? null]),
      )
      const labels =
        await byHand(`SELECT l.id FROM labels l JOIN article_labels al ON al.label_id = l.id
        WHERE al.article_id = ${row.id} AND ${live('al')} AND ${live('l')} ORDER BY l.id`)
      expect(ids(row.labels)).toEqual(labels)
    }
    // The deleted author is null where a note points at it, so the check above can fail.
    expect(rows.some((row) => row.notes.some((n: any) => n.author === null))).toBe(true)
  })

  it('joins: inner drops, left nulls, and onlyDeleted lifts only the own filter', async () => {
    const inner = await Article.query()
      .join(Author, 'authors.id', 'author_id')
      .orderBy('id')
      .fetch(db)
    expect(ids(inner)).toEqual(
      await byHand(`SELECT articles.id FROM articles JOIN authors ON authors.id = articles.author_id
        AND ${live('authors')} WHERE ${live('articles')} ORDER BY articles.id`),
    )
    const left: any[] = await Article.query()
      .leftJoin(Author, 'authors.id', 'author_id')
      .select({ id: 'id', author: 'authors.name' })
      .orderBy('id')
      .fetch(db)
    const leftByHand = await hand(`SELECT articles.id, authors.name AS author FROM articles
      LEFT JOIN authors ON authors.id = articles.author_id AND ${live('authors')}
      WHERE ${live('articles')} ORDER BY articles.id`)
    expect(left).toEqual(leftByHand.map((row) => ({ id: row.id, author: row.author })))
    const deleted = await Article.query()
      .onlyDeleted()
      .join(Author, 'authors.id', 'author_id')
      .orderBy('id')
      .fetch(db)
    expect(ids(deleted)).toEqual(
      await byHand(`SELECT articles.id FROM articles JOIN authors ON authors.id = articles.author_id
        AND ${live('authors')} WHERE articles.deleted_at IS NOT NULL ORDER BY articles.id`),
    )
  })

  it('subqueries, relation filters and relation aggregates', async () => {
    const cases: [any, string][] = [
      [
        Article.query().whereIn('author_id', Author.query().select('id')),
        `author_id IN (SELECT id FROM authors WHERE ${live('authors')})`,
      ],
      [
        Article.query().whereExists(
          Note.query().whereColumn('article_id', '=', Article.column('id')),
        ),
        `EXISTS (SELECT 1 FROM notes n WHERE n.article_id = articles.id AND ${live('n')})`,
      ],
      [
        Article.query().whereHas('labels', (q: any) => q.where('name', 'l3')),
        `EXISTS (SELECT 1 FROM labels l JOIN article_labels al ON al.label_id = l.id
          WHERE al.article_id = articles.id AND ${live('al')} AND ${live('l')} AND l.name = 'l3')`,
      ],
      [
        Article.query().whereDoesntHave('notes'),
        `NOT EXISTS (SELECT 1 FROM notes n WHERE n.article_id = articles.id AND ${live('n')})`,
      ],
      [
        Article.query().whereHas('author'),
        `EXISTS (SELECT 1 FROM authors a WHERE a.id = articles.author_id AND ${live('a')})`,
      ],
    ]
    for (const [query, condition] of cases) {
      expect(ids(await query.orderBy('id').fetch(db))).toEqual(
        await byHand(
          `SELECT id FROM articles WHERE ${live('articles')} AND ${condition} ORDER BY id`,
        ),
      )
    }
    const counted: any[] = await Article.query()
      .select('id')
      .withCount('labels')
      .withCount('notes')
      .withExists('labels', { as: 'has_l1', where: (q: any) => q.where('name', 'l1') })
      .withSum('notes', 'stars')
      .orderBy('id')
      .fetch(db)
    const expected = await hand(`SELECT a.id,
        (SELECT count(*)::int FROM labels l JOIN article_labels al ON al.label_id = l.id
          WHERE al.article_id = a.id AND ${live('al')} AND ${live('l')}) AS labels,
        (SELECT count(*)::int FROM notes n WHERE n.article_id = a.id AND ${live('n')}) AS notes,
        EXISTS (SELECT 1 FROM labels l JOIN article_labels al ON al.label_id = l.id
          WHERE al.article_id = a.id AND ${live('al')} AND ${live('l')} AND l.name = 'l1') AS has_l1,
        (SELECT sum(stars)::float8 FROM notes n WHERE n.article_id = a.id AND ${live('n')}) AS stars
      FROM articles a WHERE ${live('a')} ORDER BY a.id`)
    expect(
      counted.map((row) => [
        row.id,
        row.labels_count,
        row.notes_count,
        row.has_l1,
        row.notes_sum_stars,
      ]),
    ).toEqual(expected.map((row) => [row.id, row.labels, row.notes, row.has_l1, row.stars]))
  })

  it('terminals, pages, cursors and set operations', async () => {
    const all = await byHand(`SELECT id FROM articles WHERE ${live('articles')} ORDER BY id`)
    expect(await Article.query().count(db)).toBe(all.length)
    expect(await Article.count(db)).toBe(all.length)
    expect(ids(await Article.findAll(db))).toEqual(all)
    expect(await Article.findById(db, 3)).toBeNull()
    expect(await Article.query().where('id', 7).exists(db)).toBe(false)
    expect((await Article.query().orderBy('id').pluck(db, 'id')).map(Number)).toEqual(all)
    const [sum] = await hand(
      `SELECT sum(score)::float8 AS s FROM articles WHERE ${live('articles')}`,
    )
    expect(await Article.query().sum(db, 'score')).toBe(sum!.s)
    const page = await Article.query().orderBy('id').paginate(db, 2, 4)
    expect(ids(page.rows)).toEqual(all.slice(4, 8))
    expect(page.total).toBe(all.length)
    const cursor = await Article.query().orderBy('id').cursorPaginate(db, { perPage: 4 })
    const next = await Article.query()
      .orderBy('id')
      .cursorPaginate(db, { perPage: 4, after: cursor.next })
    expect([...ids(cursor.rows), ...ids(next.rows)]).toEqual(all.slice(0, 8))
    const union = await Article.query()
      .where('score', '>', 2)
      .union(Article.query().where('author_id', 1))
      .orderBy('id')
      .fetch(db)
    expect(ids(union)).toEqual(
      await byHand(
        `SELECT id FROM articles WHERE ${live('articles')} AND (score > 2 OR author_id = 1) ORDER BY id`,
      ),
    )
    const cte = await Article.query()
      .with('top', Article.query().where('score', '>', 1))
      .orderBy('id')
      .fetch(db)
    expect(ids(cte)).toEqual(
      await byHand(`SELECT id FROM articles WHERE ${live('articles')} AND score > 1 ORDER BY id`),
    )
  })

  it('withDeleted on an include brings back deleted rows and links, and only there', async () => {
    const [row]: any[] = await Article.query()
      .where('id', 1)
      .include('labels', (q: any) => q.withDeleted().orderBy('id'))
      .include('notes', (q: any) => q.withDeleted().orderBy('id'))
      .fetch(db)
    expect(ids(row.labels)).toEqual(
      await byHand(
        'SELECT l.id FROM labels l JOIN article_labels al ON al.label_id = l.id WHERE al.article_id = 1 ORDER BY l.id',
      ),
    )
    expect(ids(row.notes)).toEqual(
      await byHand('SELECT id FROM notes WHERE article_id = 1 ORDER BY id'),
    )
  })

  it('updates and deletes by condition leave soft-deleted rows alone', async () => {
    const before = await hand(
      'SELECT id, score FROM articles WHERE deleted_at IS NOT NULL ORDER BY id',
    )
    const updated = await Article.query().where('score', '>=', 0).update(db, { score: 99 })
    expect(updated).toBe((await byHand(`SELECT id FROM articles WHERE ${live('articles')}`)).length)
    expect(
      await hand('SELECT id, score FROM articles WHERE deleted_at IS NOT NULL ORDER BY id'),
    ).toEqual(before)
    const earlier = await hand(
      'SELECT id, deleted_at::text AS at FROM notes WHERE deleted_at IS NOT NULL ORDER BY id',
    )
    const soft = await Note.query().where('stars', '>=', 0).softDelete(db)
    expect(soft).toBe(40 - earlier.length)
    // Every note is soft-deleted now: a delete by condition finds none of them.
    expect(await Note.query().where('stars', '>=', 0).delete(db)).toBe(0)
    expect(await hand('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 40 }])
    const list = earlier.map((row) => row.id).join(', ')
    expect(
      await hand(`SELECT id, deleted_at::text AS at FROM notes WHERE id IN (${list}) ORDER BY id`),
    ).toEqual(earlier)
  })
})
