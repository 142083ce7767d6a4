import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Executor } from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

const { Shelf, Book } = modelsOf({
  shelves(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.hasMany({ name: 'books', foreignTable: 'books', foreignColumn: 'shelf_id' })
  },
  books(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'shelf_id' })
    t.enum({ name: 'genres', values: ['crime', 'sci-fi', 'odd "one"'], array: true })
    t.belongsTo({ name: 'shelf', column: 'shelf_id', referencesTable: 'shelves' })
  },
})

/** An enum array's type is the database's own; without a cast it would come back as '{a,b}'. */
describe.each(BACKENDS)('enum arrays on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Shelf.createTable(db)
    await Book.createTable(db)
  })
  afterAll(() => backend?.close())

  it('come back as arrays of labels from every read path', async () => {
    const shelf = await Shelf.insert(db, {})
    const genres = ['sci-fi', 'odd "one"']
    const book = await Book.insert(db, { shelf_id: shelf.id, genres })
    expect(book.genres).toEqual(genres)
    expect((await Book.findById(db, book.id)).genres).toEqual(genres)
    expect((await Book.findAll(db))[0].genres).toEqual(genres)
    expect((await Book.update(db, book.id, { genres: ['crime'] })).genres).toEqual(['crime'])
    expect(await Book.query().where('id', book.id).pluck(db, 'genres')).toEqual([['crime']])
    const [withShelf] = await Shelf.query().include('books').fetch(db)
    expect(withShelf.books[0].genres).toEqual(['crime'])
    const [joined] = await Shelf.query()
      .join(Book, 'books.shelf_id', 'id')
      .select('id', 'books.genres')
      .fetch(db)
    expect(joined.genres).toEqual(['crime'])
    const [renamed] = await Shelf.query()
      .join(Book, 'books.shelf_id', 'id')
      .select({ shelf: 'id', labels: 'books.genres' })
      .fetch(db)
    expect(renamed).toEqual({ shelf: shelf.id, labels: ['crime'] })
  })
})
