/**
 * The pg_catalog queries `fluentorm pull` runs, one per kind of object over the whole schema
 * (never one per table: a 200-table database is read in a dozen round trips), and the rows
 * they return. Column and key lists come back as JSON, decoded the same way by pg and PGlite.
 */

import { quoteIdent } from '../sql/identifier.ts'
import {
  DOMAINS,
  type DomainRow,
  FUNCTIONS,
  type FunctionRow,
  NOT_A_TYPES_OWN,
  TRIGGERS,
  type TriggerRow,
} from './object-catalog.ts'

/** What the catalog queries run on: one connection (pg Client, PGlite, a transaction). */
export interface CatalogExecutor {
  query<R>(text: string, values?: readonly unknown[]): Promise<readonly R[]>
}

export interface TableRow {
  readonly oid: number
  readonly name: string
  /** `r` table, `p` partitioned table. */
  readonly relkind: string
  readonly partition_of: string | null
  readonly partition_bound: string | null
  readonly partition_key: string | null
  /** COMMENT ON TABLE, or null. */
  readonly comment: string | null
  /** A view's (`v`) or materialized view's (`m`) body as `pg_get_viewdef` prints it; null for a table. */
  readonly view_definition: string | null
  /**
   * A view's or materialized view's options (`security_barrier=true`, `check_option=cascaded`,
   * a materialized view's storage parameters), or null.
   */
  readonly view_options: readonly string[] | null
  /**
   * `ALTER TABLE … REPLICA IDENTITY` when it is not the default (the primary key): `FULL`,
   * `NOTHING`, `USING INDEX name`; null otherwise.
   */
  readonly replica_identity: string | null
}

export interface ColumnRow {
  readonly table_oid: number
  readonly name: string
  readonly position: number
  /** `format_type`: `character varying(16)`, `timestamp(3) with time zone`, `text[]`. */
  readonly type: string
  /** The scalar type's name (the element's, for an array): `int4`, `varchar`, `post_status`. */
  readonly base_type: string
  /** `e` for an enum, `b` base, `d` domain, … */
  readonly base_typtype: string
  readonly base_schema: string
  readonly is_array: boolean
  readonly typmod: number
  readonly not_null: boolean
  readonly default_sql: string | null
  /** `a` always, `d` by default, `` none. */
  readonly identity: string
  /** `s` stored generated column, `` none. */
  readonly generated: string
  /** An identity's sequence: `START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE … CACHE 1 NO CYCLE`. */
  readonly identity_options: string | null
  /** An identity's sequence's name (`accounts_id_seq`, or one given with SEQUENCE NAME), or null. */
  readonly identity_sequence: string | null
  readonly collation: string | null
  /** The extension the scalar type belongs to (`citext`), or null. */
  readonly base_extension: string | null
  /** COMMENT ON COLUMN, or null. */
  readonly comment: string | null
  /**
   * A serial column's sequence: the one it owns (`OWNED BY`) and takes its default from
   * (`nextval('<name>'::regclass)`); null for any other column.
   */
  readonly serial_sequence: SerialSequence | null
}

export interface SerialSequence {
  /** As `nextval` names it: `authors_id_seq`, `"Odd_seq"`. */
  readonly name: string
  /** `CREATE SEQUENCE IF NOT EXISTS … AS integer INCREMENT BY 1 …`, its options as the database has them. */
  readonly create: string
}

export interface ConstraintRow {
  readonly table_oid: number
  readonly name: string
  /** `p` `u` `c` `f` `x` */
  readonly type: string
  readonly columns: readonly string[]
  readonly definition: string
  readonly references_table: string | null
  readonly references_schema: string | null
  readonly references_columns: readonly string[] | null
  readonly on_delete: string
  readonly on_update: string
  readonly deferrable: boolean
  /** INITIALLY DEFERRED (only when deferrable). */
  readonly deferred: boolean
  readonly validated: boolean
  readonly inherited: boolean
}

