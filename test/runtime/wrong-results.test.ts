import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FluentOrmError } from '../../packages/runtime/src/errors/fluent-orm-error.ts'
import { type Driver, toDriver } from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { recording } from '../support/recording-driver.ts'

/**
 * Regression tests for queries that ran without error but returned wrong rows. Each case
 * compares the query builder's rows with the same query written by hand in plain SQL, run on
 * the same backend.
 */

const sales = modelsOf({
  shoppers(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.hasMany({ name: 'sales', foreignTable: 'sales', foreignColumn: 'shopper_id' })
    t.hasOne({ name: 'top_sale', foreignTable: 'sales', foreignColumn: 'shopper_id' })
  },
  sales(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'shopper_id' })
    t.string({ name: 'category' })
    t.decimal({ name: 'amount', precision: 10, scale: 2 })
    t.bigInt({ name: 'units' })
    t.belongsTo({ name: 'shopper', column: 'shopper_id', referencesTable: 'shoppers' })
  },
})

const notes = modelsOf({
  writers(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    // A relation name unlike its table's, so an error naming the relation is told apart.
    t.hasMany({ name: 'jottings', foreignTable: 'notes', foreignColumn: 'writer_id' })
  },
  notes(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'writer_id' })
    t.string({ name: 'body' })
    t.belongsTo({ name: 'writer', column: 'writer_id', referencesTable: 'writers' })
  },
})

const forum = modelsOf({
  members(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.boolean({ name: 'vip' })
    t.hasMany({ name: 'threads', foreignTable: 'threads', foreignColumn: 'member_id' })
  },
  threads(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'member_id' })
    t.string({ name: 'title' })
    t.belongsTo({ name: 'member', column: 'member_id', referencesTable: 'members' })
    t.hasMany({ name: 'replies', foreignTable: 'replies', foreignColumn: 'thread_id' })
  },
  replies(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'thread_id' })
    t.integer({ name: 'member_id' })
    t.string({ name: 'body' })
    t.belongsTo({ name: 'thread', column: 'thread_id', referencesTable: 'threads' })
    t.belongsTo({ name: 'author', column: 'member_id', referencesTable: 'members' })
  },
})

const aliases = modelsOf({
  t1(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.hasMany({ name: 'kids', foreignTable: 't1_kids', foreignColumn: 't1_id' })
  },
  t1_kids(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 't1_id' })
    t.string({ name: 'name' })
    t.belongsTo({ name: 'parent', column: 't1_id', referencesTable: 't1' })
  },
  x1(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.manyToMany({
      name: 'labels',
      targetTable: 'labels',
      through: 'x1_labels',
      throughLocalColumn: 'x1_id',
      throughForeignColumn: 'label_id',
    })
  },
  labels(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
  },
  x1_labels(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'x1_id' })
    t.integer({ name: 'label_id' })
    t.belongsTo({ name: 'x1', column: 'x1_id', referencesTable: 'x1' })
    t.belongsTo({ name: 'label', column: 'label_id', referencesTable: 'labels' })
  },
  boxes(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'j1' })
    t.hasMany({ name: 'items', foreignTable: 'items', foreignColumn: 'box_id' })
  },
  items(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'box_id' })
    t.string({ name: 'name' })
    t.belongsTo({ name: 'box', column: 'box_id', referencesTable: 'boxes' })
  },
})

