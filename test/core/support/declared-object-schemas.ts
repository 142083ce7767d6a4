import type { SchemaIR, TableSchema, TriggerOptions } from '@fluentorm/core'
import { file, schemaOf } from './schema-fixtures.ts'

/** A trigger function's body, as a schema file would hold it. */
export const TOUCH_BODY = `
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
`

/** `schemas/00_functions.ts`: a file of functions and a domain, no columns. */
export const objects =
  (body = TOUCH_BODY, extra: (t: TableSchema) => void = () => {}) =>
  (t: TableSchema) => {
    t.domain({ name: 'email_address', type: 'text', check: "VALUE ~ '^[^@]+@[^@]+$'" })
    t.function({ name: 'touch_updated_at', returns: 'trigger', body })
    extra(t)
  }

export const TOUCH: TriggerOptions = {
  name: 'posts_touch',
  timing: 'before',
  events: ['update'],
  forEach: 'row',
  function: 'touch_updated_at',
}

/** posts, its email a domain, its updated_at set by a trigger. */
export const posts =
  (trigger: Partial<TriggerOptions> | null = {}) =>
  (t: TableSchema) => {
    t.uuid({ name: 'id', primaryKey: true })
    t.string({ name: 'title' })
    t.custom({ name: 'email', type: 'email_address', nullable: true })
    t.timestamps()
    if (trigger !== null) t.trigger({ ...TOUCH, ...trigger })
  }

export const blog = (
  options: {
    body?: string
    trigger?: Partial<TriggerOptions> | null
    extra?: (t: TableSchema) => void
  } = {},
): SchemaIR =>
  schemaOf(
    file('functions', objects(options.body, options.extra), 0),
    file('posts', posts(options.trigger === undefined ? {} : options.trigger), 1),
  )
