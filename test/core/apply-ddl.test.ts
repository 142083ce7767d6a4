import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { generateTableFiles } from '@fluentorm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { file, loadValid, ROOT, rows, runScript, schemaOf } from './support/schema-fixtures.ts'

/** The catalog as one line per column, constraint and index, with the schema name removed. */
async function readCatalog(backend: Backend): Promise<string> {
  const columns = await rows<Record<string, string>>(
    backend,
    `SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
            || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END
            || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
            || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS line
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    [backend.schema],
  )
  const constraints = await rows<Record<string, string>>(
    backend,
    `SELECT c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) AS line
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND k.contype <> 'n' -- PostgreSQL 18 (PGlite) lists NOT NULL as constraints
      ORDER BY c.relname, k.conname`,
    [backend.schema],
  )
  const indexes = await rows<Record<string, string>>(
    backend,
    `SELECT indexdef AS line FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname`,
    [backend.schema],
  )
  const enums = await rows<Record<string, string>>(
    backend,
    `SELECT t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS line
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 GROUP BY t.typname ORDER BY t.typname`,
    [backend.schema],
  )
  return [...columns, ...constraints, ...indexes, ...enums]
    .map((row) => String(row.line).replaceAll(`${backend.schema}.`, ''))
    .join('\n')
    .concat('\n')
}

describe.each(BACKENDS)('generated files applied to $name', ({ open }) => {
  let backend: Backend
  let files: string[]
  let firstCatalog: string

  beforeAll(async () => {
    backend = await open()
    const example = generateTableFiles(await loadValid('schemas'))
    const golden = generateTableFiles(await loadValid('test/core/fixtures/golden'))
    files = [...example.values(), ...golden.values()]
    for (const content of files) await runScript(backend, content)
    firstCatalog = await readCatalog(backend)
  })
  afterAll(() => backend.close())

  it('apply in order a second time without error or change', async () => {
    for (const content of files) await runScript(backend, content)
    expect(await readCatalog(backend)).toBe(firstCatalog)
  })

  it('leave the catalog described in test/core/golden/catalog.txt', async () => {
    const path = resolve(ROOT, 'test/core/golden/catalog.txt')
    // UPDATE_GOLDEN=1 rewrites it from PostgreSQL; PGlite must then agree with it.
    if (process.env.UPDATE_GOLDEN === '1' && backend.name === 'pg')
      await writeFile(path, firstCatalog)
    const expected = await readFile(path, 'utf8')
    expect(firstCatalog).toBe(expected)
  })

  it('give the example the guide promises: defaults fill in and FKs cascade', async () => {
    const [user] = await rows<{ id: string; created_at: Date; deleted_at: null }>(
      backend,
      `INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada') RETURNING *`,
    )
    expect(user?.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(user?.deleted_at).toBeNull()
    const [post] = await rows<{ is_published: boolean; view_count: number }>(
      backend,
      `INSERT INTO posts (title, user_id) VALUES ('Hello', $1) RETURNING *`,
      [user?.id],
    )
    expect(post).toMatchObject({ is_published: false, view_count: 0 })
    await rows(backend, 'DELETE FROM users WHERE id = $1', [user?.id])
    expect(await rows(backend, 'SELECT * FROM posts')).toEqual([])
  })

  it('place an FK of a cycle through a nullable column in the later table file', async () => {
    const schema = schemaOf(
      file('teams', (t) => {
        t.uuid({ name: 'id', primaryKey: true })
        t.uuid({ name: 'captain_id', nullable: true })
        t.belongsTo({
          name: 'captain',
          column: 'captain_id',
          referencesTable: 'players',
          onDelete: 'set null',
        })
      }),
      file(
        'players',
        (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.uuid({ name: 'team_id' })
          t.belongsTo({ name: 'team', column: 'team_id', referencesTable: 'teams' })
        },
        2,
      ),
    )
    const generated = generateTableFiles(schema)
    expect([...generated.keys()]).toEqual(['teams.sql', 'players.sql'])
    expect(generated.get('teams.sql')).not.toContain('fk_teams_captain')
    expect(generated.get('players.sql')).toContain('-- Apply after: teams.sql\n')
    expect(generated.get('players.sql')).toContain(
      'ALTER TABLE teams ADD CONSTRAINT fk_teams_captain',
    )
    for (let run = 0; run < 2; run++) {
      for (const content of generated.values()) await runScript(backend, content)
    }
    const actions = await rows<{ conname: string; confdeltype: string }>(
      backend,
      `SELECT conname, confdeltype::text FROM pg_constraint WHERE conname IN ('fk_teams_captain', 'fk_players_team') ORDER BY conname`,
    )
    expect(actions).toEqual([
      { conname: 'fk_players_team', confdeltype: 'a' },
      { conname: 'fk_teams_captain', confdeltype: 'n' },
    ])
  })
})