describe.each(BACKENDS)('wrong results on $name', ({ open }) => {
  let backend: Backend
  let db: Backend['db']
  let driver: Driver
  /** The rows of a hand-written statement, read by the same driver the models use. */
  const handSql = async (text: string, values: unknown[] = []) =>
    (await driver.query<Record<string, unknown>>({ text, values })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    driver = toDriver(db)
  })
  afterAll(() => backend?.close())

  // Bug: ORDER BY an aggregate alias of a numeric / bigint column sorts the ::text alias as text.
  describe('ordering by a sum of a numeric or bigint column', () => {
    const { Shopper, Sale } = sales

    beforeAll(async () => {
      await Shopper.createTable(db)
      await Sale.createTable(db)
      const ann = await Shopper.insert(db, { name: 'Ann' })
      const bob = await Shopper.insert(db, { name: 'Bob' })
      // Per category, Ann: a = 9.00 / 9 units, b = 10.00 / 10 units; Bob: c = 2.50 / 2, d = 11.00 / 11.
      // As text '9.00' > '10.00' and '2.50' > '11.00': text order is the reverse of numeric order.
      await Sale.insertMany(db, [
        { shopper_id: ann.id, category: 'a', amount: '4.00', units: 4n },
        { shopper_id: ann.id, category: 'a', amount: '5.00', units: 5n },
        { shopper_id: ann.id, category: 'b', amount: '10.00', units: 10n },
        { shopper_id: bob.id, category: 'c', amount: '2.50', units: 2n },
        { shopper_id: bob.id, category: 'd', amount: '11.00', units: 11n },
      ])
    })

    it('orders by a numeric sum as a number, not as text', async () => {
      const rows = await Sale.query()
        .select('category')
        .selectAggregate('sum', 'amount', 'total')
        .groupBy('category')
        .orderBy('total', 'desc')
        .fetch(db)
      expect(rows).toEqual(
        await handSql(
          'SELECT category, sum(amount)::text AS total FROM sales GROUP BY category ORDER BY sum(amount) DESC',
        ),
      )
    })

    it('orders by a bigint sum as a number, not as text', async () => {
      const rows = await Sale.query()
        .select('category')
        .selectAggregate('sum', 'units', 'total')
        .groupBy('category')
        .orderBy('total', 'asc')
        .fetch(db)
      expect(rows).toEqual(
        await handSql(
          'SELECT category, sum(units)::text AS total FROM sales GROUP BY category ORDER BY sum(units) ASC',
        ),
      )
    })

    it('orders an included relation by a numeric sum as a number, not as text', async () => {
      const rows = await Shopper.query()
        .select('id')
        .orderBy('id')
        .include('sales', (q: any) =>
          q
            .select('category')
            .selectAggregate('sum', 'amount', 'total')
            .groupBy('category')
            .orderBy('total', 'desc'),
        )
        .fetch(db)
      expect(rows).toEqual(
        await handSql(`
          SELECT s.id, COALESCE((
            SELECT json_agg(json_build_object('category', g.category, 'total', g.total::text) ORDER BY g.total DESC)
            FROM (SELECT category, sum(amount) AS total FROM sales WHERE shopper_id = s.id GROUP BY category) AS g
          ), '[]') AS sales
          FROM shoppers AS s ORDER BY s.id`),
      )
    })

    it('orders an included relation by a bigint sum as a number, not as text', async () => {
      const rows = await Shopper.query()
        .select('id')
        .orderBy('id')
        .include('sales', (q: any) =>
          q
            .select('category')
            .selectAggregate('sum', 'units', 'total')
            .groupBy('category')
            .orderBy('total', 'asc'),
        )
        .fetch(db)
      expect(rows).toEqual(
        await handSql(`
          SELECT s.id, COALESCE((
            SELECT json_agg(json_build_object('category', g.category, 'total', g.total::text) ORDER BY g.total ASC)
            FROM (SELECT category, sum(units) AS total FROM sales WHERE shopper_id = s.id GROUP BY category) AS g
          ), '[]') AS sales
          FROM shoppers AS s ORDER BY s.id`),
      )
    })

    it('picks the single included row with the largest numeric sum, not the largest text', async () => {
      // A single relation ordered by an aggregate: LIMIT 1 keeps the first row of that order.
      const rows = await Shopper.query()
        .select('id')
        .orderBy('id')
        .include('top_sale', (q: any) =>
          q
            .select('category')
            .selectAggregate('sum', 'amount', 'total')
            .groupBy('category')
            .orderBy('total', 'desc'),
        )
        .fetch(db)
      expect(rows).toEqual(
        await handSql(`
          SELECT s.id, (
            SELECT json_build_object('category', category, 'total', sum(amount)::text)
            FROM sales WHERE shopper_id = s.id
            GROUP BY category ORDER BY sum(amount) DESC LIMIT 1
          ) AS top_sale
          FROM shoppers AS s ORDER BY s.id`),
      )
    })
  })

  // Bug: the same relation included twice renders two subqueries under one key; refuse it instead.
  describe('including the same relation twice', () => {
    const { Writer, Note } = notes

    beforeAll(async () => {
      await Writer.createTable(db)
      await Note.createTable(db)
      const ann = await Writer.insert(db, { name: 'Ann' })
      await Note.insertMany(db, [
        { writer_id: ann.id, body: 'first' },
        { writer_id: ann.id, body: 'second' },
      ])
    })

    /** The error a query building and fetching `build()` fails with, and the SQL it sent. */
    async function refusal(build: () => any) {
      const texts: string[] = []
      const error = await (async () => build().fetch(recording(driver, texts)))().then(
        () => null,
        (thrown: unknown) => thrown,
      )
      return { error, texts }
    }

    /** Refused with a usage error naming the relation, and no statement sent. */
    function expectRefused(outcome: { error: unknown; texts: string[] }, relation: string) {
      expect(outcome.error).toBeInstanceOf(FluentOrmError)
      const error = outcome.error as FluentOrmError
      expect(error.code).toBe('INVALID_USAGE')
      expect(error.message).toMatch(new RegExp(`\\b${relation}\\b`))
      expect(outcome.texts).toEqual([])
    }

    it('refuses a relation included twice, once plain and once narrowed, before any SQL runs', async () => {
      const outcome = await refusal(() =>
        Writer.query()
          .include('jottings')
          .include('jottings', (q: any) => q.select('id')),
      )
      expectRefused(outcome, 'jottings')
    })

    it('refuses a relation included twice with different nested queries, before any SQL runs', async () => {
      const outcome = await refusal(() =>
        Writer.query()
          .include('jottings', (q: any) => q.select('body').where('body', 'first'))
          .include('jottings', (q: any) => q.select('id', 'writer_id').orderBy('id', 'desc')),
      )
      expectRefused(outcome, 'jottings')
    })

    it('refuses a relation included twice inside a nested include, before any SQL runs', async () => {
      const outcome = await refusal(() =>
        Note.query().include('writer', (q: any) =>
          q
            .include('jottings', (n: any) => n.select('body'))
            .include('jottings', (n: any) => n.select('id')),
        ),
      )
      expectRefused(outcome, 'jottings')
    })
  })

  // Bug: a correlated where-subquery two includes deep loses its correlation (always true).
  describe('a correlated subquery inside a nested include', () => {
    const { Member, Thread, Reply } = forum

    beforeAll(async () => {
      await Member.createTable(db)
      await Thread.createTable(db)
      await Reply.createTable(db)
      const ann = await Member.insert(db, { name: 'Ann', vip: true })
      const bob = await Member.insert(db, { name: 'Bob', vip: false })
      const [annThread, bobThread] = await Thread.insertMany(db, [
        { member_id: ann.id, title: 'by Ann' },
        { member_id: bob.id, title: 'by Bob' },
      ])
      await Reply.insertMany(db, [
        { thread_id: annThread.id, member_id: ann.id, body: 'Ann on her own thread' },
        { thread_id: annThread.id, member_id: bob.id, body: 'Bob on Ann’s thread' },
        { thread_id: bobThread.id, member_id: bob.id, body: 'Bob on his own thread' },
        { thread_id: bobThread.id, member_id: ann.id, body: 'Ann on Bob’s thread' },
      ])
    })

    it('correlates whereExists two includes deep with the top-level row', async () => {
      // Replies, on each member's threads, only when that member (the top-level row) is a VIP.
      const rows = await Member.query()
        .select('id')
        .orderBy('id')
        .include('threads', (q: any) =>
          q
            .select('id')
            .orderBy('id')
            .include('replies', (r: any) =>
              r
                .select('id', 'body')
                .orderBy('id')
                .whereExists(
                  Member.query().whereColumn('id', '=', Member.column('id')).where('vip', true),
                ),
            ),
        )
        .fetch(db)
      expect(rows).toEqual(
        await handSql(`
          SELECT m.id, COALESCE((
            SELECT json_agg(json_build_object('id', t.id, 'replies', COALESCE((
              SELECT json_agg(json_build_object('id', r.id, 'body', r.body) ORDER BY r.id)
              FROM replies AS r
              WHERE r.thread_id = t.id
                AND EXISTS (SELECT 1 FROM members AS v WHERE v.id = m.id AND v.vip = true)
            ), '[]')) ORDER BY t.id)
            FROM threads AS t WHERE t.member_id = m.id
          ), '[]') AS threads
          FROM members AS m ORDER BY m.id`),
      )
    })

    it('correlates whereIn two includes deep with the top-level row', async () => {
      // The replies each member wrote on their own threads.
      const rows = await Member.query()
        .select('id')
        .orderBy('id')
        .include('threads', (q: any) =>
          q
            .select('id')
            .orderBy('id')
            .include('replies', (r: any) =>
              r
                .select('id', 'body')
                .orderBy('id')
                .whereIn(
                  'member_id',
                  Member.query().select('id').whereColumn('id', '=', Member.column('id')),
                ),
            ),
        )
        .fetch(db)
      expect(rows).toEqual(
        await handSql(`
          SELECT m.id, COALESCE((
            SELECT json_agg(json_build_object('id', t.id, 'replies', COALESCE((
              SELECT json_agg(json_build_object('id', r.id, 'body', r.body) ORDER BY r.id)
              FROM replies AS r
              WHERE r.thread_id = t.id
                AND r.member_id IN (SELECT v.id FROM members AS v WHERE v.id = m.id)
            ), '[]')) ORDER BY t.id)
            FROM threads AS t WHERE t.member_id = m.id
          ), '[]') AS threads
          FROM members AS m ORDER BY m.id`),
      )
    })
  })

  // Bug: include aliases ("t1", "x1", "j1") collide with schema names, so correlations compare the wrong table.
  describe('schema names that look like include aliases', () => {
    const { T1, T1Kid, X1, Label, X1Label, Box, Item } = aliases

    beforeAll(async () => {
      for (const model of [T1, T1Kid, X1, Label, X1Label, Box, Item]) await model.createTable(db)
      const [one, two] = await T1.insertMany(db, [{ name: 'one' }, { name: 'two' }])
      // Kid 2 belongs to parent 2: the only kid whose t1_id equals its own id.
      await T1Kid.insertMany(db, [
        { t1_id: two.id, name: 'kid 1 of two' },
        { t1_id: two.id, name: 'kid 2 of two' },
        { t1_id: one.id, name: 'kid 3 of one' },
      ])
      const [first, second] = await X1.insertMany(db, [{ name: 'first' }, { name: 'second' }])
      const [red, green] = await Label.insertMany(db, [{ name: 'red' }, { name: 'green' }])
      // Junction row 2 links x1 2: the only one whose x1_id equals its own id.
      await X1Label.insertMany(db, [
        { x1_id: second.id, label_id: red.id },
        { x1_id: second.id, label_id: green.id },
        { x1_id: first.id, label_id: green.id },
      ])
      const [small, large] = await Box.insertMany(db, [{ j1: 'small' }, { j1: 'large' }])
      await Item.insertMany(db, [
        { box_id: small.id, name: 'pin' },
        { box_id: large.id, name: 'book' },
        { box_id: large.id, name: 'lamp' },
      ])
    })

    it('loads each row’s own children from a table named t1', async () => {
      const rows = await T1.query()
        .orderBy('id')
        .include('kids', (q: any) => q.orderBy('id'))
        .fetch(db)
      expect(rows).toEqual(
        await handSql(`
          SELECT p.id, p.name, COALESCE((
            SELECT json_agg(json_build_object('id', k.id, 't1_id', k.t1_id, 'name', k.name) ORDER BY k.id)
            FROM t1_kids AS k WHERE k.t1_id = p.id
          ), '[]') AS kids
          FROM t1 AS p ORDER BY p.id`),
      )
    })

    it('loads each row’s own manyToMany targets from a table named x1', async () => {
      const rows = await X1.query()
        .orderBy('id')
        .include('labels', (q: any) => q.orderBy('id'))
        .fetch(db)
      expect(rows).toEqual(
        await handSql(`
          SELECT p.id, p.name, COALESCE((
            SELECT json_agg(json_build_object('id', l.id, 'name', l.name) ORDER BY l.id)
            FROM labels AS l INNER JOIN x1_labels AS j ON j.label_id = l.id
            WHERE j.x1_id = p.id
          ), '[]') AS labels
          FROM x1 AS p ORDER BY p.id`),
      )
    })

    it('loads limited children as rows when the parent has a column named j1', async () => {
      // A limit makes the relation a derived table, aliased "j1" today.
      const rows = await Box.query()
        .orderBy('id')
        .include('items', (q: any) => q.orderBy('id').limit(5))
        .fetch(db)
      expect(rows).toEqual(
        await handSql(`
          SELECT b.id, b.j1, COALESCE((
            SELECT json_agg(json_build_object('id', i.id, 'box_id', i.box_id, 'name', i.name) ORDER BY i.id)
            FROM (SELECT * FROM items WHERE box_id = b.id ORDER BY id LIMIT 5) AS i
          ), '[]') AS items
          FROM boxes AS b ORDER BY b.id`),
      )
    })
  })
})
