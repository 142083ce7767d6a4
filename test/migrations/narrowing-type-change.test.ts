import type { Migration } from '@fluentorm/runtime'
import { migrate, toDriver } from '@fluentorm/runtime'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { lintChanges } from '../../packages/core/src/migration/migration-lint.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { type Build, migrationOf, planMigration, schemaOf } from './support/migration-fixtures.ts'

/** `items` with one column built by `column`, beside its key. */
const items =
  (column: Build): Build =>
  (t) => {
    t.increments({ name: 'id', primaryKey: true })
    column(t)
  }

// Each narrowing that PostgreSQL's cast performs without an error, with a value it would
// change and one it keeps.
const CASES = [
  {
    what: 'a shorter varchar cuts text',
    from: items((t) => t.varchar({ name: 'v', nullable: true, length: 100 })),
    to: items((t) => t.varchar({ name: 'v', nullable: true, length: 5 })),
    changed: "'Alexander the Great'",
    kept: "'Alex'",
  },
  {
    what: 'text into a varchar cuts it',
    from: items((t) => t.text({ name: 'v', nullable: true })),
    to: items((t) => t.varchar({ name: 'v', nullable: true, length: 3 })),
    changed: "'abcd'",
    kept: "'abc'",
  },
  {
    what: 'a numeric with fewer decimals rounds',
    from: items((t) => t.decimal({ name: 'v', nullable: true, precision: 10, scale: 2 })),
    to: items((t) => t.decimal({ name: 'v', nullable: true, precision: 10, scale: 0 })),
    changed: '12.34',
    kept: '12.00',
  },
  {
    what: 'an integer from a double rounds',
    from: items((t) => t.double({ name: 'v', nullable: true })),
    to: items((t) => t.integer({ name: 'v', nullable: true })),
    changed: '1.5',
    kept: '2',
  },
  {
    what: 'a date from a timestamptz drops the time',
    from: items((t) => t.timestamptz({ name: 'v', nullable: true })),
    to: items((t) => t.date({ name: 'v', nullable: true })),
    changed: "'2024-01-02 10:30:00+00'",
    kept: "'2024-01-02 00:00:00+00'",
  },
] as const

describe.each(BACKENDS)('a narrowing type change on $name', ({ open }) => {
  let backend: Backend
  beforeEach(async () => {
    backend = await open()
    // The date case compares midnight in the session's zone.
    await toDriver(backend.db).exec("SET TimeZone = 'UTC'")
  })
  afterEach(() => backend?.close())

  const read = async () =>
    (
      await toDriver(backend.db).query<{ v: string | null }>({
        text: 'SELECT v::text AS v FROM items ORDER BY id',
      })
    ).rows.map((row) => row.v)

  it.each(CASES)('$what: the migration stops and changes nothing', async (c) => {
    const first = migrationOf(1, planMigration(null, schemaOf({ items: c.from })))
    await migrate(backend.db, [first])
    await toDriver(backend.db).exec(`INSERT INTO items (v) VALUES (${c.changed}), (NULL)`)
    const before = await read()
    const plan = planMigration(schemaOf({ items: c.from }), schemaOf({ items: c.to }))
    const second: Migration = migrationOf(2, plan)
    const failed = await migrate(backend.db, [first, second]).catch((error: Error) => error)
    expect(failed).toBeInstanceOf(Error)
    expect((failed as Error).message).toMatch(/items\.v holds values that .* would cut or round/)
    // The message says where and what to do, never the value.
    expect((failed as Error).message).not.toContain(c.changed.replaceAll("'", ''))
    expect(await read()).toEqual(before)
  })

  it.each(CASES)('$what: values the new type keeps go through', async (c) => {
    const first = migrationOf(1, planMigration(null, schemaOf({ items: c.from })))
    await migrate(backend.db, [first])
    await toDriver(backend.db).exec(`INSERT INTO items (v) VALUES (${c.kept}), (NULL)`)
    const plan = planMigration(schemaOf({ items: c.from }), schemaOf({ items: c.to }))
    const second = migrationOf(2, plan)
    expect((await migrate(backend.db, [first, second])).applied).toEqual([second.name])
    const kept = await toDriver(backend.db).query<{ same: boolean }>({
      text: `SELECT count(*) = 1 AS same FROM items WHERE v = CAST(${c.kept} AS ${
        plan.changes.find((change) => change.kind === 'alterColumnType')?.to.sqlType
      })`,
    })
    expect(kept.rows[0]?.same).toBe(true)
  })
})

describe('the narrowing lint', () => {
  it('says the migration checks the rows where the cast would change values silently', () => {
    const [c] = CASES
    const plan = planMigration(schemaOf({ items: c.from }), schemaOf({ items: c.to }))
    const [finding] = lintChanges(plan.changes)
    expect(finding?.rule).toBe('narrowing-type-change')
    expect(finding?.message).toContain('the migration first checks every row and stops')
  })
})
