import type { SchemaChange } from '../diff/schema-change.ts'

const MAX_LENGTH = 60

/**
 * A descriptive snake_case name for a migration: `add_phone_to_users`,
 * `rename_name_to_full_name_in_users`, `create_users_posts_and_comments`. Several changes
 * are joined with `and`, cut at a word boundary after 60 characters.
 */
export function migrationName(changes: readonly SchemaChange[]): string {
  const dropped = new Set(changes.flatMap((c) => (c.kind === 'dropTable' ? [c.table.name] : [])))
  const creates = changes.some((c) => c.kind === 'createTable')
  const parts = [...new Set(changes.flatMap((c) => headline(c, dropped, creates)))]
  if (parts.length === 0) return 'no_changes'
  const creations = parts.every((p) => p.startsWith('create_'))
  const words = creations ? parts.map((p) => p.slice('create_'.length)) : parts
  const joined =
    words.length === 1
      ? words[0]!
      : `${words.slice(0, -1).join(creations ? '_' : '_and_')}_and_${words.at(-1)}`
  return truncate(
    `${creations ? 'create_' : ''}${joined}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_'),
  )
}

function truncate(name: string): string {
  if (name.length <= MAX_LENGTH) return name
  const cut = name.slice(0, MAX_LENGTH)
  const boundary = cut.lastIndexOf('_')
  return boundary > 20 ? cut.slice(0, boundary) : cut
}

function headline(change: SchemaChange, dropped: ReadonlySet<string>, creates: boolean): string[] {
  switch (change.kind) {
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
    case 'renameConstraint':
      return []
  }
}
