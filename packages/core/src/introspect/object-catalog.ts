/**
 * The catalog rows of the objects schema files declare beside tables: functions, triggers and
 * domains, each in parts (arguments, events, constraints), so pull can write the `t.function`,
 * `t.trigger` and `t.domain` calls that make them again, or say why it cannot.
 */

export interface FunctionArgumentRow {
  readonly name: string | null
  readonly type: string
  /** `i` in, `o` out, `b` inout, `v` variadic, `t` a column of RETURNS TABLE. */
  readonly mode: string
  readonly default: string | null
}

export interface FunctionRow {
  readonly oid: number
  readonly name: string
  /** `name(identity arguments)`, as the hand-written migration's report names it. */
  readonly object: string
  /** `f` function, `p` procedure, `a` aggregate, `w` window. */
  readonly kind: string
  readonly args: readonly FunctionArgumentRow[]
  readonly returns: string
  readonly language: string
  /** `prosrc`: the body as written between the dollar quotes. */
  readonly body: string
  /** A `BEGIN ATOMIC` body (SQL-standard), which has no text in `prosrc`. */
  readonly standard_body: boolean
  readonly volatility: string
  readonly security_definer: boolean
  /** STRICT, LEAKPROOF, PARALLEL, COST, ROWS or SET set to what PostgreSQL would not choose itself. */
  readonly other_attributes: boolean
  /** Another function of the schema has its name. */
  readonly overloaded: boolean
}

export interface TriggerRow {
  readonly name: string
  readonly table: string
  /** The `tgtype` bits: row 1, before 2, insert 4, delete 8, update 16, truncate 32, instead 64. */
  readonly type: number
  readonly columns: readonly string[]
  readonly function: string
  /** The function is in this schema. */
  readonly function_here: boolean
  readonly definition: string
  /** Arguments, transition tables, a constraint trigger, or disabled: more than t.trigger says. */
  readonly other_attributes: boolean
}

export interface DomainRow {
  readonly name: string
  readonly type: string
  readonly not_null: boolean
  readonly default: string | null
  readonly checks: readonly {
    readonly name: string
    readonly definition: string
    readonly validated: boolean
  }[]
}

const IN_SCHEMA = '(SELECT oid FROM pg_namespace WHERE nspname = $1)'
const NOT_OF_EXTENSION = (classTable: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${classTable}'::regclass AND dep.objid = ${oid} AND dep.deptype = 'e')`

/**
 * A range or multirange type's constructor functions (`floatrange(float8, float8)`) are its
 * own, internally dependent on it: its `CREATE TYPE … AS RANGE` makes them again.
 */
export const NOT_A_TYPES_OWN = (oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = ${oid} AND dep.refclassid = 'pg_type'::regclass AND dep.deptype = 'i')`

export const FUNCTIONS = `
SELECT p.oid::int AS oid, p.proname AS name, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS object,
  p.prokind::text AS kind,
  COALESCE((SELECT json_agg(json_build_object('name', NULLIF(p.proargnames[k.n], ''),
      'type', format_type(COALESCE(p.proallargtypes[k.n], p.proargtypes[k.n - 1]), NULL),
      'mode', COALESCE(p.proargmodes[k.n]::text, 'i'),
      'default', pg_get_function_arg_default(p.oid, k.n::int)) ORDER BY k.n)
    FROM generate_series(1, COALESCE(array_length(p.proallargtypes, 1), p.pronargs)) k(n)), '[]'::json) AS args,
  pg_get_function_result(p.oid) AS returns, l.lanname AS language, p.prosrc AS body,
  (p.prosqlbody IS NOT NULL) AS standard_body, p.provolatile::text AS volatility, p.prosecdef AS security_definer,
  (p.proisstrict OR p.proleakproof OR p.proparallel <> 'u' OR p.proconfig IS NOT NULL
    OR p.procost <> 100 OR p.prorows <> CASE WHEN p.proretset THEN 1000 ELSE 0 END) AS other_attributes,
  EXISTS (SELECT 1 FROM pg_proc o WHERE o.pronamespace = p.pronamespace AND o.proname = p.proname AND o.oid <> p.oid) AS overloaded
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = ${IN_SCHEMA} AND ${NOT_OF_EXTENSION('pg_proc', 'p.oid')} AND ${NOT_A_TYPES_OWN('p.oid')}
ORDER BY p.oid`

export const TRIGGERS = `
SELECT t.tgname AS name, c.relname AS table, t.tgtype::int AS type,
  COALESCE((SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(t.tgattr) WITH ORDINALITY k(n, i)
    JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.n), '[]'::json) AS columns,
  p.proname AS function, p.pronamespace = ${IN_SCHEMA} AS function_here,
  pg_get_triggerdef(t.oid, true) AS definition,
  (t.tgnargs > 0 OR t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL OR t.tgconstraint <> 0 OR t.tgenabled <> 'O') AS other_attributes
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
WHERE c.relnamespace = ${IN_SCHEMA} AND NOT t.tgisinternal AND t.tgparentid = 0
ORDER BY t.oid`

export const DOMAINS = `
SELECT t.typname AS name, format_type(t.typbasetype, t.typtypmod) AS type, t.typnotnull AS not_null,
  t.typdefault AS default,
  COALESCE((SELECT json_agg(json_build_object('name', con.conname, 'definition', pg_get_constraintdef(con.oid),
      'validated', con.convalidated) ORDER BY con.conname)
    FROM pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'), '[]'::json) AS checks
FROM pg_type t
WHERE t.typnamespace = ${IN_SCHEMA} AND t.typtype = 'd' AND ${NOT_OF_EXTENSION('pg_type', 't.oid')}
ORDER BY t.oid`
