import { type Migration, migrate } from '@fluentorm/runtime'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend } from '../support/backends.ts'
import { handWritten, migrationOf, planMigration, schemaOf } from './support/migration-fixtures.ts'

/** The migrations applied so far: a run must list them before a new one. */
const history: Migration[] = []

/** The message of the migration that fails, which must fail. */
async function failure(backend: Backend<pg.Pool>, name: string, sql: string): Promise<string> {
  const error = await migrate(backend.db, [...history, handWritten(name, sql)]).then(
    () => null,
    (e: Error) => e,
  )
  expect(error).not.toBeNull()
  return error!.message
}

/** The query the message tells the user to run, run: the rows it finds. */
async function rowsOf(backend: Backend<pg.Pool>, message: string) {
  const query = /find the rows with (SELECT .*?), and fix them/.exec(message)?.[1]
  expect(query).toBeDefined()
  return (await backend.db.query(query!)).rows
}

/**
 * A migration that fails on rows already in a table says how to find them: errors carry no
 * row values (docs/SECURITY.md), so the message gives the query that lists the rows, and
 * where to fix them. A DEFAULT fills a new column's rows, but never the NULLs SET NOT NULL
 * meets.
 */
describe('what a migration that fails on existing rows tells the user', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend()
  })
  afterAll(() => backend?.close())

  it('nullable: true changed to a defaultValue: fill the NULLs first, a DEFAULT does not', async () => {
    const id = (t: Parameters<Parameters<typeof schemaOf>[0][string]>[0]) =>
      t.uuid({ name: 'id', primaryKey: true })
    const before = schemaOf({
      members: (t) => {
        id(t)
        t.string({ name: 'nick', nullable: true })
      },
    })
    const after = schemaOf({
      members: (t) => {
        id(t)
        t.string({ name: 'nick', defaultValue: 'anon' })
      },
    })
    history.push(migrationOf(1, planMigration(null, before)))
    await migrate(backend.db, history)
    await backend.db.query("INSERT INTO members (nick) VALUES (NULL), (NULL), ('kept')")
    const change = migrationOf(2, planMigration(before, after))
    // The lint, in the file's header, says so before anything runs.
    expect(change.sql).toContain(
      'SET NOT NULL on members.nick scans the whole table under an exclusive lock, and fails if a row holds NULL. A DEFAULT only covers rows inserted later: if rows may hold NULL, fill them first, in this migration before it (UPDATE members SET nick = … WHERE nick IS NULL).',
    )
    const message = await failure(backend, change.name, change.sql)
    expect(message).toContain(
      'column members.nick cannot be NOT NULL: rows of the table hold NULL in it (SELECT count(*) FROM members WHERE nick IS NULL counts them). A DEFAULT only covers rows inserted later: fill these in the migration, before SET NOT NULL (UPDATE members SET nick = … WHERE nick IS NULL)',
    )
    expect(message).not.toContain('Give the column a DEFAULT')
    const [counted] = (await backend.db.query('SELECT count(*) FROM members WHERE nick IS NULL'))
      .rows
    expect(counted).toEqual({ count: '2' })
  })

  it('a new NOT NULL column without a default: a DEFAULT does fill its rows', async () => {
    const message = await failure(
      backend,
      '0010_add_level',
      'ALTER TABLE members ADD COLUMN level int NOT NULL;',
    )
    expect(message).toContain(
      'column members.level cannot be NOT NULL: rows of the table have no value in it. Give the column a DEFAULT',
    )
  })

  it('a foreign key over rows whose key the other table lacks: the query that finds them', async () => {
    await backend.db.query(`
      CREATE TABLE owners (id int PRIMARY KEY);
      CREATE TABLE pets (id int PRIMARY KEY, owner_id int);
      INSERT INTO owners VALUES (1);
      INSERT INTO pets VALUES (1, 1), (2, 4242), (3, NULL);`)
    const message = await failure(
      backend,
      '0011_pets_owner',
      'ALTER TABLE pets ADD CONSTRAINT fk_pets_owner FOREIGN KEY (owner_id) REFERENCES owners (id);',
    )
    expect(message).toContain(
      'foreign key constraint fk_pets_owner on table pets violated: (owner_id) is not present in table "owners"; find the rows with SELECT owner_id FROM pets WHERE owner_id NOT IN (SELECT id FROM owners), and fix them in the migration, before this statement (errors show no row values)',
    )
    expect(message).not.toContain('4242')
    expect(await rowsOf(backend, message)).toEqual([{ owner_id: 4242 }])
    // VALIDATE CONSTRAINT does not name the referenced column: the query says what goes there.
    await backend.db.query(
      'ALTER TABLE pets ADD CONSTRAINT fk_pets_owner FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID',
    )
    const validated = await failure(
      backend,
      '0012_validate',
      'ALTER TABLE pets VALIDATE CONSTRAINT fk_pets_owner;',
    )
    expect(validated).toContain(
      'find the rows with SELECT owner_id FROM pets WHERE owner_id NOT IN (SELECT <the column(s) fk_pets_owner references> FROM owners)',
    )
  })

  it('a value an enum no longer has: the query that lists the values in use', async () => {
    await backend.db.query(`
      CREATE TYPE pets_kind AS ENUM ('cat', 'dog', 'ferret');
      ALTER TABLE pets ADD COLUMN kind pets_kind;
      UPDATE pets SET kind = 'ferret' WHERE id = 2;`)
    const message = await failure(
      backend,
      '0013_remove_ferret',
      `ALTER TYPE pets_kind RENAME TO pets_kind_fluentorm_old;
CREATE TYPE pets_kind AS ENUM ('cat', 'dog');
ALTER TABLE pets ALTER COLUMN kind TYPE pets_kind USING kind::text::pets_kind;`,
    )
    expect(message).toContain(
      'invalid input value for enum pets_kind; rows of pets hold a value of kind that enum pets_kind does not have; list the values in use with SELECT DISTINCT kind FROM pets, and fix them in the migration, before this statement (errors show no row values)',
    )
    expect(message).not.toContain('ferret"')
  })

  it('a unique index over duplicates, and a check over rows it rejects: the queries', async () => {
    await backend.db.query(
      "CREATE TABLE tags (id int PRIMARY KEY, label text, weight int); INSERT INTO tags VALUES (1, 'same', 1), (2, 'same', -5), (3, 'other', 2)",
    )
    const unique = await failure(
      backend,
      '0014_unique_label',
      'CREATE UNIQUE INDEX tags_label_key ON tags (label);',
    )
    expect(unique).toContain(
      'find the rows with SELECT label, count(*) FROM tags GROUP BY label HAVING count(*) > 1',
    )
    expect(unique).not.toContain("'same'")
    expect(await rowsOf(backend, unique)).toEqual([{ label: 'same', count: '2' }])
    const check = await failure(
      backend,
      '0015_weight_check',
      'ALTER TABLE tags ADD CONSTRAINT tags_weight_check CHECK (weight >= (0));',
    )
    expect(check).toContain(
      'check constraint tags_weight_check on table tags is violated by rows of the table; find the rows with SELECT * FROM tags WHERE NOT (weight >= (0))',
    )
    expect(await rowsOf(backend, check)).toEqual([{ id: 2, label: 'same', weight: -5 }])
  })
})
