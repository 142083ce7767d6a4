import type { RelationIR } from '@fluentorm/core/ir'
import { quotedValue } from '../errors/shown-value.ts'
import type { ModelRuntime } from '../model/model-runtime.ts'
import { requireColumn } from '../model/table-info.ts'
import { usageError } from '../model/usage-error.ts'
import type { Clause, ColumnExpr, Expr } from '../sql/expression.ts'
import { nodeWith, type QueryNode, type SelectItem } from '../sql/query-node.ts'
import { requireSourceColumn } from './resolve-column.ts'

/** A relation of the query's model, found by name, and the model it targets. */
export interface RelationTarget {
  readonly relation: RelationIR
  readonly target: ModelRuntime
}

/** The relation named `name` and its target's model, or a clear error naming the relations. */
export function relationOf(state: QueryNode, name: string, operation: string): RelationTarget {
  const table = state.runtime.info.table
  const context = { model: state.runtime.info.modelName, operation }
  const relation =
    typeof name === 'string' ? table.relations.find((candidate) => candidate.name === name) : null
  if (!relation) {
    const names = table.relations.map((candidate) => candidate.name)
    throw usageError(
      context,
      `table ${table.name} has no relation ${quotedValue(name)}`,
      names.length
        ? `Use one of: ${names.join(', ')}.`
        : 'Declare it in the schema (belongsTo, hasOne, hasMany, manyToMany).',
    )
  }
  const targetTable =
    relation.kind === 'belongsTo'
      ? relation.referencesTable
      : relation.kind === 'manyToMany'
        ? relation.targetTable
        : relation.foreignTable
  const target = state.runtime.model(targetTable)
  if (!target) {
    throw usageError(
      context,
      `relation "${name}" targets table ${targetTable}, which has no model`,
      'Define every related table in the same defineModels call.',
    )
  }
  return { relation, target }
}

/**
 * The rows of a relation that belong to the outer query's row: `nested` (the caller's query
 * on the target model) with the correlation first in its WHERE — `"comments"."post_id" =
 * <outer>."id"` — and, for manyToMany, the junction joined (its soft-deleted links left out
 * with the rest of the join filter). What `whereHas` tests and `withCount` counts.
 */
export function relationRows(
  state: QueryNode,
  { relation, target }: RelationTarget,
  nested: QueryNode,
  operation: string,
): QueryNode {
  const own = state.runtime.info
  const column = (table: string | null, info: ModelRuntime['info'], name: string): ColumnExpr => ({
    kind: 'column',
    table,
    column: requireColumn(info, name, operation),
  })
  const outer = (name: string): Expr => {
    requireSourceColumn(state, name, operation)
    return { kind: 'outer', column: requireColumn(own, name, operation) }
  }
  const equal = (left: Expr, right: Expr): Clause => ({
    or: false,
    condition: { kind: 'compare', left, op: '=', right },
  })
  switch (relation.kind) {
    case 'belongsTo':
      return correlated(nested, [
        equal(column(null, target.info, relation.referencesColumn), outer(relation.column)),
      ])
    case 'hasOne':
    case 'hasMany':
      return correlated(nested, [
        equal(column(null, target.info, relation.foreignColumn), outer(relation.localColumn)),
      ])
    case 'manyToMany': {
      const through = target.model(relation.through)
      if (!through || nested.joins.some((join) => join.info === through.info)) {
        throw usageError(
          { model: own.modelName, operation },
          through
            ? `the query for relation "${relation.name}" joins its junction ${relation.through} itself`
            : `relation "${relation.name}" goes through table ${relation.through}, which has no model`,
          through
            ? 'Leave the junction out: the relation joins it.'
            : 'Define every table of the schema in the same defineModels call.',
        )
      }
      const junction = relation.through
      const on = equal(
        column(junction, through.info, relation.throughForeignColumn),
        column(null, target.info, relation.targetColumn),
      ).condition
      const linked = {
        ...nested,
        joins: [{ type: 'inner' as const, info: through.info, on }, ...nested.joins],
      }
      return correlated(linked, [
        equal(
          column(junction, through.info, relation.throughLocalColumn),
          outer(relation.localColumn),
        ),
      ])
    }
  }
}

function correlated(query: QueryNode, correlation: readonly Clause[]): QueryNode {
  if (!query.where.some((clause) => clause.or)) {
    return nodeWith(query, { where: [...correlation, ...query.where] })
  }
  // An OR among the caller's conditions stays inside one group: it cannot undo the correlation.
  const group: Clause = { or: false, condition: { kind: 'logical', clauses: query.where } }
  return nodeWith(query, { where: [...correlation, group] })
}

/** A value the select list gives under `key` that is not a column under its own name. */
export function selectedValue(state: QueryNode, key: unknown): SelectItem | undefined {
  if (typeof key !== 'string') return undefined
  return (
    state.extras.find((item) => item.key === key) ?? state.select?.find((item) => item.key === key)
  )
}
