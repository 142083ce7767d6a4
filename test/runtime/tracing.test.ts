import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { connect, type Database } from '../../packages/runtime/src/connect.ts'
import { DATABASE_URL } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { inMemoryTracing } from '../support/tracing.ts'

/**
 * connect() records every statement as an OpenTelemetry CLIENT span when @opentelemetry/api
 * is installed (it is, as a devDependency): a real SDK provider with an in-memory exporter,
 * and AsyncLocalStorage so a span started by the "request" is the statements' parent.
 */
const { exporter, provider } = inMemoryTracing()
const contextManager = new AsyncLocalStorageContextManager()

const { TraceMember: Member } = modelsOf({
  trace_members: (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'email', unique: true })
  },
})

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable())
  trace.setGlobalTracerProvider(provider)
})
afterAll(() => context.disable())
beforeEach(() => exporter.reset())

const secret = 'ada-secret@example.com'

describe.each([
  { backend: 'pg', url: DATABASE_URL },
  { backend: 'pglite', url: undefined },
])('tracing on $backend', ({ backend, url }) => {
  let db: Database
  beforeAll(async () => {
    const saved = process.env.DATABASE_URL
    if (url === undefined) delete process.env.DATABASE_URL
    try {
      db = await connect(url === undefined ? {} : { url })
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved
    }
    await Member.dropTable(db)
    await Member.createTable(db)
  })
  afterAll(async () => {
    await Member.dropTable(db)
    await db?.close()
  })

  it('records each statement as a CLIENT span under the caller’s span, with no value in it', async () => {
    const tracer = trace.getTracer('the-app')
    const member = await tracer.startActiveSpan('GET /members', async (request) => {
      const inserted = await Member.insert(db, { email: secret })
      await Member.findById(db, inserted.id)
      request.end()
      return inserted
    })
    const spans = exporter.getFinishedSpans()
    const request = spans.find((span) => span.name === 'GET /members')!
    const statements = spans.filter((span) => span !== request)
    expect(statements).toHaveLength(2)
    for (const span of statements) {
      expect(span.kind).toBe(SpanKind.CLIENT)
      expect(span.parentSpanContext?.spanId).toBe(request.spanContext().spanId)
      expect(span.attributes['db.system.name']).toBe('postgresql')
      expect(String(span.attributes['db.query.text'])).toContain('$1')
      expect(JSON.stringify(span.attributes)).not.toContain(secret)
      expect(JSON.stringify(span.attributes)).not.toContain(`= ${member.id}`)
    }
    expect(statements.map((span) => span.attributes['db.operation.name'])).toEqual([
      'INSERT',
      'SELECT',
    ])
    expect(statements[1]!.attributes['db.response.returned_rows']).toBe(1)
    if (backend === 'pg') {
      const database = new URL(DATABASE_URL).pathname.slice(1)
      expect(statements[1]!.name).toBe(`SELECT ${database}`)
      expect(statements[1]!.attributes).toMatchObject({
        'db.namespace': database,
        'server.address': new URL(DATABASE_URL).hostname,
        'server.port': Number(new URL(DATABASE_URL).port || 5432),
      })
    } else {
      expect(statements[1]!.name).toBe('SELECT')
    }
  })

  it('marks a failed statement as an error with its SQLSTATE and a message without the row', async () => {
    await Member.insert(db, { email: 'twice@example.com' }).catch(() => undefined)
    exporter.reset()
    await expect(Member.insert(db, { email: 'twice@example.com' })).rejects.toMatchObject({
      kind: 'unique_violation',
    })
    const [span] = exporter.getFinishedSpans()
    expect(span!.status.code).toBe(SpanStatusCode.ERROR)
    expect(span!.attributes['error.type']).toBe('23505')
    expect(span!.attributes['db.response.status_code']).toBe('23505')
    expect(span!.status.message).not.toContain('twice@example.com')
  })
})

describe('tracing options', () => {
  it('records nothing with tracing: false, and calls onQuery beside the spans', async () => {
    const off = await connect({ url: DATABASE_URL, tracing: false })
    await off.query({ text: 'SELECT 1' })
    await off.close()
    expect(exporter.getFinishedSpans()).toEqual([])

    const seen: string[] = []
    const both = await connect({ url: DATABASE_URL, onQuery: (entry) => seen.push(entry.text) })
    await both.query({ text: 'SELECT 2' })
    await both.close()
    expect(seen).toEqual(['SELECT 2'])
    expect(exporter.getFinishedSpans().map((span) => span.attributes['db.query.text'])).toEqual([
      'SELECT 2',
    ])
  })

  it('refuses a tracing option that is not a boolean', async () => {
    await expect(connect({ url: DATABASE_URL, tracing: 'yes' as never })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('tracing must be true or false'),
    })
  })
})
