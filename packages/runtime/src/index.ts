/**
 * @fluentorm/runtime: what generated models and applications use. Everything not exported
 * here is internal.
 */
export * from './executor/index.ts'
export * from './migration/index.ts'
export { defineModels } from './model/define-models.ts'
export type {
  AllColumns,
  ColumnName,
  FindOptions,
  InsertManyOptions,
  InsertOptions,
  MaterializedViewModel,
  Model,
  ModelTypes,
  RedactedOf,
  RefreshOptions,
  RelationTypes,
  RowColumn,
  UpsertOptions,
  ViewModel,
  ViewTypes,
  Writable,
} from './model/model-types.ts'
export { escapeLike } from './query/condition-input.ts'
export type { CursorOptions, CursorPage } from './query/cursor-page.ts'
export type {
  CteColumns,
  NoPlaceholders,
  ReadQuery,
  RelationValueOptions,
} from './query/query-builder.ts'
export { QueryBuilder } from './query/query-builder.ts'
export type {
  AggregateFunction,
  AggregateResult,
  AllRowsOption,
  ColumnValue,
  ComparisonOperator,
  ContainmentOperator,
  ElementOf,
  KeysOperator,
  ListOperator,
  LockOptions,
  Page,
  PatternOperator,
  QualifiedColumn,
  QueryColumn,
  RangeOperator,
  RelationName,
  RelationResult,
  RowOf,
  SearchOperator,
  Selected,
  SumResult,
} from './query/query-types.ts'
export { Placeholder, placeholder } from './sql/placeholder.ts'
export type { ColumnRef } from './sql/sql-fragment.ts'
export { Sql, sql } from './sql/sql-fragment.ts'
export type { SqlFileStatement, SqlFileStatementSpec } from './sql-file/sql-file-statement.ts'
export { sqlFileStatement } from './sql-file/sql-file-statement.ts'
