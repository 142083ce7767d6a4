import type { SchemaIR } from '@fluentorm/core'
import { createContext, type FluentormContext } from '@fluentorm/unplugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'

/**
 * A save under the dev server must hand back every table it did not change as the same IR
 * object: core's per-table caches (DDL, models module, .d.ts, snapshot hash, diff) key on it.
 */
describe('context.refresh after a save', () => {
  let project: FixtureProject
  let context: FluentormContext

  const tableOf = (schema: SchemaIR, name: string) =>
    schema.tables.find((table) => table.name === name)
  const editUsers = (edit: (text: string) => string) => project.edit('schemas/01_users.ts', edit)
  const validRefresh = async () => {
    const result = await context.refresh()
    if (!result.ok) throw new Error(result.report)
    return result.schema
  }

  beforeAll(async () => {
    project = await copyFixture('blog')
    context = createContext({ dts: false }, project.root)
  })
  afterAll(() => project?.remove())

  it('keeps the objects of unchanged tables, also across an invalid save', async () => {
    const first = await validRefresh()
    await editUsers((text) =>
      text.replace(
        '  t.timestamps()\n',
        "  t.string({ name: 'phone', nullable: true })\n  t.timestamps()\n",
      ),
    )
    const second = await validRefresh()
    expect(tableOf(second, 'posts')).toBe(tableOf(first, 'posts'))
    expect(tableOf(second, 'users')).not.toBe(tableOf(first, 'users'))

    await editUsers((text) => text.replace("name: 'phone'", "name: 'phone', colour: 'red'"))
    expect((await context.refresh()).ok).toBe(false)
    await editUsers((text) => text.replace(", colour: 'red'", ''))
    const third = await validRefresh()
    expect(tableOf(third, 'posts')).toBe(tableOf(first, 'posts'))
    // Compiled again from the fixed file, users has the IR it had before the broken save.
    expect(tableOf(third, 'users')).toBe(tableOf(second, 'users'))
  })
})
