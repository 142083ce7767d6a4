import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, DATABASE_URL, pgBackend } from '../support/backends.ts'
import { runFluentorm } from '../support/fluentorm-cli.ts'

/** A broken migrations/meta/snapshot.json is reported as a CLI error: its message, exit 1, no stack. */
describe('a corrupt snapshot file', () => {
  const root = mkdtempSync(join(tmpdir(), 'fluentorm-snapshot-'))
  let backend: Backend
  let url: string

  beforeAll(async () => {
    backend = await pgBackend()
    url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${backend.schema}`)}`
    mkdirSync(join(root, 'schemas'))
    writeFileSync(
      join(root, 'schemas', '01_users.ts'),
      "export function build(t) {\n  t.increments({ name: 'id', primaryKey: true })\n}\n",
    )
    expect(runFluentorm(root, 'generate').code).toBe(0)
  })
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true })
    await backend.close()
  })

  it.each([
    ['{bad', 'is not valid JSON'],
    ['{}', 'is not a fluentorm snapshot'],
  ])('%s: generate, check, migrate and push print the message', (text, message) => {
    writeFileSync(join(root, 'migrations', 'meta', 'snapshot.json'), text)
    for (const command of ['generate', 'check', 'migrate', 'push']) {
      const result = runFluentorm(root, command, '--url', url)
      expect(result.err).toContain(`fluentorm ${command}: `)
      expect(result.err).toContain(message)
      expect(result.err).not.toMatch(/\n\s+at /)
      expect(result.code).toBe(1)
    }
  })
})
