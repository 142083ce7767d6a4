import { generateDts } from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { problemsOf, schemaOf } from './support/schema-fixtures.ts'
import { events, eventsSql, timing } from './support/timestamp-columns.ts'

describe('timestamp precision', () => {
  it('gives every timestamp builder milliseconds and Date rows by default', () => {
    const schema = schemaOf(
      events((t) => {
        t.dateTime({ name: 'starts_at' })
        t.timestamptz({ name: 'stored_at', nullable: true })
        t.timestamptz({ name: 'history', array: true })
        t.timestamps()
        t.softDelete()
      }),
    )
    expect(timing(schema)).toEqual([
      ['starts_at', 'TIMESTAMP(3)', 3, 'date'],
      ['stored_at', 'TIMESTAMPTZ(3)', 3, 'date'],
      ['history', 'TIMESTAMPTZ(3)[]', 3, 'date'],
      ['created_at', 'TIMESTAMPTZ(3)', 3, 'date'],
      ['updated_at', 'TIMESTAMPTZ(3)', 3, 'date'],
      ['deleted_at', 'TIMESTAMPTZ(3)', 3, 'date'],
    ])
    expect(eventsSql(schema)).toContain(`CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  starts_at TIMESTAMP(3) NOT NULL,
  stored_at TIMESTAMPTZ(3),
  history TIMESTAMPTZ(3)[] NOT NULL,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TIMESTAMPTZ(3)
);`)
  })

  it('takes precision 0 to 3 with Date rows, and microseconds with mode: string', () => {
    const schema = schemaOf(
      events((t) => {
        t.dateTime({ name: 'day_start', precision: 0 })
        t.timestamptz({ name: 'logged_at', precision: 2 })
        t.timestamptz({ name: 'traced_at', mode: 'string' })
        t.dateTime({ name: 'sampled_at', mode: 'string', precision: 4 })
        t.timestamptz({ name: 'billed_at', mode: 'string', precision: 3 })
        t.timestamps({ precision: 0 })
        t.softDelete({ mode: 'string' })
      }),
    )
    expect(timing(schema)).toEqual([
      ['day_start', 'TIMESTAMP(0)', 0, 'date'],
      ['logged_at', 'TIMESTAMPTZ(2)', 2, 'date'],
      ['traced_at', 'TIMESTAMPTZ(6)', 6, 'string'],
      ['sampled_at', 'TIMESTAMP(4)', 4, 'string'],
      ['billed_at', 'TIMESTAMPTZ(3)', 3, 'string'],
      ['created_at', 'TIMESTAMPTZ(0)', 0, 'date'],
      ['updated_at', 'TIMESTAMPTZ(0)', 0, 'date'],
      ['deleted_at', 'TIMESTAMPTZ(6)', 6, 'string'],
    ])
    expect(eventsSql(schema)).toContain(`
  day_start TIMESTAMP(0) NOT NULL,
  logged_at TIMESTAMPTZ(2) NOT NULL,
  traced_at TIMESTAMPTZ(6) NOT NULL,
  sampled_at TIMESTAMP(4) NOT NULL,
  billed_at TIMESTAMPTZ(3) NOT NULL,
  created_at TIMESTAMPTZ(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(0) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TIMESTAMPTZ(6)
);`)
  })

  it('leaves precision and timeMode null on the other date and time types', () => {
    const schema = schemaOf(
      events((t) => {
        t.date({ name: 'day' })
        t.time({ name: 'clock' })
        t.interval({ name: 'duration' })
        t.string({ name: 'label' })
      }),
    )
    expect(timing(schema)).toEqual([
      ['day', 'DATE', null, null],
      ['clock', 'TIME', null, null],
      ['duration', 'INTERVAL', null, null],
      ['label', 'TEXT', null, null],
    ])
  })

  it('types a mode: string column as string in rows and inputs, and the others as Date', () => {
    const dts = generateDts(
      schemaOf(
        events((t) => {
          t.timestamptz({ name: 'traced_at', mode: 'string' })
          t.dateTime({ name: 'seen_at', mode: 'string', nullable: true })
          t.timestamptz({ name: 'logged_at' })
        }),
      ),
    )
    const block = (name: string) =>
      new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n  \\}`).exec(dts)?.[1]
    expect(block('EventRow')).toContain(`
    /** \`TIMESTAMPTZ(6) NOT NULL\` */
    traced_at: string
    /** \`TIMESTAMP(6)\` */
    seen_at: string | null
    /** \`TIMESTAMPTZ(3) NOT NULL\` */
    logged_at: Date`)
    expect(block('EventCreate')).toBe(
      '    traced_at: string\n    seen_at?: string | null\n    logged_at: Date',
    )
    expect(block('EventUpdate')).toBe(
      '    traced_at?: string\n    seen_at?: string | null\n    logged_at?: Date',
    )
  })
})

describe('timestamp options that are problems', () => {
  it('reports a precision a Date cannot hold, and says what to do', () => {
    expect(problemsOf(events((t) => t.timestamptz({ name: 'traced_at', precision: 6 })))).toEqual([
      {
        file: 'schemas/01_events.ts',
        table: 'events',
        column: 'traced_at',
        message:
          'The timestamptz column keeps 6 digits of fractional seconds, but its rows carry a Date.',
        hint: "A JavaScript Date holds milliseconds: values read back would not find their row; use precision ≤ 3 or mode: 'string'.",
      },
    ])
  })

  it('reports the same for the helpers and for a timestamp without time zone', () => {
    const problems = problemsOf(
      events((t) => {
        t.dateTime({ name: 'sampled_at', precision: 4 })
        t.timestamps({ precision: 6 })
        t.softDelete({ precision: 5 })
      }),
    )
    expect(problems.map((problem) => [problem.column, problem.message])).toEqual([
      [
        'sampled_at',
        'The timestamp column keeps 4 digits of fractional seconds, but its rows carry a Date.',
      ],
      [
        'created_at',
        'The timestamptz column keeps 6 digits of fractional seconds, but its rows carry a Date.',
      ],
      [
        'updated_at',
        'The timestamptz column keeps 6 digits of fractional seconds, but its rows carry a Date.',
      ],
      [
        'deleted_at',
        'The timestamptz column keeps 5 digits of fractional seconds, but its rows carry a Date.',
      ],
    ])
  })

  it('reports a precision out of range and a mode that is not one', () => {
    const mode = 'text' as 'string'
    const problems = problemsOf(
      events((t) => {
        t.timestamptz({ name: 'a', precision: 7 })
        t.timestamptz({ name: 'b', precision: -1 })
        t.dateTime({ name: 'c', precision: 1.5 })
        t.timestamptz({ name: 'd', mode })
      }),
    )
    expect(problems.map((problem) => [problem.column, problem.message, problem.hint])).toEqual([
      ['a', 'timestamptz precision 7 is out of range.', 'Use a whole number from 0 to 6.'],
      ['b', 'timestamptz precision -1 is out of range.', 'Use a whole number from 0 to 6.'],
      ['c', 'timestamp precision 1.5 is out of range.', 'Use a whole number from 0 to 6.'],
      [
        'd',
        "mode 'text' is not one of date, string.",
        "Use mode: 'date' (rows carry a Date) or mode: 'string' (rows carry PostgreSQL's text).",
      ],
    ])
  })

  it('accepts precision and mode only where they mean something', () => {
    // Variables, not literals: TypeScript already refuses these options in a literal.
    const textMode = { name: 'label', mode: 'string' }
    const integerPrecision = { name: 'rank', precision: 3 }
    const dateMode = { name: 'day', mode: 'string' }
    const typo = { name: 'seen_at', precison: 3 }
    const problems = problemsOf(
      events((t) => {
        t.string(textMode)
        t.integer(integerPrecision)
        t.date(dateMode)
        t.timestamptz(typo)
      }),
    )
    expect(problems.map((problem) => [problem.column, problem.message])).toEqual([
      ['label', "Unknown option 'mode' on a text column."],
      ['rank', "Unknown option 'precision' on an integer column."],
      ['day', "Unknown option 'mode' on a date column."],
      ['seen_at', "Unknown option 'precison' on a timestamptz column."],
    ])
    expect(problems[3]?.hint).toMatch(
      /^Did you mean 'precision'\? Options: .*, precision, mode, onUpdate\.$/,
    )
  })
})
