import { trace } from '@opentelemetry/api'
import { expect, it } from 'vitest'
import { connect } from '../../packages/runtime/src/connect.ts'
import { DATABASE_URL } from '../support/backends.ts'
import { inMemoryTracing } from '../support/tracing.ts'

/**
 * By default connect() traces when an OpenTelemetry SDK registered before it (this file
 * starts with none: each test file runs in a process of its own); `tracing: true` traces
 * whenever the API is installed, into whatever provider is registered later.
 */
const { exporter, provider } = inMemoryTracing()

it('traces by default only when an SDK was registered before connect(), and always with tracing: true', async () => {
  expect((globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')]).toBe(
    undefined,
  )
  const before = await connect({ url: DATABASE_URL })
  const asked = await connect({ url: DATABASE_URL, tracing: true })
  trace.setGlobalTracerProvider(provider)
  const after = await connect({ url: DATABASE_URL })
  try {
    await before.query({ text: 'SELECT 1 AS before_registration' })
    await asked.query({ text: 'SELECT 1 AS asked' })
    await after.query({ text: 'SELECT 1 AS after_registration' })
  } finally {
    await Promise.all([before.close(), asked.close(), after.close()])
  }
  expect(exporter.getFinishedSpans().map((span) => span.attributes['db.query.text'])).toEqual([
    'SELECT 1 AS asked',
    'SELECT 1 AS after_registration',
  ])
})
