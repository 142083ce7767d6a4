import type { TableSchema } from '@fluentorm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FluentOrmError } from '../../packages/runtime/src/errors/fluent-orm-error.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

const notes = (t: TableSchema) => {
  t.comment("Notes, each one's body kept in upper case")
  t.increments({ name: 'id', primaryKey: true })
  t.string({ name: 'body', comment: 'What was written' })
  t.trigger({
    name: 'notes_shout',
    timing: 'before',
    events: ['insert', 'update'],
    forEach: 'row',
    function: 'shout_body',
  })
}

// A function the schema does not declare: a hand-written migration's, as createTable finds it.
const SHOUT =
  'CREATE FUNCTION shout_body() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.body := upper(NEW.body); RETURN NEW; END $$'

/** createTable makes a table's comments and triggers, given the trigger's function exists. */
describe.each(BACKENDS)('createTable with comments and triggers on $name', ({ open }) => {
  const { Note } = modelsOf({ notes })
  let backend: Backend
  let db: any

  beforeAll(async () => {
    backend = await open()
    db = backend.db
  })
  afterAll(() => backend.close())

  it('refuses a trigger whose function does not exist, naming it, and makes nothing', async () => {
    const error = await Note.createTable(db).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(FluentOrmError)
    expect(error.code).toBe('42883')
    expect(error.message).toMatch(
      /^Note\.createTable failed: function shout_body\(\) does not exist/,
    )
    expect(error.message).toContain(
      'createTable makes the table and its triggers (notes_shout) of notes, not the functions they use. Create the function first: the migrations do (fluentorm migrate)',
    )
    expect(await Note.tableExists(db)).toBe(false)
  })

  it('makes the comments and the trigger, and runs again', async () => {
    expect(Note.meta.ddl.comments).toEqual([
      "COMMENT ON TABLE notes IS 'Notes, each one''s body kept in upper case'",
      "COMMENT ON COLUMN notes.body IS 'What was written'",
    ])
    expect(Note.meta.ddl.createTriggers).toEqual([
      'CREATE OR REPLACE TRIGGER notes_shout BEFORE INSERT OR UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION shout_body()',
    ])
    await db.query(SHOUT)
    await Note.createTable(db)
    await Note.createTable(db)
    const { rows: comments } = await db.query(
      `SELECT obj_description('notes'::regclass, 'pg_class') AS "table",
              col_description('notes'::regclass, 2) AS body`,
    )
    expect(comments).toEqual([
      { table: "Notes, each one's body kept in upper case", body: 'What was written' },
    ])
    const { rows: triggers } = await db.query(
      `SELECT tgname AS name, tgfoid::regproc::text AS function FROM pg_trigger
       WHERE tgrelid = 'notes'::regclass AND NOT tgisinternal`,
    )
    expect(triggers).toEqual([{ name: 'notes_shout', function: 'shout_body' }])
    const note = await Note.insert(db, { body: 'quiet' })
    expect(note.body).toBe('QUIET')
    expect((await Note.update(db, note.id, { body: 'still quiet' })).body).toBe('STILL QUIET')
  })
})