export interface IndexRow {
  readonly table_oid: number
  readonly name: string
  readonly unique: boolean
  readonly method: string
  readonly predicate: string | null
  readonly definition: string
  /** Backs a primary key, unique or exclusion constraint (written with it). */
  readonly of_constraint: boolean
  /** An index of a partition, made by its partitioned table's index. */
  readonly inherited: boolean
  /** Key column names; empty when an expression is among them. */
  readonly columns: readonly string[]
  readonly has_expressions: boolean
  /** Every key: its text as the definition prints it (a quoted column name, an expression), non-default operator class, order. */
  readonly keys: readonly IndexKeyRow[]
  /** INCLUDE columns. */
  readonly include: readonly string[]
  /** Storage parameters as `name=value`. */
  readonly reloptions: readonly string[] | null
}

export interface IndexKeyRow {
  readonly text: string
  readonly expression: boolean
  readonly opclass: string | null
  readonly desc: boolean
  readonly nulls_first: boolean
}

export interface EnumRow {
  readonly name: string
  readonly values: readonly string[]
}

/** A view, a function, a trigger, a domain, a sequence, an extension, …: SQL written as is. */
export interface DefinitionRow {
  readonly kind: string
  readonly name: string
  readonly oid: number
  readonly definition: string | null
  /** A function whose arguments or result are a table's row type (it must follow the tables). */
  readonly on_table_type: boolean
}

/** Everything pull reads from one PostgreSQL schema. */
export interface DatabaseCatalog {
  readonly schema: string
  readonly tables: readonly TableRow[]
  readonly columns: readonly ColumnRow[]
  readonly constraints: readonly ConstraintRow[]
  readonly indexes: readonly IndexRow[]
  readonly enums: readonly EnumRow[]
  readonly definitions: readonly DefinitionRow[]
  /** Functions, triggers and domains in parts, for `t.function`, `t.trigger`, `t.domain`. */
  readonly functions: readonly FunctionRow[]
  readonly triggers: readonly TriggerRow[]
  readonly domains: readonly DomainRow[]
}

