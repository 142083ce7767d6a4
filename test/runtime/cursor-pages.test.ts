import { FluentOrmError, sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/** A seeded generator, so a failure names the data that made it. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const seed = Number(process.env.CURSOR_SEED ?? Date.now() % 100_000)

/**
 * cursorPaginate walked to both ends over orders with ties, NULLs, mixed directions,
 * microsecond timestamps, expressions and relation counts: the pages, joined, must be the rows
 * of the same order written by hand in SQL (with the tie-breaker), and walking back by `prev`
 * must give the same pages.
 */
describe.each(BACKENDS)(`cursorPaginate on $name (CURSOR_SEED=${seed})`, ({ open }) => {
  const { Event, Mark } = modelsOf({
    events: (t) => {
      t.bigIncrements({ name: 'id', primaryKey: true })
      t.dateTime({ name: 'at', precision: 6, mode: 'string' })
      t.integer({ name: 'rank', nullable: true })
      t.string({ name: 'label', nullable: true })
      t.numeric({ name: 'score', precision: 8, scale: 3, nullable: true })
      t.boolean({ name: 'flag' })
      t.hasMany({ name: 'marks', foreignTable: 'marks', foreignColumn: 'event_id' })
    },
    marks: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.bigInt({ name: 'event_id' })
      t.belongsTo({ name: 'event', column: 'event_id', referencesTable: 'events' })
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows
  const next = random(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Event.createTable(db)
    await Mark.createTable(db)
    const values = Array.from({ length: 70 }, () => {
      // Microseconds apart, often equal: a page boundary falls between them.
      const micros = Math.floor(next() * 40)
      const at = `'2026-01-01 00:00:00.${String(micros).padStart(6, '0')}+00'`
      const rank = pick(['NULL', '1', '2', '3'])
      const label = pick(['NULL', "'a'", "'b'", "'c'"])
      const score = pick(['NULL', '1.5', '2.25', '-1.000'])
      return `(${at}, ${rank}, ${label}, ${score}, ${pick(['true', 'false'])})`
    })
    await hand(`INSERT INTO events (at, rank, label, score, flag) VALUES ${values.join(', ')}`)
    await hand(
      'INSERT INTO marks (event_id) SELECT id FROM events, generate_series(1, (id % 4)::int) ORDER BY id',
    )
  })
  afterAll(() => backend.close())

  const orders: [string, (q: any) => any, string, string?][] = [
    ['a timestamp, newest first', (q) => q.orderBy('at', 'desc'), 'at DESC, id DESC'],
    [
      'nullable columns in mixed directions',
      (q) => q.orderBy('rank').orderBy('label', 'desc', 'first'),
      'rank ASC, label DESC NULLS FIRST, id DESC',
    ],
    [
      'NULLS LAST descending, then a timestamp',
      (q) => q.orderBy('score', 'desc', 'last').orderBy('at'),
      'score DESC NULLS LAST, at ASC, id ASC',
    ],
    [
      'a boolean, with the id given',
      (q) => q.orderBy('flag').orderBy('id', 'desc'),
      'flag ASC, id DESC',
    ],
    [
      'an expression',
      (q) => q.orderBy(sql`coalesce(${Event.column('rank')}, 0)`, 'desc'),
      'coalesce(rank, 0) DESC, id DESC',
    ],
    [
      'a relation count by its key',
      (q) => q.withCount('marks').orderBy('marks_count', 'desc'),
      '(SELECT count(*) FROM marks WHERE marks.event_id = events.id) DESC, id DESC',
    ],
    [
      'conditions with OR, which the cursor condition must not split',
      (q) => q.where('rank', '>', 1).orWhere('label', 'a').orderBy('at'),
      'at ASC, id ASC',
      "rank > 1 OR label = 'a'",
    ],
  ]

  it.each(orders)('walks %s forward and back', async (_, build, order, where) => {
    const expected = (
      await hand(`SELECT id FROM events ${where ? `WHERE ${where}` : ''} ORDER BY ${order}`)
    ).map((row) => String(row.id))
    const query = build(Event.query())
    for (const perPage of [1, 1 + Math.floor(next() * 6), 7 + Math.floor(next() * 30), 100]) {
      const pages: string[][] = []
      let page = await query.cursorPaginate(db, { perPage })
      expect(page.prev).toBeNull()
      for (;;) {
        pages.push(page.rows.map((row: Row) => String(row.id)))
        expect(
          page.rows.every((row: Row) => !Object.keys(row).some((k) => k.startsWith('__'))),
        ).toBe(true)
        if (page.next === null) break
        page = await query.cursorPaginate(db, { perPage, after: page.next })
        expect(page.prev).not.toBeNull()
      }
      expect(pages.flat()).toEqual(expected)
      expect(pages.length).toBe(Math.max(1, Math.ceil(expected.length / perPage)))
      // Back from the last page by prev: the same pages, the first one without a prev.
      const back: string[][] = [pages[pages.length - 1]!]
      while (page.prev !== null) {
        page = await query.cursorPaginate(db, { perPage, before: page.prev })
        back.unshift(page.rows.map((row: Row) => String(row.id)))
        expect(page.next).not.toBeNull()
      }
      expect(back).toEqual(pages)
    }
  })

  /** Pages of 1, 2 and a few rows, forward to the end and back by prev: the rows `expected`. */
  const walksBothWays = async (
    query: any,
    shown: (rows: Row[]) => string[],
    expected: string[],
  ) => {
    for (const perPage of [1, 2, 1 + Math.floor(next() * 5)]) {
      const pages: string[][] = []
      let page = await query.cursorPaginate(db, { perPage })
      for (;;) {
        pages.push(shown(page.rows))
        if (page.next === null) break
        page = await query.cursorPaginate(db, { perPage, after: page.next })
      }
      expect(pages.flat()).toEqual(expected)
      const back: string[][] = [pages[pages.length - 1]!]
      while (page.prev !== null) {
        page = await query.cursorPaginate(db, { perPage, before: page.prev })
        back.unshift(shown(page.rows))
      }
      expect(back).toEqual(pages)
    }
  }

  const grouped: [string, (q: any) => any, string][] = [
    [
      'groups by their count, the group key as tie-breaker',
      (q) =>
        q.select('rank').selectAggregate('count', '*', 'n').groupBy('rank').orderBy('n', 'desc'),
      'SELECT rank, count(*)::int AS n FROM events GROUP BY rank ORDER BY n DESC, rank DESC',
    ],
    [
      'groups of two keys, one of them in the order',
      (q) =>
        q
          .select('label', 'flag')
          .selectAggregate('count', '*', 'n')
          .groupBy('label', 'flag')
          .orderBy('flag')
          .orderBy('n'),
      'SELECT label, flag, count(*)::int AS n FROM events GROUP BY label, flag ORDER BY flag ASC, n ASC, label ASC',
    ],
  ]

  it.each(grouped)('walks %s forward and back', async (_, build, handWritten) => {
    // A grouped query's rows are its groups: the primary key cannot break ties (PostgreSQL
    // refuses it outside GROUP BY), the group keys do.
    const shown = (rows: Row[]) => rows.map((row) => JSON.stringify({ ...row, n: Number(row.n) }))
    const expected = shown(await hand(handWritten))
    await walksBothWays(build(Event.query()), shown, expected)
  })

  const distinct: [string, (q: any) => any, string][] = [
    [
      'distinct values, the selected values the order leaves out as tie-breakers',
      (q) => q.select('rank', 'label').distinct().orderBy('rank'),
      'SELECT DISTINCT rank, label FROM events ORDER BY rank ASC, label ASC',
    ],
    [
      'distinct values ordered the other way',
      (q) => q.select('label', 'flag').distinct().orderBy('flag', 'desc'),
      'SELECT DISTINCT label, flag FROM events ORDER BY flag DESC, label DESC',
    ],
    [
      'distinct values all in the order',
      (q) => q.select('rank').distinct().orderBy('rank', 'desc', 'last'),
      'SELECT DISTINCT rank FROM events ORDER BY rank DESC NULLS LAST',
    ],
  ]

  it.each(distinct)('walks %s forward and back', async (_, build, handWritten) => {
    // A DISTINCT query's rows are its distinct values: the primary key would make every row
    // distinct (and PostgreSQL refuses to order by what is not selected); the values do.
    const shown = (rows: Row[]) => rows.map((row) => JSON.stringify(row))
    const expected = shown(await hand(handWritten))
    await walksBothWays(build(Event.query()), shown, expected)
  })

  it('stays stable while rows are inserted before and after the cursor', async () => {
    const query = Event.query().orderBy('at', 'desc')
    const first = await query.cursorPaginate(db, { perPage: 10 })
    const cursorRow = first.rows[9] as Row
    await hand(
      "INSERT INTO events (at, flag) VALUES ('2030-01-01+00', true), ('2000-01-01+00', true)",
    )
    const second = await query.cursorPaginate(db, { perPage: 10, after: first.next })
    const expected = await hand(
      `SELECT id FROM events WHERE (at, id) < (SELECT at, id FROM events WHERE id = ${cursorRow.id}) ORDER BY at DESC, id DESC LIMIT 10`,
    )
    expect(second.rows.map((row: Row) => String(row.id))).toEqual(
      expected.map((row) => String(row.id)),
    )
    const seen = new Set(first.rows.map((row: Row) => String(row.id)))
    expect(second.rows.some((row: Row) => seen.has(String(row.id)))).toBe(false)
    await hand("DELETE FROM events WHERE at IN ('2030-01-01+00', '2000-01-01+00')")
  })

  it('refuses what it cannot page, and cursors it did not make', async () => {
    const query = Event.query().orderBy('at')
    const { next: cursor } = await query.cursorPaginate(db, { perPage: 5 })
    expect(cursor).toEqual(expect.any(String))
    const changed = `${cursor!.slice(0, 10)}${cursor![10] === 'A' ? 'B' : 'A'}${cursor!.slice(11)}`
    await expectRefused(() => query.cursorPaginate(db, { perPage: 5, after: changed }), /cursor/)
    await expectRefused(
      () => query.cursorPaginate(db, { perPage: 5, after: cursor!.slice(0, -3) }),
      /cursor/,
    )
    await expectRefused(
      () => Event.query().orderBy('at', 'desc').cursorPaginate(db, { perPage: 5, after: cursor }),
      /another order/,
    )
    await expectRefused(
      () => query.cursorPaginate(db, { perPage: 5, before: 'not a cursor!' }),
      /cursor/,
    )
    await expectRefused(() => Event.query().cursorPaginate(db, { perPage: 5 }), /needs an order/)
    await expectRefused(() => query.cursorPaginate(db, { perPage: 0 }), /positive integer/)
    await expectRefused(() => query.cursorPaginate(db, { perPage: '5' } as never), /positive/)
    await expectRefused(
      () => query.cursorPaginate(db, { perPage: 5, after: cursor, before: cursor }),
      /exclude/,
    )
    await expectRefused(() => query.limit(3).cursorPaginate(db, { perPage: 5 }), /own limit/)
    const error = await query
      .cursorPaginate(db, { perPage: 5, after: changed })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FluentOrmError)
  })
})
