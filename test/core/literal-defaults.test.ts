import type { PGlite } from '@electric-sql/pglite'
import { quoteLiteral, type TableSchema, tableDdl } from '@fluentorm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgliteBackend } from '../support/backends.ts'
import { file, problemsOf, schemaOf } from './support/schema-fixtures.ts'

type Builder = 'dateTime' | 'timestamptz' | 'date' | 'time' | 'interval' | 'binary'

/** The SQL type PostgreSQL reads each builder's literal as. */
const SQL_TYPE: Readonly<Record<Builder, string>> = {
  dateTime: 'timestamp',
  timestamptz: 'timestamptz',
  date: 'date',
  time: 'time',
  interval: 'interval',
  binary: 'bytea',
}

const ACCEPTED: Readonly<Record<Builder, readonly string[]>> = {
  dateTime: ['2024-01-31 09:30:00', '2024-01-31T09:30:00.123', '2024-02-29', 'epoch', 'infinity'],
  timestamptz: ['2024-01-31 09:30:00Z', '2024-01-31T09:30:00+05:30', '2024-01-31 09:30 UTC'],
  date: ['2024-01-31', '0044-03-15 BC', '-infinity'],
  time: ['09:30', '23:59:59.999999', '24:00:00', 'allballs'],
  interval: [
    '1 day',
    '2 hours 30 minutes',
    '01:30:00',
    '@ 1 year 2 mons ago',
    'P1DT2H',
    '-1.5 weeks',
  ],
  binary: ['\\x00ff', '\\x DE AD', 'plain', 'a\\\\b', '\\001'],
}

const REFUSED: Readonly<Record<Builder, readonly string[]>> = {
  dateTime: ['2024-13-01', '2024-02-30 10:00', 'next tuesday', '2024-01-31 25:00'],
  timestamptz: ['2024-01-31 09:61:00Z', 'yes'],
  date: ['2024-02-30', '31/01/2024x', '0000-01-01'],
  time: ['25:00', '9:30pm tomorrow', '12:60'],
  interval: ['1 dya', 'forever', '1 fortnight', ''],
  binary: ['\\xZZ', '\\x0', 'back\\slash', '\\9'],
}

function column(builder: Builder, defaultValue: string) {
  return (t: TableSchema) => {
    t.increments({ name: 'id', primaryKey: true })
    t[builder]({ name: 'value', defaultValue })
  }
}

/** Literal defaults the compiler can check are checked there, and agree with PostgreSQL. */
describe('literal defaults of temporal, interval and bytea columns', () => {
  let backend: Backend<PGlite>
  beforeAll(async () => {
    backend = await pgliteBackend()
  })
  afterAll(() => backend?.close())
  // As a literal, the way a DEFAULT holds it (PGlite would encode a bytea parameter itself).
  const reads = async (literal: string, type: string) =>
    backend.db.query(`SELECT ${quoteLiteral(literal)}::${type} AS v`).then(
      () => true,
      () => false,
    )

  const builders = Object.keys(SQL_TYPE) as Builder[]

  it.each(builders)(
    '%s: refuses what PostgreSQL refuses, naming file and column',
    async (builder) => {
      for (const literal of REFUSED[builder]) {
        const problems = problemsOf(file('events', column(builder, literal)))
        expect(problems).toEqual([
          expect.objectContaining({
            file: 'schemas/01_events.ts',
            table: 'events',
            column: 'value',
            message: expect.stringContaining(`The default '${literal}' is not a valid`),
          }),
        ])
        expect(await reads(literal, SQL_TYPE[builder])).toBe(false)
      }
    },
  )

  it.each(builders)('%s: takes what PostgreSQL takes, and the DDL applies', async (builder) => {
    for (const literal of ACCEPTED[builder]) {
      expect(await reads(literal, SQL_TYPE[builder])).toBe(true)
      const schema = schemaOf(file('events', column(builder, literal)))
      const ddl = tableDdl(schema.tables[0]!)
      await backend.db.exec(`DROP TABLE IF EXISTS events; ${ddl.createTable}`)
      await backend.db.exec('INSERT INTO events DEFAULT VALUES')
    }
  })
})
