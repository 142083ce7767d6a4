import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createContext } from '@fluentorm/unplugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** The plugin reads the fluentorm.config.ts the CLI reads; its own options override it. */
describe('the plugin and fluentorm.config.ts', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fluentorm-config-'))
    await mkdir(join(dir, 'web'))
    await writeFile(
      join(dir, 'fluentorm.config.ts'),
      "export default { schemas: 'db/schemas', migrations: 'db/migrations', dts: false, devDatabase: false }\n",
    )
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('finds the config at or above the root, with its paths against its own folder', () => {
    const { options } = createContext({}, join(dir, 'web'))
    expect(options).toMatchObject({
      root: join(dir, 'web'),
      schemasDir: join(dir, 'db/schemas'),
      migrationsDir: join(dir, 'db/migrations'),
      dtsFile: null,
      devDatabase: false,
    })
  })

  it('lets the plugin options override it, relative to the root', () => {
    const { options } = createContext({ schemas: 'schemas', dts: 'types.d.ts' }, join(dir, 'web'))
    expect(options.schemasDir).toBe(join(dir, 'web/schemas'))
    expect(options.dtsFile).toBe(join(dir, 'web/types.d.ts'))
    expect(options.migrationsDir).toBe(join(dir, 'db/migrations'))
  })

  it('stops at the package root: a config above a package.json is for another project', async () => {
    await mkdir(join(dir, 'app'))
    await writeFile(join(dir, 'app/package.json'), '{ "name": "app" }\n')
    const { options } = createContext({}, join(dir, 'app'))
    expect(options.schemasDir).toBe(join(dir, 'app/schemas'))
  })

  it('reads no config with config: false', () => {
    const { options } = createContext({ config: false }, join(dir, 'web'))
    expect(options.schemasDir).toBe(join(dir, 'web/schemas'))
  })
})
