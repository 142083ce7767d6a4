import type { TableDDL } from '../schema/model-meta.ts'
import type { TableIR } from '../schema/schema-ir.ts'
import { tableCommentsSql } from './comment-sql.ts'
import {
  constrainedForeignKeys,
  createEnumSql,
  createExtensionSql,
  createIndexSql,
  foreignKeySql,
} from './constraint-sql.ts'
import { createTableSql } from './create-table-sql.ts'
import { tableTriggerStatements } from './declaration-files.ts'
import { quoteIdent } from './identifier.ts'
import { createPartitionsSql } from './partition-sql.ts'
import { createViewSql, dropViewSql, isView } from './view-sql.ts'

/**
 * The DDL of one table as separate statements, without trailing semicolons, each
 * re-runnable: extensions and enum types, the table, its comments, its foreign keys, its
 * triggers, its indexes, and the drop.
 *
 * ```ts
 * tableDdl(posts).createIndexes
 * // ['CREATE INDEX IF NOT EXISTS idx_posts_user_created ON posts (user_id, created_at)']
 * tableDdl(posts).dropTable // 'DROP TABLE IF EXISTS posts CASCADE'
 * ```
 */
export function tableDdl(table: TableIR): TableDDL {
  // A view: its CREATE in place of the table's (its enum types are its tables'), no FK.
  if (isView(table))
    return Object.freeze({
      createTypes: Object.freeze([]),
      createTable: createViewSql(table, true),
      ...commentsAndTriggers(table),
      foreignKeys: Object.freeze([]),
      createIndexes: Object.freeze(table.indexes.map((index) => createIndexSql(table, index))),
      dropTable: dropViewSql(table, true),
    })
  return Object.freeze({
    createTypes: Object.freeze([
      ...(table.extensions ?? []).map(createExtensionSql),
      ...table.enums.map(createEnumSql),
    ]),
    createTable: createTableSql(table),
    ...(table.partitionBy === undefined
      ? {}
      : { createPartitions: Object.freeze(createPartitionsSql(table)) }),
    ...commentsAndTriggers(table),
    foreignKeys: Object.freeze(
      constrainedForeignKeys(table).map((relation) => foreignKeySql(table, relation)),
    ),
    createIndexes: Object.freeze(table.indexes.map((index) => createIndexSql(table, index))),
    dropTable: `DROP TABLE IF EXISTS ${quoteIdent(table.name)} CASCADE`,
  })
}

/** Its comments and triggers, each set only when there are some (a table without them keeps its metadata). */
function commentsAndTriggers(table: TableIR): Pick<TableDDL, 'comments' | 'createTriggers'> {
  const comments = tableCommentsSql(table)
  const triggers = tableTriggerStatements(table)
  return {
    ...(comments.length === 0 ? {} : { comments: Object.freeze(comments) }),
    ...(triggers.length === 0 ? {} : { createTriggers: Object.freeze(triggers) }),
  }
}
