import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  parseSnapshot,
  planMigration,
  type SchemaIR,
  type TimestampPrecisionOptions,
} from '@fluentorm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { ROOT, rows, runScript, schemaOf } from './support/schema-fixtures.ts'
import { events, eventsSql, timing } from './support/timestamp-columns.ts'

describe('the migration diff of a timestamp column', () => {
  const at = (options: TimestampPrecisionOptions) =>
    schemaOf(events((t) => t.timestamptz({ ...options, name: 'at' })))
  const rules = (from: SchemaIR, to: SchemaIR) =>
    planMigration(from, to).findings.map((finding) => finding.rule)

  it('retypes on a precision change, and flags only the narrowing one', () => {
    const micro = at({ mode: 'string' })
    const milli = at({ mode: 'string', precision: 3 })
    expect(planMigration(micro, milli).up).toEqual([
      'ALTER TABLE events ALTER COLUMN at TYPE TIMESTAMPTZ(3) USING at::TIMESTAMPTZ(3);',
    ])
    expect(rules(micro, milli)).toEqual(['narrowing-type-change'])
    expect(rules(milli, micro)).toEqual([])
  })

  it('widens timestamp to timestamptz only when the precision does not shrink', () => {
    const wall = (options: TimestampPrecisionOptions) =>
      schemaOf(events((t) => t.dateTime({ ...options, name: 'at' })))
    expect(rules(wall({}), at({}))).toEqual([])
    expect(rules(wall({ mode: 'string' }), at({}))).toEqual(['narrowing-type-change'])
  })

  it('finds nothing to migrate when the mode alone changes: it is how rows carry the value', () => {
    const plan = planMigration(at({}), at({ mode: 'string', precision: 3 }))
    expect(plan.up).toEqual([])
    expect(plan.toHash).toBe(plan.fromHash)
  })
})

describe('a snapshot written before timestamps had a precision', async () => {
  // Written by fluentorm before timestamps had a precision, from the schema `current` builds.
  const text = await readFile(
    resolve(ROOT, 'test/core/fixtures/snapshot-before-time-mode.json'),
    'utf8',
  )
  const old = parseSnapshot(text, 'migrations/meta/snapshot.json')
  const current = schemaOf(
    events((t) => {
      t.string({ name: 'title' })
      t.dateTime({ name: 'starts_at' })
      t.timestamps()
      t.softDelete()
    }),
  )

  it('reads as Date timestamps of the unqualified type, and timeMode null elsewhere', () => {
    expect(timing(old.schema)).toEqual([
      ['title', 'TEXT', null, null],
      ['starts_at', 'TIMESTAMP', null, 'date'],
      ['created_at', 'TIMESTAMPTZ', null, 'date'],
      ['updated_at', 'TIMESTAMPTZ', null, 'date'],
      ['deleted_at', 'TIMESTAMPTZ', null, 'date'],
    ])
  })

  it('diffs to the current schema as retypes to milliseconds, continuing its hash chain', () => {
    const plan = planMigration(old.schema, current)
    expect(plan.fromHash).toBe(old.hash)
    expect(plan.up).toEqual([
      'ALTER TABLE events ALTER COLUMN starts_at TYPE TIMESTAMP(3) USING starts_at::TIMESTAMP(3);',
      'ALTER TABLE events ALTER COLUMN created_at DROP DEFAULT;',
      'ALTER TABLE events ALTER COLUMN created_at TYPE TIMESTAMPTZ(3) USING created_at::TIMESTAMPTZ(3);',
      'ALTER TABLE events ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP;',
      'ALTER TABLE events ALTER COLUMN updated_at DROP DEFAULT;',
      'ALTER TABLE events ALTER COLUMN updated_at TYPE TIMESTAMPTZ(3) USING updated_at::TIMESTAMPTZ(3);',
      'ALTER TABLE events ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;',
      'ALTER TABLE events ALTER COLUMN deleted_at TYPE TIMESTAMPTZ(3) USING deleted_at::TIMESTAMPTZ(3);',
    ])
    expect(plan.findings.map((finding) => finding.message)).toEqual(
      ['starts_at', 'created_at', 'updated_at', 'deleted_at'].map((name) =>
        expect.stringContaining(`Changes events.${name} from TIMESTAMP`),
      ),
    )
    expect(plan.findings.every((finding) => finding.rule === 'narrowing-type-change')).toBe(true)
    expect(plan.down).toContain(
      'ALTER TABLE events ALTER COLUMN starts_at TYPE TIMESTAMP USING starts_at::TIMESTAMP;',
    )
  })

  it('diffs to mode: string columns as retypes to microseconds, which lose nothing', () => {
    const strings = schemaOf(
      events((t) => {
        t.string({ name: 'title' })
        t.dateTime({ name: 'starts_at', mode: 'string' })
        t.timestamps({ mode: 'string' })
        t.softDelete({ mode: 'string' })
      }),
    )
    const plan = planMigration(old.schema, strings)
    expect(plan.up).toContain(
      'ALTER TABLE events ALTER COLUMN deleted_at TYPE TIMESTAMPTZ(6) USING deleted_at::TIMESTAMPTZ(6);',
    )
    expect(plan.findings).toEqual([])
  })

  describe.each(BACKENDS)('applied to $name', ({ open }) => {
    let backend: Backend

    beforeAll(async () => {
      backend = await open()
      await runScript(backend, eventsSql(old.schema) ?? '')
    })
    afterAll(() => backend.close())

    it('rounds the stored microseconds to milliseconds', async () => {
      await runScript(
        backend,
        `INSERT INTO events (title, starts_at, deleted_at) VALUES
           ('a', '2024-05-01 12:00:00.123456', '2024-05-01 12:00:00.123456+00'),
           ('b', '2024-05-01 12:00:00.999600', '2024-05-01 12:00:00.999600+00');`,
      )
      await runScript(backend, planMigration(old.schema, current).up.join('\n'))
      const read = await rows<{ starts: string; deleted: string }>(
        backend,
        `SELECT to_char(starts_at, 'HH24:MI:SS.US') AS starts,
                to_char(deleted_at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS deleted
           FROM events ORDER BY title`,
      )
      expect(read).toEqual([
        { starts: '12:00:00.123000', deleted: '12:00:00.123000' },
        { starts: '12:00:01.000000', deleted: '12:00:01.000000' },
      ])
    })
  })
})
