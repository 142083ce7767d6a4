export type { ConnectOptions, Database, PgDatabase, PgliteDatabase } from '../connect.ts'
export { connect } from '../connect.ts'
export { connectionFailedError } from '../errors/connection-failed-error.ts'
export type { ErrorDetail } from '../errors/error-detail.ts'
export { setErrorDetail } from '../errors/error-detail.ts'
export type { FluentOrmErrorFields, FluentOrmErrorKind } from '../errors/fluent-orm-error.ts'
export { FluentOrmError } from '../errors/fluent-orm-error.ts'
export type { ErrorContext } from '../errors/to-fluent-error.ts'
export { toFluentError } from '../errors/to-fluent-error.ts'
export type { CopyRowsOptions } from './copy-rows.ts'
export { copyRows } from './copy-rows.ts'
export type {
  CopyTarget,
  Driver,
  Executor,
  IsolationLevel,
  QueryConfig,
  QueryResult,
  TransactionOptions,
} from './driver.ts'
export { driverBrand } from './driver.ts'
export type { PoolerMode } from './pooler.ts'
export type { QueryLogEntry } from './query-log.ts'
export type { ReplicaState, ReplicaStatus } from './replica-driver.ts'
export { toDriver } from './to-driver.ts'
export type { TransactionRunOptions } from './transaction.ts'
export { transaction } from './transaction.ts'
export type { Transaction } from './transaction-driver.ts'
export { valueParsers } from './value-parsers.ts'
