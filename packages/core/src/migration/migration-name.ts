import type { SchemaChange } from '../diff/schema-change.ts'

const MAX_LENGTH = 60

/**
 * A descriptive snake_case name for a migration: `add_phone_to_users`,
 * `rename_name_to_full_name_in_users`, `create_users_posts_and_comments`. Several changes
 * are joined with `and`, new tables first. At most 60 characters, and never cut inside a
 * change: what does not fit is counted, `create_users_posts_and_2_more`, so a name never
 * looks complete when it is not.
 */
export function migrationName(changes: readonly SchemaChange[]): string {
  const dropped = new Set(
    changes.flatMap((c) =>
      c.kind === 'dropTable' || c.kind === 'dropView'
        ? [c.table.name]
        : // A function dropped and created again under its name is replaced.
          c.kind === 'dropFunction' && c.replaced
          ? [c.function.name]
          : [],
    ),
  )
  // A view dropped and created again under its name is replaced.
  const views = new Set(changes.flatMap((c) => (c.kind === 'createView' ? [c.table.name] : [])))
  const created = new Set(
    changes.flatMap((c) =>
      c.kind === 'createTable' || (c.kind === 'createView' && !dropped.has(c.table.name))
        ? [slug(`create_${c.table.name}`)]
        : [],
    ),
  )
  // A trigger dropped and created again in one migration is told once, by its creation.
  const triggers = new Set(
    changes.flatMap((c) => (c.kind === 'createTrigger' ? [`${c.table}.${c.trigger.name}`] : [])),
  )
  const all = [
    ...new Set(changes.flatMap((c) => headline(c, dropped, created.size > 0, views, triggers))),
  ]
    .map(slug)
    .filter((part) => part !== '')
  if (all.length === 0) return 'no_changes'
  const parts = [...all.filter((p) => created.has(p)), ...all.filter((p) => !created.has(p))]
  for (let shown = parts.length; shown > 0; shown--) {
    const name = joinParts(parts.slice(0, shown), parts.slice(shown))
    if (name.length <= MAX_LENGTH) return name
  }
  return cut(joinParts(parts.slice(0, 1), []))
}

/**
 * `create_a_b_and_c`, `add_x_to_t_and_drop_y`; the parts left out counted, as `_and_2_more`
 * (more of the same kind: tables created) or `_and_2_more_changes`.
 */
function joinParts(parts: readonly string[], left: readonly string[]): string {
  const creations = parts.every((p) => p.startsWith('create_'))
  const alike = left.every((p) => p.startsWith('create_') === creations)
  const more = left.length === 0 ? [] : [`${left.length}_more${alike ? '' : '_changes'}`]
  const words = [...(creations ? parts.map((p) => p.slice('create_'.length)) : parts), ...more]
  const joined =
    words.length === 1
      ? words[0]!
      : `${words.slice(0, -1).join(creations ? '_' : '_and_')}_and_${words.at(-1)}`
  return `${creations ? 'create_' : ''}${joined}`
}

/** Lower-case letters, digits and single underscores: `Order Lines` → `order_lines`. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
}

/** One change too long alone (long names): cut at the last word boundary that fits. */
function cut(name: string): string {
  const head = name.slice(0, MAX_LENGTH)
  const boundary = head.lastIndexOf('_')
  return boundary > 20 ? head.slice(0, boundary) : head
}

function headline(
  change: SchemaChange,
  dropped: ReadonlySet<string>,
  creates: boolean,
  createdViews: ReadonlySet<string>,
  createdTriggers: ReadonlySet<string>,
): string[] {
  switch (change.kind) {
    case 'createView':
      return [`${dropped.has(change.table.name) ? 'replace' : 'create'}_${change.table.name}`]
    case 'dropView':
      return createdViews.has(change.table.name) ? [] : [`drop_${change.table.name}`]
    case 'createTable':
      return [`create_${change.table.name}`]
    case 'dropTable':
      return [`drop_${change.table.name}`]
    case 'renameTable':
      return [`rename_${change.from}_to_${change.to}`]
    case 'addColumn':
      return [`add_${change.column.name}_to_${change.table}`]
    case 'dropColumn':
      return [`drop_${change.column.name}_from_${change.table}`]
    case 'renameColumn':
      return [`rename_${change.from}_to_${change.to}_in_${change.table}`]
    case 'replaceColumn':
      return [`replace_${change.to.name}_in_${change.table}`]
    case 'dropExpression':
      return [`alter_${change.column}_in_${change.table}`]
    case 'alterColumnType':
      return [`change_${change.to.name}_type_in_${change.table}`]
    case 'setNotNull':
    case 'dropNotNull':
    case 'setDefault':
    case 'dropDefault':
    case 'addIdentity':
    case 'dropIdentity':
    case 'setIdentityGeneration':
      return [`alter_${change.column}_in_${change.table}`]
    case 'addPrimaryKey':
    case 'dropPrimaryKey':
      return [`change_primary_key_of_${change.table}`]
    case 'addUnique':
      return [`add_${change.name}`]
    case 'dropUnique':
      return [`drop_${change.name}`]
    case 'addCheck':
      return [`add_${change.check.name}`]
    case 'dropCheck':
      return [`drop_${change.check.name}`]
    case 'addIndex':
      return change.newTable ? [] : [`add_${change.index.name}`]
    case 'dropIndex':
      return [`drop_${change.index.name}`]
    case 'addForeignKey':
      return change.newTable ? [] : [`add_${change.fk.constraintName}`]
    case 'dropForeignKey':
      return dropped.has(change.table) ? [] : [`drop_${change.fk.constraintName}`]
    case 'alterForeignKeyDeferrable':
      return [
        `${change.fk.deferrable === undefined ? 'undefer' : 'defer'}_${change.fk.constraintName}`,
      ]
    case 'createEnum':
      return creates ? [] : [`create_${change.enum.name}`]
    case 'dropEnum':
      return [`drop_${change.enum.name}`]
    case 'addEnumValue':
      return [`add_${change.value}_to_${change.enumName}`]
    case 'renameEnumValue':
      return [`rename_${change.from}_to_${change.to}_in_${change.enumName}`]
    case 'recreateEnum':
      return change.removed.length === 0
        ? [`reorder_${change.to.name}`]
        : [`remove_${change.removed.join('_')}_from_${change.to.name}`]
    // Made with new tables, the name is the tables'.
    case 'createFunction':
      return creates && !change.orReplace
        ? []
        : [
            `${change.orReplace || dropped.has(change.function.name) ? 'replace' : 'create'}_${change.function.name}`,
          ]
    case 'dropFunction':
      return change.replaced ? [] : [`drop_${change.function.name}`]
    case 'createTrigger':
      return creates ? [] : [`add_${change.trigger.name}_to_${change.table}`]
    case 'dropTrigger':
      return createdTriggers.has(`${change.table}.${change.trigger.name}`)
        ? []
        : [`drop_${change.trigger.name}`]
    case 'createDomain':
      return creates ? [] : [`create_${change.domain.name}`]
    case 'dropDomain':
      return change.replaced ? [] : [`drop_${change.domain.name}`]
    case 'alterDomain':
      return [`alter_${change.to.name}`]
    case 'createPartition':
      return dropped.has(change.table) || creates
        ? []
        : [`add_${change.partition.name}_to_${change.table}`]
    case 'dropPartition':
      return [`drop_${change.partition.name}`]
    case 'renamePartition':
      return [`rename_${change.from}_to_${change.to}`]
    case 'changePartitionKey':
      return [`repartition_${change.table}`]
    case 'renameConstraint':
      return []
  }
}
