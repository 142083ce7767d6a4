import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Database, Model } from '@fluentorm/runtime'
import { migrate } from '@fluentorm/runtime'
import fluentorm from '@fluentorm/unplugin/vite'
import type { ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, pgBackend } from '../support/backends.ts'
import { captureLog, ssrImport, startDevServer, writeFirstBuild } from './support/dev-server.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'
import { waitFor } from './support/wait-for.ts'

type Models = Record<string, Model<any>>

/** The dev database: an in-memory PGlite the plugin opens, or PostgreSQL at `url` (a fresh schema). */
const DEV_DATABASES = [
  { name: 'PGlite', open: async () => ({ url: undefined, close: async () => undefined }) },
  {
    name: 'PostgreSQL',
    open: async () => {
      const backend = await pgBackend()
      const options = encodeURIComponent(`-c search_path=${backend.schema}`)
      return { url: `${DATABASE_URL}?options=${options}`, close: () => backend.close() }
    },
  },
]

/**
 * The dev database follows the schemas: the dev server applies each save's pending change
 * before the models reload, waits for a destructive one, and adopts the numbered migration
 * `generate` freezes the change into.
 */
describe.each(DEV_DATABASES)('the dev database under the Vite dev server ($name)', (dev) => {
  let closeDatabase: () => Promise<void>
  let project: FixtureProject
  let server: ViteDevServer
  let url: string
  const { logger, errors, infos } = captureLog()
  const overlay: unknown[] = []

  const database = async () =>
    (
      await ssrImport<{ database(): Promise<Database> }>(server, 'virtual:fluentorm/database')
    ).database()
  const userColumns = async () => {
    const { rows } = await (await database()).query<{ column_name: string }>({
      text: "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users' ORDER BY ordinal_position",
    })
    return rows.map((row) => row.column_name)
  }
  const modelColumns = async () =>
    (await ssrImport<Models>(server, 'virtual:fluentorm/models')).User?.meta.table.columns.map(
      (c) => c.name,
    )
  const editUsers = (edit: (text: string) => string) => project.edit('schemas/01_users.ts', edit)
  /** What pressing the apply page's button does: the page, then its form posted with its token. */
  const pressApply = async () => {
    const page = await (await fetch(`${url}/__fluentorm/apply`)).text()
    const token = /name="token" value="([0-9a-f]+)"/.exec(page)?.[1] ?? ''
    const applied = await fetch(`${url}/__fluentorm/apply`, {
      method: 'POST',
      body: new URLSearchParams({ token }),
      redirect: 'manual',
    })
    return { page, status: applied.status }
  }

  beforeAll(async () => {
    delete process.env.DATABASE_URL
    const { url: devUrl, close } = await dev.open()
    closeDatabase = close
    project = await copyFixture('blog')
    await writeFirstBuild(project.root)
    server = await startDevServer(project.root, {
      logger,
      listen: {},
      plugins: [fluentorm(devUrl === undefined ? {} : { url: devUrl })],
    })
    url = (server.resolvedUrls?.local[0] ?? '').replace(/\/$/, '')
    const send = server.environments.client.hot.send.bind(server.environments.client.hot)
    server.environments.client.hot.send = (payload: any) => {
      overlay.push(payload)
      send(payload)
    }
  })

  afterAll(async () => {
    await server?.close()
    await project?.remove()
    await closeDatabase?.()
  })

  it('runs the numbered migrations on the dev database at start', async () => {
    expect(await modelColumns()).toEqual(await userColumns())
    expect(infos.join('\n')).toContain(
      'applied 0001_create_users_and_posts.sql to the dev database.',
    )
    // An embedded PGlite takes seconds to start: the terminal says so before and after.
    const starting = infos.findIndex((line) =>
      line.includes('starting the dev database: embedded PGlite'),
    )
    const ready = infos.findIndex((line) => /dev database ready \(PGlite, \d+\.\d s\)/.test(line))
    if (dev.name === 'PGlite') {
      expect(starting).toBeGreaterThanOrEqual(0)
      expect(ready).toBeGreaterThan(starting)
    } else {
      expect([starting, ready]).toEqual([-1, -1])
    }
  })

  it('applies an additive change before the models reload, and reloads the page once', async () => {
    const user = await (await ssrImport<Models>(server, 'virtual:fluentorm/models')).User!.insert(
      await database(),
      { email: 'ada@example.com', name: 'Ada' },
    )
    expect(user.email).toBe('ada@example.com')
    overlay.length = 0
    await editUsers((text) =>
      text.replace(
        '  t.timestamps()\n',
        "  t.string({ name: 'phone', nullable: true })\n  t.timestamps()\n",
      ),
    )
    await waitFor('the phone column in the models', async () =>
      (await modelColumns())?.includes('phone') ? true : undefined,
    )
    expect(await userColumns()).toContain('phone')
    expect(infos.join('\n')).toContain(
      'applied to the dev database:\nALTER TABLE users ADD COLUMN IF NOT EXISTS phone TEXT;',
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(overlay.filter((p: any) => p.type === 'full-reload')).toHaveLength(1)
    expect(infos.concat(errors).some((line) => line.includes('\0'))).toBe(false)
  })

  it('waits for a destructive change, says so with the SQL and the action, and applies it when asked', async () => {
    overlay.length = 0
    await editUsers((text) => text.replace("  t.string({ name: 'phone', nullable: true })\n", ''))
    const report = await waitFor('the waiting change', () =>
      errors.find((e) => e.includes('ALTER TABLE users DROP COLUMN IF EXISTS phone;')),
    )
    expect(report).toContain(`open ${url}/__fluentorm/apply and press Apply`)
    expect(report).not.toContain('[fluentorm] fluentorm:')
    expect(overlay).toContainEqual({
      type: 'error',
      err: expect.objectContaining({
        message: expect.stringContaining('DROP COLUMN IF EXISTS phone'),
      }),
    })
    // The models of the dev database's schema keep serving.
    expect(await modelColumns()).toContain('phone')
    expect(await userColumns()).toContain('phone')

    const { page, status } = await pressApply()
    expect(page).toContain('ALTER TABLE users DROP COLUMN IF EXISTS phone;')
    expect(status).toBe(303)
    expect(await userColumns()).not.toContain('phone')
    await waitFor('the models without phone', async () =>
      (await modelColumns())?.includes('phone') ? undefined : true,
    )
  })

  it('reports a change the rows refuse, keeps serving, and applies it on an emptied database when asked', async () => {
    errors.length = 0
    await editUsers((text) =>
      text.replace('  t.timestamps()\n', "  t.string({ name: 'nickname' })\n  t.timestamps()\n"),
    )
    const report = await waitFor('the refused change', () =>
      errors.find((e) => e.includes('refused the pending change')),
    )
    expect(report).toContain('ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname TEXT NOT NULL;')
    expect(report).toContain(`open ${url}/__fluentorm/apply and press Empty and apply`)
    expect(await modelColumns()).not.toContain('nickname')

    // The one action that applies it: on an emptied dev database.
    const { page, status } = await pressApply()
    expect(page).toContain('Empty and apply')
    expect(status).toBe(303)
    expect(await userColumns()).toContain('nickname')
    const users = await (await database()).query<{ n: number }>({
      text: 'SELECT count(*)::int AS n FROM users',
    })
    expect(users.rows[0]?.n).toBe(0)
    await waitFor('the nickname model', async () =>
      (await modelColumns())?.includes('nickname') ? true : undefined,
    )
    await editUsers((text) =>
      text.replace("name: 'nickname' }", "name: 'nickname', defaultValue: \"'anon'\" }"),
    )
    await waitFor('the default applied', () =>
      infos.find((line) =>
        line.includes("ALTER TABLE users ALTER COLUMN nickname SET DEFAULT 'anon';"),
      ),
    )
    expect(infos.join('\n')).toContain('the schemas are valid again')
  })

  it('adopts the numbered migration the pending change is frozen into', async () => {
    await writeFirstBuild(project.root)
    const adopted = await waitFor('the adoption', () =>
      infos.find((line) => line.includes('recorded as applied to the dev database')),
    )
    expect(adopted).toMatch(/0002_add_nickname_to_users\.sql recorded as applied/)
    const { migrations } = await ssrImport<{ migrations: any[] }>(
      server,
      'virtual:fluentorm/migrations',
    )
    // What the app runs on load: nothing left to apply, and no checksum problem.
    const result = await migrate(await database(), migrations)
    expect(result.applied).toEqual([])
    const { rows } = await (await database()).query<{ n: number }>({
      text: 'SELECT count(*)::int AS n FROM fluentorm_dev_state',
    })
    expect(rows[0]?.n).toBe(0)
  })

  it('undoes its pending change for a numbered migration that is not it, runs it, and applies the change again', async () => {
    infos.length = 0
    await editUsers((text) =>
      text.replace(
        '  t.timestamps()\n',
        "  t.string({ name: 'bio', nullable: true })\n  t.timestamps()\n",
      ),
    )
    await waitFor('the bio column', async () =>
      (await userColumns()).includes('bio') ? true : undefined,
    )
    // A teammate's hand-written migration, pulled meanwhile.
    await writeFile(
      join(project.root, 'migrations/0003_notes.sql'),
      'CREATE TABLE notes (id INTEGER PRIMARY KEY);\n',
    )
    await waitFor('0003 applied', () =>
      infos.find((line) => line.includes('applied 0003_notes.sql to the dev database')),
    )
    expect(await userColumns()).toContain('bio')
    const { rows } = await (await database()).query<{ name: string }>({
      text: 'SELECT name FROM fluentorm_migrations ORDER BY name',
    })
    expect(rows.map((row) => row.name)).toEqual([
      '0001_create_users_and_posts',
      '0002_add_nickname_to_users',
      '0003_notes',
    ])
  })
})
