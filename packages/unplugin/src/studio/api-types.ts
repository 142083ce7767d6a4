/**
 * The JSON the studio's API answers with, shared by the server handlers and the browser
 * client (types only: nothing here runs).
 */

export interface SessionInfo {
  /** Vite's HMR WebSocket, where the studio's live events arrive; null without one. */
  readonly hmr: HmrEndpoint | null
  /** The event name on that channel. */
  readonly event: string
  /** Whether the Data view may insert, edit and delete (the toggle). */
  readonly writes: boolean
  /** Whether there is a dev database (the plugin's devDatabase option). */
  readonly database: boolean
  readonly root: string
}

/** Vite's HMR socket as its client finds it: null parts are the page's own. */
export interface HmrEndpoint {
  readonly scheme: string | null
  readonly host: string | null
  readonly port: number | null
  readonly path: string
  readonly token: string
  readonly protocol: string
}

export interface ColumnInfo {
  readonly name: string
  /** The PostgreSQL type as written in DDL. */
  readonly sqlType: string
  /** The scalar kind (`text`, `integer`, `timestamptz`, …). */
  readonly type: string
  readonly array: boolean
  readonly nullable: boolean
  readonly primaryKey: boolean
  readonly unique: boolean
  readonly identity: boolean
  readonly defaultSql: string | null
  /** The table and column a foreign key on this column references. */
  readonly references: { readonly table: string; readonly column: string } | null
  /** A `redacted: true` column: its values are never shown. */
  readonly redacted: boolean
  readonly createInput: 'required' | 'optional' | 'excluded'
  readonly updateInput: boolean
  /** For enums: the values. */
  readonly values: readonly string[] | null
  /** For timestamps: Date (`'date'`) or PostgreSQL's text (`'string'`). */
  readonly timeMode: 'date' | 'string' | null
  readonly line: number
}

export interface IndexInfo {
  readonly name: string
  readonly columns: readonly string[]
  readonly unique: boolean
  readonly where: string | null
  readonly method: string | null
}

export interface RelationInfo {
  readonly kind: string
  readonly name: string
  readonly table: string
  /** `through` for manyToMany. */
  readonly through: string | null
  readonly line: number
}

export interface ProblemInfo {
  readonly file: string
  /** Absolute path, for the editor link. */
  readonly path: string
  readonly line: number | null
  readonly column: number | null
  readonly table: string | null
  readonly columnName: string | null
  readonly message: string
  readonly hint: string
}

export interface TableInfo {
  readonly name: string
  readonly modelName: string
  /** The schema file, relative to the project. */
  readonly file: string
  /** Absolute path, for the editor link. */
  readonly path: string
  readonly line: number
  readonly softDelete: boolean
  readonly primaryKey: readonly string[]
  readonly columns: readonly ColumnInfo[]
  readonly indexes: readonly IndexInfo[]
  readonly uniques: readonly { readonly name: string; readonly columns: readonly string[] }[]
  readonly checks: readonly { readonly name: string; readonly expression: string }[]
  readonly relations: readonly RelationInfo[]
  readonly problems: readonly ProblemInfo[]
}

export interface EdgeInfo {
  readonly name: string
  readonly from: string
  readonly fromColumn: string
  readonly to: string
  readonly toColumn: string
}

export interface SchemaAnswer {
  /** False when the schema files have problems: the tables are the last valid ones. */
  readonly valid: boolean
  readonly tables: readonly TableInfo[]
  readonly edges: readonly EdgeInfo[]
  readonly problems: readonly ProblemInfo[]
  readonly layout: {
    readonly tables: Readonly<
      Record<string, { x: number; y: number; width: number; height: number }>
    >
    readonly width: number
    readonly height: number
  }
  readonly metrics: {
    readonly headerHeight: number
    readonly rowHeight: number
    readonly padding: number
  }
}

/** A cell: JSON values as they are; Date as ISO text, bigint as digits, bytes as `\x…` hex. */
export type Cell = string | number | boolean | null | readonly unknown[] | Record<string, unknown>

export interface RowsAnswer {
  readonly table: string
  /** The columns shown: the model's row without its redacted columns. */
  readonly columns: readonly string[]
  /** Redacted columns, named but never shown. */
  readonly hidden: readonly string[]
  readonly rows: readonly Record<string, Cell>[]
  /** The rows matching the filters. */
  readonly total: number
  /** Every row of the table as the app counts it (soft-deleted ones left out). */
  readonly count: number
  readonly page: number
  readonly perPage: number
  readonly pages: number
  /** The primary key columns, to address a row for edit and delete. */
  readonly primaryKey: readonly string[]
}

export interface Filter {
  readonly column: string
  readonly op: FilterOp
  readonly value?: string
}

export type FilterOp =
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'contains'
  | 'startsWith'
  | 'null'
  | 'not null'

export interface AppliedInfo {
  readonly name: string
  readonly checksum: string
  readonly finishedAt: string
  readonly executionMs: number
}

export interface PendingDiff {
  /** The name the next `fluentorm generate` (or build) gives the migration file. */
  readonly name: string
  readonly sql: readonly string[]
  readonly findings: readonly { rule: string; severity: string; message: string }[]
  readonly transactional: boolean
  readonly irreversible: readonly string[]
}

export interface MigrationsAnswer {
  readonly applied: readonly AppliedInfo[]
  /** Numbered migration files the dev database has not run. */
  readonly pendingFiles: readonly string[]
  /** Problems the runner would refuse on (an edited applied migration, …). */
  readonly problems: readonly string[]
  /** The change from the last migration's snapshot to the schemas: the next migration file. */
  readonly pending: PendingDiff | null
  /** What the dev database did with the schemas' change. */
  readonly dev:
    | { readonly state: 'current' }
    | {
        readonly state: 'waiting' | 'blocked'
        readonly sql: readonly string[]
        readonly reasons: readonly string[]
        readonly token: string
      }
    | { readonly state: 'unavailable' }
}

export interface QueryEntryInfo {
  readonly id: number
  readonly at: number
  readonly text: string
  /** The text was longer than the log keeps (its start is shown): it cannot be explained. */
  readonly truncated: boolean
  readonly values: number
  readonly durationMs: number
  readonly rows: number
  readonly error: string | null
  /** `src/app.ts:47:30`: the application's frame that ran it, when one is on the stack. */
  readonly caller: string | null
  readonly request: number | null
}

export interface RequestInfo {
  readonly id: number
  readonly method: string
  readonly url: string
  readonly at: number
  readonly queries: readonly QueryEntryInfo[]
  /** Statements run `repeatedQueries` times or more in this request (N+1). */
  readonly repeated: readonly { readonly text: string; readonly count: number }[]
}

export interface QueriesAnswer {
  readonly requests: readonly RequestInfo[]
  /** Statements outside any request (the dev server's own, the app's start). */
  readonly background: readonly QueryEntryInfo[]
  readonly slowMs: number | null
  readonly repeatedThreshold: number | null
}

export interface ExplainAnswer {
  readonly plan: string
  readonly analyzed: boolean
}
