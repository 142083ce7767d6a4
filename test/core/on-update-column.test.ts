import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseSnapshot, planMigration, type TableSchema, toModelMetas } from '@fluentorm/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, ROOT, schemaOf } from './support/schema-fixtures.ts'

const notes = (t: TableSchema) => {
  t.increments({ name: 'id', primaryKey: true })
  t.string({ name: 'body' })
  t.timestamptz({ name: 'edited_at', onUpdate: 'now', defaultValue: '2000-01-01 00:00:00Z' })
  t.dateTime({ name: 'touched_at', onUpdate: 'now', nullable: true })
  t.timestamps()
}

describe("onUpdate: 'now'", () => {
  it('lists the on-update columns in the table IR, updated_at included', () => {
    expect(schemaOf(file('notes', notes)).tables[0]?.updatedAt).toEqual([
      'edited_at',
      'touched_at',
      'updated_at',
    ])
    const plain = schemaOf(file('plain', (t) => t.increments({ name: 'id', primaryKey: true })))
    expect(plain.tables[0]?.updatedAt).toEqual([])
  })

  it('is no schema change: the migration diff and the snapshot hash ignore it', () => {
    const column = (onUpdate: boolean) =>
      schemaOf(
        file('notes', (t) => {
          t.increments({ name: 'id', primaryKey: true })
          t.timestamptz({ name: 'edited_at', ...(onUpdate ? { onUpdate: 'now' as const } : {}) })
        }),
      )
    const plan = planMigration(column(false), column(true))
    expect(plan.up).toEqual([])
    expect(plan.toHash).toBe(plan.fromHash)
  })

  it('reads a snapshot written before it (updatedAt: true) as the updated_at column', async () => {
    const text = await readFile(
      resolve(ROOT, 'test/core/fixtures/snapshot-before-time-mode.json'),
      'utf8',
    )
    const [meta] = toModelMetas(parseSnapshot(text, 'snapshot.json').schema)
    expect(meta?.table.updatedAt).toEqual(['updated_at'])
  })

  it('is refused with another value or on a column that is not a timestamp', () => {
    const messages = problemsOf(
      file('notes', (t) => {
        t.increments({ name: 'id', primaryKey: true })
        t.timestamptz({ name: 'a', onUpdate: 'later' as 'now' })
        t.string({ name: 'b', onUpdate: 'now' } as never)
      }),
    ).map((p) => p.message)
    expect(messages).toEqual([
      "Unknown option 'onUpdate' on a text column.",
      "onUpdate 'later' is not 'now'.",
    ])
  })
})

describe("onUpdate: 'now' on PostgreSQL", () => {
  let backend: Backend<pg.Pool>
  let Note: any
  beforeAll(async () => {
    backend = await pgBackend()
    await migrateUp(backend, null, schemaOf(file('notes', notes)))
    Note = modelsOf({ notes }).Note
  })
  afterAll(() => backend.close())

  const old = new Date('2000-01-01T00:00:00Z')

  it('sets every on-update column on a model update, and keeps a value the update gives', async () => {
    const note = await Note.insert(backend.db, { body: 'a' })
    expect(note.edited_at).toEqual(old)
    expect(note.touched_at).toBeNull()
    const updated = await Note.update(backend.db, note.id, { body: 'b' })
    expect(updated.edited_at.getTime()).toBeGreaterThan(old.getTime())
    expect(updated.touched_at).toBeInstanceOf(Date)
    const given = new Date('2010-05-06T07:08:09.123Z')
    const kept = await Note.update(backend.db, note.id, { body: 'c', edited_at: given })
    expect(kept.edited_at).toEqual(given)
    expect(kept.touched_at).toBeInstanceOf(Date)
  })

  it('sets them on query().update, unless given', async () => {
    const note = await Note.insert(backend.db, { body: 'q' })
    expect(await Note.query().where('id', note.id).update(backend.db, { body: 'r' })).toBe(1)
    const after = await Note.findById(backend.db, note.id)
    expect(after.edited_at.getTime()).toBeGreaterThan(old.getTime())
    const given = new Date('2011-01-01T00:00:00Z')
    await Note.query()
      .where('id', note.id)
      .update(backend.db, { body: 's', edited_at: given, touched_at: null })
    const last = await Note.findById(backend.db, note.id)
    expect(last.edited_at).toEqual(given)
    expect(last.touched_at).toBeNull()
  })
})
