import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  applyDevPlan,
  loadSchemas,
  planMigration,
  readDevState,
  readMigrationDirectory,
  writeNextMigration,
} from '@fluentorm/core'
import { toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, pgBackend } from '../support/backends.ts'

const BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'fluentorm.mjs')
const users = (extra: string) => `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email' })
${extra}}
`

/**
 * `npx fluentorm migrate` on a dev database the plugin applied a pending change to (a
 * DATABASE_URL dev database, the dev server stopped): the migration that change was frozen
 * into is recorded, not run a second time.
 */
describe('migrate on a dev database with a pending change', () => {
  let backend: Awaited<ReturnType<typeof pgBackend>>
  let dir: string
  let url: string
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args, '--url', url], {
      cwd: dir,
      encoding: 'utf8',
    })
    return { code: result.status, out: result.stdout, err: result.stderr }
  }
  const schema = async () => {
    const loaded = await loadSchemas({ schemasDir: join(dir, 'schemas'), root: dir })
    if (!loaded.ok) throw new Error('invalid fixture schema')
    return loaded.schema
  }

  beforeAll(async () => {
    backend = await pgBackend()
    url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${backend.schema}`)}`
    dir = await mkdtemp(join(tmpdir(), 'fluentorm-dev-migrate-'))
    await mkdir(join(dir, 'schemas'))
    await writeFile(join(dir, 'schemas/01_users.ts'), users(''))
  })
  afterAll(async () => {
    await backend?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('records the frozen migration as applied, without running it', async () => {
    expect((await writeNextMigration({ root: dir, schema: await schema() })).ok).toBe(true)
    expect(cli('migrate').code).toBe(0)
    // What the dev server does on a save: the pending change, and its state.
    const base = await readMigrationDirectory(join(dir, 'migrations'))
    await writeFile(
      join(dir, 'schemas/01_users.ts'),
      users(
        "  t.uuid({ name: 'team_id', nullable: true })\n  t.addIndexes([{ name: 'idx_users_team', columns: ['team_id'] }])\n",
      ),
    )
    const current = await schema()
    const db = toDriver(backend.db)
    await applyDevPlan(db, planMigration(base.snapshot!.schema, current), {
      baseHash: base.snapshot!.hash,
      base: base.snapshot!.schema,
      applied: current,
    })
    // Frozen by generate into 0002: the dev database already has all of it.
    expect((await writeNextMigration({ root: dir, schema: current })).ok).toBe(true)
    const migrated = cli('migrate', '--json')
    expect(migrated.err).toContain('recorded as applied: this dev database already had its change')
    expect(migrated.code).toBe(0)
    const result = JSON.parse(migrated.out)
    expect(result.applied).toEqual([])
    expect(result.adopted).toEqual(['0002_add_team_id_to_users_and_add_idx_users_team'])
    expect(await readDevState(db)).toBeNull()
    expect(cli('status').code).toBe(0)
  })
})