// Objects an extension owns are the extension's (CREATE EXTENSION makes them again).
const NOT_OF_EXTENSION = (classTable: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${classTable}'::regclass AND dep.objid = ${oid} AND dep.deptype = 'e')`

/** `CREATE TYPE … AS RANGE` of the range type `t` (its pg_type row) from `r`, its pg_range row: each option as set, a default left out. */
const CREATE_RANGE = (t: string, r: string) => {
  const defaultMultirange = `CASE WHEN strpos(${t}.typname, 'range') > 0 THEN overlay(${t}.typname PLACING 'multirange' FROM strpos(${t}.typname, 'range') FOR 5) ELSE ${t}.typname || '_multirange' END`
  return `'CREATE TYPE ' || quote_ident(${t}.typname) || ' AS RANGE (SUBTYPE = ' || format_type(${r}.rngsubtype, NULL)
  || (SELECT CASE WHEN opc.opcdefault THEN '' ELSE ', SUBTYPE_OPCLASS = '
      || CASE WHEN opc.opcnamespace IN ('pg_catalog'::regnamespace, ${t}.typnamespace) THEN '' ELSE quote_ident(opc.opcnamespace::regnamespace::text) || '.' END
      || quote_ident(opc.opcname) END FROM pg_opclass opc WHERE opc.oid = ${r}.rngsubopc)
  || CASE WHEN ${r}.rngcollation <> 0 AND ${r}.rngcollation <> (SELECT typcollation FROM pg_type WHERE oid = ${r}.rngsubtype)
      THEN ', COLLATION = ' || ${r}.rngcollation::regcollation::text ELSE '' END
  || CASE WHEN ${r}.rngcanonical <> 0 THEN ', CANONICAL = ' || ${r}.rngcanonical::regproc::text ELSE '' END
  || CASE WHEN ${r}.rngsubdiff <> 0 THEN ', SUBTYPE_DIFF = ' || ${r}.rngsubdiff::regproc::text ELSE '' END
  || COALESCE((SELECT ', MULTIRANGE_TYPE_NAME = ' || quote_ident(mt.typname) FROM pg_type mt
      WHERE mt.oid = ${r}.rngmultitypid AND mt.typname <> ${defaultMultirange}), '')
  || ')'`
}

const TABLES = `
SELECT c.oid::int AS oid, c.relname AS name, c.relkind::text AS relkind,
  (SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid AND c.relispartition) AS partition_of,
  CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
  obj_description(c.oid, 'pg_class') AS comment,
  CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS view_definition,
  CASE WHEN c.relkind IN ('v', 'm') THEN c.reloptions::text[] END AS view_options,
  CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING'
    WHEN 'i' THEN (SELECT 'USING INDEX ' || quote_ident(ic.relname) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid = c.oid AND i.indisreplident) END AS replica_identity
FROM pg_class c
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('r', 'p', 'v', 'm')
  AND c.relname NOT IN ('fluentorm_migrations', 'fluentorm_dev_state')
  AND ${NOT_OF_EXTENSION('pg_class', 'c.oid')}
ORDER BY c.oid`

/** `CREATE SEQUENCE` of the sequence `c` (its pg_class row) with the options of `s` (its pg_sequence row). */
const CREATE_SEQUENCE = (c: string, s: string) =>
  `'CREATE SEQUENCE IF NOT EXISTS ' || quote_ident(${c}.relname) || ' AS ' || format_type(${s}.seqtypid, NULL)
  || ' INCREMENT BY ' || ${s}.seqincrement || ' MINVALUE ' || ${s}.seqmin || ' MAXVALUE ' || ${s}.seqmax
  || ' START WITH ' || ${s}.seqstart || ' CACHE ' || ${s}.seqcache || CASE WHEN ${s}.seqcycle THEN ' CYCLE' ELSE '' END`

const COLUMNS = `
SELECT a.attrelid::int AS table_oid, a.attname AS name, a.attnum::int AS position,
  format_type(a.atttypid, a.atttypmod) AS type,
  bt.typname AS base_type, bt.typtype::text AS base_typtype, btn.nspname AS base_schema,
  (t.typcategory = 'A') AS is_array, a.atttypmod::int AS typmod, a.attnotnull AS not_null,
  pg_get_expr(d.adbin, d.adrelid) AS default_sql, a.attidentity::text AS identity,
  a.attgenerated::text AS generated,
  (SELECT 'START WITH ' || sq.seqstart || ' INCREMENT BY ' || sq.seqincrement || ' MINVALUE ' || sq.seqmin || ' MAXVALUE ' || sq.seqmax || ' CACHE ' || sq.seqcache || CASE WHEN sq.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END
    FROM pg_depend dep JOIN pg_sequence sq ON sq.seqrelid = dep.objid
    WHERE dep.classid = 'pg_class'::regclass AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i') AS identity_options,
  (SELECT sc.relname FROM pg_depend dep JOIN pg_class sc ON sc.oid = dep.objid
    WHERE dep.classid = 'pg_class'::regclass AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' AND sc.relkind = 'S') AS identity_sequence,
  CASE WHEN a.attcollation <> 0 AND a.attcollation <> bt.typcollation THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END AS collation,
  (SELECT e.extname FROM pg_depend dep JOIN pg_extension e ON e.oid = dep.refobjid
    WHERE dep.classid = 'pg_type'::regclass AND dep.objid = bt.oid AND dep.refclassid = 'pg_extension'::regclass AND dep.deptype = 'e') AS base_extension,
  col_description(a.attrelid, a.attnum) AS comment,
  (SELECT json_build_object('name', sc.oid::regclass::text, 'create', ${CREATE_SEQUENCE('sc', 'sq')})
    FROM pg_depend dep JOIN pg_class sc ON sc.oid = dep.objid JOIN pg_sequence sq ON sq.seqrelid = sc.oid
    WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = a.attrelid
      AND dep.refobjsubid = a.attnum AND dep.deptype = 'a'
      AND pg_get_expr(d.adbin, d.adrelid) = 'nextval(' || quote_literal(sc.oid::regclass::text) || '::regclass)') AS serial_sequence
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
JOIN pg_namespace btn ON btn.oid = bt.typnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`

const columnNames = (keys: string, table: string) =>
  `COALESCE((SELECT json_agg(att.attname ORDER BY k.i) FROM unnest(${keys}) WITH ORDINALITY k(n, i) JOIN pg_attribute att ON att.attrelid = ${table} AND att.attnum = k.n), '[]'::json)`

const CONSTRAINTS = `
SELECT con.conrelid::int AS table_oid, con.conname AS name, con.contype::text AS type,
  ${columnNames('con.conkey', 'con.conrelid')} AS columns,
  pg_get_constraintdef(con.oid) AS definition,
  ref.relname AS references_table, refns.nspname AS references_schema,
  CASE WHEN con.contype = 'f' THEN ${columnNames('con.confkey', 'con.confrelid')} END AS references_columns,
  con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
  con.condeferrable AS deferrable, con.condeferred AS deferred, con.convalidated AS validated, NOT con.conislocal AS inherited
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_class ref ON ref.oid = con.confrelid
LEFT JOIN pg_namespace refns ON refns.oid = ref.relnamespace
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('r', 'p') AND con.contype IN ('p', 'u', 'c', 'f', 'x')
ORDER BY con.conrelid, con.contype, con.conname`

const INDEXES = `
SELECT i.indrelid::int AS table_oid, ic.relname AS name, i.indisunique AS unique, am.amname AS method,
  pg_get_expr(i.indpred, i.indrelid) AS predicate, pg_get_indexdef(i.indexrelid) AS definition,
  EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')) AS of_constraint,
  EXISTS (SELECT 1 FROM pg_inherits inh WHERE inh.inhrelid = i.indexrelid) AS inherited,
  ${columnNames('i.indkey[0:i.indnkeyatts - 1]', 'i.indrelid')} AS columns,
  (i.indexprs IS NOT NULL OR 0 = ANY (i.indkey[0:i.indnkeyatts - 1])) AS has_expressions,
  (SELECT json_agg(json_build_object('text', pg_get_indexdef(i.indexrelid, k.n, false), 'expression', i.indkey[k.n - 1] = 0,
      'opclass', CASE WHEN opc.opcdefault THEN NULL ELSE opc.opcname END,
      'desc', (i.indoption[k.n - 1] & 1) = 1, 'nulls_first', (i.indoption[k.n - 1] & 2) = 2) ORDER BY k.n)
    FROM generate_series(1, i.indnkeyatts::int) k(n) JOIN pg_opclass opc ON opc.oid = i.indclass[k.n - 1]) AS keys,
  COALESCE((SELECT json_agg(att.attname ORDER BY k.n) FROM generate_series(i.indnkeyatts + 1, i.indnatts::int) k(n)
    JOIN pg_attribute att ON att.attrelid = i.indrelid AND att.attnum = i.indkey[k.n - 1]), '[]'::json) AS include,
  ic.reloptions AS reloptions
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('r', 'p', 'm')
ORDER BY ic.oid`

const ENUMS = `
SELECT t.typname AS name, json_agg(e.enumlabel ORDER BY e.enumsortorder) AS values
FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND ${NOT_OF_EXTENSION('pg_type', 't.oid')}
GROUP BY t.oid, t.typname ORDER BY t.oid`

/**
 * Comments on what is not a table, view or column: constraints (of tables and domains),
 * indexes, functions and procedures, types and domains, triggers. Written last, when all of
 * them exist; none of an extension's objects, nor of what pull does not write (aggregates).
 */
const OTHER_COMMENTS = `
SELECT 'comment', 'on constraint ' || con.conname || ' of ' || COALESCE(tc.relname, ty.typname), con.oid::int,
  'COMMENT ON CONSTRAINT ' || quote_ident(con.conname) || ' ON '
    || CASE WHEN con.contypid <> 0 THEN 'DOMAIN ' || quote_ident(ty.typname) ELSE quote_ident(tc.relname) END
    || ' IS ' || quote_literal(d.description), false
FROM pg_description d JOIN pg_constraint con ON con.oid = d.objoid AND d.classoid = 'pg_constraint'::regclass
LEFT JOIN pg_class tc ON tc.oid = con.conrelid LEFT JOIN pg_type ty ON ty.oid = con.contypid
WHERE con.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
  AND COALESCE(tc.relname, '') NOT IN ('fluentorm_migrations', 'fluentorm_dev_state')
UNION ALL
SELECT 'comment', 'on index ' || c.relname, c.oid::int,
  'COMMENT ON INDEX ' || quote_ident(c.relname) || ' IS ' || quote_literal(d.description), false
FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('i', 'I')
  AND ${NOT_OF_EXTENSION('pg_class', 'c.oid')}
UNION ALL
SELECT 'comment', 'on ' || CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END || p.proname, p.oid::int,
  'COMMENT ON ' || CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || quote_ident(p.proname)
    || '(' || pg_get_function_identity_arguments(p.oid) || ') IS ' || quote_literal(d.description), false
FROM pg_description d JOIN pg_proc p ON p.oid = d.objoid AND d.classoid = 'pg_proc'::regclass
WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND p.prokind IN ('f', 'p')
  AND ${NOT_OF_EXTENSION('pg_proc', 'p.oid')}
UNION ALL
SELECT 'comment', 'on type ' || t.typname, t.oid::int,
  'COMMENT ON ' || CASE t.typtype WHEN 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END || quote_ident(t.typname)
    || ' IS ' || quote_literal(d.description), false
FROM pg_description d JOIN pg_type t ON t.oid = d.objoid AND d.classoid = 'pg_type'::regclass
WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
  AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
  AND ${NOT_OF_EXTENSION('pg_type', 't.oid')}
UNION ALL
SELECT 'comment', 'on trigger ' || tg.tgname || ' of ' || c.relname, tg.oid::int,
  'COMMENT ON TRIGGER ' || quote_ident(tg.tgname) || ' ON ' || quote_ident(c.relname)
    || ' IS ' || quote_literal(d.description), false
FROM pg_description d JOIN pg_trigger tg ON tg.oid = d.objoid AND d.classoid = 'pg_trigger'::regclass
JOIN pg_class c ON c.oid = tg.tgrelid
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND NOT tg.tgisinternal`

/**
 * The `ALTER TABLE … DISABLE | ENABLE ALWAYS | ENABLE REPLICA TRIGGER/RULE name` that follows
 * a trigger's or rule's definition when its state (`enabled`: 'D', 'A', 'R') is not the
 * default one ('O', which its definition makes), on its own line; '' for the default.
 */
const FIRING_STATE = (what: 'TRIGGER' | 'RULE', enabled: string, name: string) =>
  `COALESCE(';\nALTER TABLE ' || quote_ident(c.relname) || CASE ${enabled} WHEN 'D' THEN ' DISABLE '
    WHEN 'A' THEN ' ENABLE ALWAYS ' WHEN 'R' THEN ' ENABLE REPLICA ' END || '${what} ' || quote_ident(${name}), '')`

/** Everything that is not a table, as the SQL that makes it. */
const DEFINITIONS = `
SELECT 'extension' AS kind, e.extname AS name, e.oid::int AS oid, NULL AS definition, false AS on_table_type
FROM pg_extension e WHERE e.extnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
UNION ALL
SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, c.relname, c.oid::int, pg_get_viewdef(c.oid, true), false
FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('v', 'm') AND ${NOT_OF_EXTENSION('pg_class', 'c.oid')}
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window function' ELSE 'function' END,
  p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.oid::int,
  CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END,
  EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_type ty ON ty.oid = dep.refobjid JOIN pg_class tc ON tc.oid = ty.typrelid
    WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = p.oid AND tc.relkind IN ('r', 'p', 'v', 'm'))
FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND ${NOT_OF_EXTENSION('pg_proc', 'p.oid')}
  AND ${NOT_A_TYPES_OWN('p.oid')}
UNION ALL
SELECT 'trigger', t.tgname || ' on ' || c.relname, t.oid::int, pg_get_triggerdef(t.oid, true)
  -- pg_get_triggerdef prints no state: a trigger not in the default one (ORIGIN) is set to its own after it.
  || ${FIRING_STATE('TRIGGER', 't.tgenabled', 't.tgname')}, false
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND NOT t.tgisinternal AND t.tgparentid = 0
UNION ALL
-- Rules (CREATE RULE), not a view's own _RETURN rule; a disabled one is set so after it.
SELECT 'rule', r.rulename || ' on ' || c.relname, r.oid::int, rtrim(pg_get_ruledef(r.oid, true), ';')
  || ${FIRING_STATE('RULE', 'r.ev_enabled', 'r.rulename')}, false
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND r.rulename <> '_RETURN'
UNION ALL
SELECT 'domain', t.typname, t.oid::int,
  'CREATE DOMAIN ' || quote_ident(t.typname) || ' AS ' || format_type(t.typbasetype, t.typtypmod)
  || COALESCE(' DEFAULT ' || t.typdefault, '') || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
  || COALESCE((SELECT string_agg(' CONSTRAINT ' || quote_ident(con.conname) || ' ' || pg_get_constraintdef(con.oid), '' ORDER BY con.conname) FROM pg_constraint con WHERE con.contypid = t.oid AND con.convalidated), '')
  -- CREATE DOMAIN takes no NOT VALID: such a check is added after it, unchecked as it was.
  || COALESCE((SELECT string_agg(';
ALTER DOMAIN ' || quote_ident(t.typname) || ' ADD CONSTRAINT ' || quote_ident(con.conname) || ' ' || pg_get_constraintdef(con.oid), '' ORDER BY con.conname)
    FROM pg_constraint con WHERE con.contypid = t.oid AND NOT con.convalidated), ''), false
FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND t.typtype = 'd' AND ${NOT_OF_EXTENSION('pg_type', 't.oid')}
UNION ALL
SELECT 'type', t.typname, t.oid::int,
  'CREATE TYPE ' || quote_ident(t.typname) || ' AS ('
  || (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
  || ')', false
FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid
WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND t.typtype = 'c' AND c.relkind = 'c' AND ${NOT_OF_EXTENSION('pg_type', 't.oid')}
UNION ALL
SELECT 'type', t.typname, t.oid::int, ${CREATE_RANGE('t', 'r')}, false
FROM pg_type t JOIN pg_range r ON r.rngtypid = t.oid
WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND ${NOT_OF_EXTENSION('pg_type', 't.oid')}
UNION ALL
SELECT 'sequence', c.relname, c.oid::int, ${CREATE_SEQUENCE('c', 's')}, false
FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind = 'S'
  AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = c.oid AND dep.classid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i', 'e'))
UNION ALL
SELECT 'unlogged table', c.relname, c.oid::int, 'ALTER TABLE ' || quote_ident(c.relname) || ' SET UNLOGGED', false
FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind = 'r' AND c.relpersistence = 'u'
UNION ALL
SELECT 'inheritance', c.relname || ' from ' || p.relname, c.oid::int,
  'ALTER TABLE ' || quote_ident(c.relname) || ' INHERIT ' || quote_ident(p.relname), false
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND NOT c.relispartition AND c.relkind = 'r'
UNION ALL
SELECT 'statistics', s.stxname, s.oid::int,
  regexp_replace(pg_get_statisticsobjdef(s.oid), '^CREATE STATISTICS \\S+', 'CREATE STATISTICS ' || quote_ident(s.stxname)), false
FROM pg_statistic_ext s WHERE s.stxnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
UNION ALL
SELECT 'row level security', c.relname, c.oid::int,
  'ALTER TABLE ' || quote_ident(c.relname) || ' ENABLE ROW LEVEL SECURITY'
  || CASE WHEN c.relforcerowsecurity THEN ';
ALTER TABLE ' || quote_ident(c.relname) || ' FORCE ROW LEVEL SECURITY' ELSE '' END, false
FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relrowsecurity
UNION ALL
SELECT 'policy', p.policyname || ' on ' || p.tablename, pol.oid::int,
  'CREATE POLICY ' || quote_ident(p.policyname) || ' ON ' || quote_ident(p.tablename)
  || ' AS ' || p.permissive || ' FOR ' || p.cmd
  || ' TO ' || (SELECT string_agg(CASE WHEN r = 'public' THEN 'PUBLIC' ELSE quote_ident(r) END, ', ') FROM unnest(p.roles) r)
  || COALESCE(' USING (' || p.qual || ')', '') || COALESCE(' WITH CHECK (' || p.with_check || ')', ''), false
FROM pg_policies p JOIN pg_policy pol ON pol.polname = p.policyname
  AND pol.polrelid = (SELECT oid FROM pg_class WHERE relname = p.tablename AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1))
WHERE p.schemaname = $1
UNION ALL
SELECT 'comment', CASE WHEN d.objsubid = 0 THEN c.relname ELSE c.relname || '.' || a.attname END, c.oid::int,
  'COMMENT ON ' || CASE WHEN d.objsubid <> 0 THEN 'COLUMN ' || quote_ident(c.relname) || '.' || quote_ident(a.attname)
    WHEN c.relkind = 'v' THEN 'VIEW ' || quote_ident(c.relname) WHEN c.relkind = 'm' THEN 'MATERIALIZED VIEW ' || quote_ident(c.relname)
    ELSE 'TABLE ' || quote_ident(c.relname) END || ' IS ' || quote_literal(d.description), false
FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND c.relkind IN ('r', 'p', 'v', 'm')
  AND c.relname NOT IN ('fluentorm_migrations', 'fluentorm_dev_state')
UNION ALL
${OTHER_COMMENTS}
ORDER BY 3, 2`

/**
 * Reads one schema's catalog. pg_get_expr, pg_get_viewdef and the other deparsers qualify a
 * name only when the search path does not find it, so the search path is set to the schema
 * for the duration (and restored): the definitions then read as written, unqualified.
 * `alsoOnPath` follows it there: the drift check's scratch schema names the live schema's
 * sequences and functions, which read unqualified as they do in the live schema.
 */
export async function readCatalog(
  db: CatalogExecutor,
  schema: string,
  alsoOnPath: readonly string[] = [],
): Promise<DatabaseCatalog> {
  const [found] = await db.query<{ found: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found',
    [schema],
  )
  if (found?.found !== true) throw new MissingSchemaError(schema)
  const [previous] = await db.query<{ path: string }>(
    "SELECT current_setting('search_path') AS path",
  )
  await db.query("SELECT set_config('search_path', $1, false)", [
    [schema, ...alsoOnPath].map(quoteIdent).join(', '),
  ])
  try {
    const run = <R>(text: string) => db.query<R>(text, [schema])
    return {
      schema,
      tables: await run<TableRow>(TABLES),
      columns: await run<ColumnRow>(COLUMNS),
      constraints: await run<ConstraintRow>(CONSTRAINTS),
      indexes: await run<IndexRow>(INDEXES),
      enums: await run<EnumRow>(ENUMS),
      definitions: await run<DefinitionRow>(DEFINITIONS),
      functions: await run<FunctionRow>(FUNCTIONS),
      triggers: await run<TriggerRow>(TRIGGERS),
      domains: await run<DomainRow>(DOMAINS),
    }
  } finally {
    await db.query("SELECT set_config('search_path', $1, false)", [previous?.path ?? 'public'])
  }
}

/** `--schema` names a schema the database does not have. */
export class MissingSchemaError extends Error {
  constructor(readonly schema: string) {
    super(
      `The database has no schema '${schema}'. Pass the one your tables are in with --schema (default: public).`,
    )
  }
}
