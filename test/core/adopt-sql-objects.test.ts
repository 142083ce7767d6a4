import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { type Backend, DATABASE_URL, pgBackend } from '../support/backends.ts'
import { fluentormInProcess as fluentorm } from '../support/fluentorm-cli.ts'
import { runScript, tempProject } from './support/schema-fixtures.ts'

/**
 * What the hand-written migration of `fluentorm pull` writes as SQL, round-tripped: a schema
 * built from SQL is pulled, the migrations are applied to an empty schema, and the catalog
 * (what pg_dump --schema-only would show of these objects) is the same on both.
 */

/** DATABASE_URL with the search path at a test schema, as a user of `--schema` would connect. */
function urlFor(schema: string): string {
  const url = new URL(DATABASE_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return url.toString()
}

const opened: Backend<pg.Pool>[] = []
const dirs: string[] = []
afterAll(async () => {
  for (const backend of opened.splice(0)) await backend.close()
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

/**
 * The objects these tests are about, with the states pg_get_*def leaves out: indexes (of
 * materialized views too), triggers with `tgenabled`, constraints of tables and domains with
 * whether they are validated, range types with their pg_range options, and functions.
 */
async function catalogOf(backend: Backend<pg.Pool>) {
  const schema = backend.schema
  const lines = async (sql: string) =>
    (await backend.db.query(sql, [schema])).rows.map((row) =>
      Object.values(row)
        .map((value) => String(value).replaceAll(`${schema}.`, ''))
        .join(' | '),
    )
  const own = '(SELECT oid FROM pg_namespace WHERE nspname = $1)'
  return {
    relations: await lines(`SELECT relname, relkind FROM pg_class
      WHERE relnamespace = ${own} AND relname <> 'fluentorm_migrations' ORDER BY 1`),
    indexes: await lines(`SELECT tablename, indexname, indexdef FROM pg_indexes
      WHERE schemaname = $1 AND tablename <> 'fluentorm_migrations' ORDER BY 1, 2`),
    triggers: await lines(`SELECT t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = ${own} AND NOT t.tgisinternal ORDER BY 1`),
    // Not conislocal: an INHERITS child written in SQL has its parent's checks as its own too.
    constraints: await lines(`SELECT COALESCE(c.relname, ty.typname), con.conname, con.convalidated,
        con.coninhcount, pg_get_constraintdef(con.oid)
      FROM pg_constraint con LEFT JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_type ty ON ty.oid = con.contypid
      WHERE con.connamespace = ${own} AND COALESCE(c.relname, '') <> 'fluentorm_migrations' ORDER BY 1, 2`),
    inherits: await lines(`SELECT c.relname AS child, p.relname AS parent FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE c.relnamespace = ${own} ORDER BY 1, 2`),
    ranges: await lines(`SELECT t.typname, format_type(r.rngsubtype, NULL), opc.opcname,
        r.rngcollation::regcollation, r.rngcanonical, r.rngsubdiff, r.rngmultitypid::regtype
      FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_opclass opc ON opc.oid = r.rngsubopc
      WHERE t.typnamespace = ${own} ORDER BY 1`),
    functions:
      await lines(`SELECT p.proname, pg_get_function_identity_arguments(p.oid), p.prolang::regproc
      FROM pg_proc p WHERE p.pronamespace = ${own} ORDER BY 1, 2`),
    types: await lines(`SELECT typname, typtype FROM pg_type
      WHERE typnamespace = ${own} AND typname NOT LIKE '%fluentorm_migrations%' ORDER BY 1`),
  }
}

/**
 * `script` run in a fresh schema, pulled into a new project, and that project's migrations
 * applied to another fresh schema: the pull's output, the hand-written SQL, both catalogs.
 */
async function roundTrip(script: string) {
  const source = await pgBackend()
  opened.push(source)
  await runScript(source, script)
  const cwd = await tempProject({ 'package.json': '{ "type": "module" }\n' }, true)
  dirs.push(cwd)
  const pulled = await fluentorm(
    cwd,
    'pull',
    '--url',
    urlFor(source.schema),
    '--schema',
    source.schema,
  )
  expect(pulled.stderr).toBe('')
  expect(pulled.code).toBe(0)
  const target = await pgBackend()
  opened.push(target)
  const built = await fluentorm(cwd, 'migrate', '--json', '--url', urlFor(target.schema))
  expect(built.stderr).toBe('')
  expect(JSON.parse(built.stdout)).toMatchObject({ ok: true })
  const migrations = join(cwd, 'migrations')
  const handWritten = async (file: string) => readFile(join(migrations, file), 'utf8')
  return {
    pulled,
    handWritten,
    target,
    before: await catalogOf(source),
    after: await catalogOf(target),
  }
}

function expectSameCatalog(before: Record<string, string[]>, after: Record<string, string[]>) {
  for (const kind of Object.keys(before))
    expect({ kind, rows: after[kind] }).toEqual({ kind, rows: before[kind] })
}

describe('fluentorm pull: primary keys schema files cannot declare', () => {
  it('writes a table with a DEFERRABLE or INCLUDE primary key in SQL, its key as it was', async () => {
    const { before, after, pulled } = await roundTrip(`
      CREATE TABLE slots (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, v int);
      CREATE TABLE wide (id int, v text, PRIMARY KEY (id) INCLUDE (v));`)
    expect(pulled.stdout).toContain('its primary key is DEFERRABLE')
    expect(pulled.stdout).toContain('its primary key has INCLUDE columns')
    expectSameCatalog(before, after)
    expect(after.constraints.join('\n')).toContain('PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED')
    expect(after.constraints.join('\n')).toContain('PRIMARY KEY (id) INCLUDE (v)')
  })
})

describe('fluentorm pull: view options and view column defaults', () => {
  it('writes a view with options or a column default in SQL, both kept', async () => {
    const { target, pulled } = await roundTrip(`
      CREATE TABLE posts (id int PRIMARY KEY, title text, live boolean NOT NULL DEFAULT false);
      CREATE VIEW live_posts WITH (security_barrier = true) AS
        SELECT id, title, live FROM posts WHERE live WITH CASCADED CHECK OPTION;
      ALTER VIEW live_posts ALTER COLUMN title SET DEFAULT 'untitled';
      CREATE VIEW titled AS SELECT id, title FROM posts;
      ALTER VIEW titled ALTER COLUMN title SET DEFAULT 'none';
      CREATE MATERIALIZED VIEW counts WITH (fillfactor = 70) AS SELECT count(*) AS n FROM posts;`)
    expect(pulled.stdout).toContain('its options (security_barrier=true, check_option=cascaded)')
    expect(pulled.stdout).toContain('its column title has a default')
    const options = await target.db.query(
      `SELECT relname, reloptions::text[] AS options FROM pg_class
        WHERE relnamespace = $1::regnamespace AND relkind IN ('v', 'm') ORDER BY 1`,
      [target.schema],
    )
    expect(options.rows).toEqual([
      { relname: 'counts', options: ['fillfactor=70'] },
      { relname: 'live_posts', options: ['security_barrier=true', 'check_option=cascaded'] },
      { relname: 'titled', options: null },
    ])
    const defaults = await target.db.query(
      `SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) AS "default" FROM pg_attrdef d
        JOIN pg_class c ON c.oid = d.adrelid JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'v' ORDER BY 1`,
      [target.schema],
    )
    expect(defaults.rows).toEqual([
      { relname: 'live_posts', attname: 'title', default: "'untitled'::text" },
      { relname: 'titled', attname: 'title', default: "'none'::text" },
    ])
  })
})

describe('fluentorm pull: identity sequences named by hand', () => {
  it('keeps an identity sequence name of its own, in a schema file and in SQL', async () => {
    const { target } = await roundTrip(`
      CREATE TABLE accounts (id int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME accounts_custom_seq) PRIMARY KEY, v int);
      CREATE TABLE keyless (n bigint GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME keyless_counter START WITH 5));
      CREATE TABLE plain (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);`)
    const sequences = await target.db.query(
      `SELECT c.relname AS "table", a.attname AS "column",
          pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS sequence
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = $1::regnamespace AND a.attidentity <> '' ORDER BY 1`,
      [target.schema],
    )
    expect(
      sequences.rows.map((row) => ({ ...row, sequence: row.sequence.split('.').at(-1) })),
    ).toEqual([
      { table: 'accounts', column: 'id', sequence: 'accounts_custom_seq' },
      { table: 'keyless', column: 'n', sequence: 'keyless_counter' },
      { table: 'plain', column: 'id', sequence: 'plain_id_seq' },
    ])
    // The renamed sequence still serves the column.
    await target.db.query('INSERT INTO accounts (v) VALUES (1)')
    const next = await target.db.query('INSERT INTO keyless DEFAULT VALUES RETURNING n')
    expect(Number(next.rows[0]?.n)).toBe(5)
  })
})

describe('fluentorm pull: comments on every kind of object', () => {
  it('keeps comments on constraints, indexes, functions, types, domains and triggers', async () => {
    const { target } = await roundTrip(`
      CREATE TYPE mood AS ENUM ('ok', 'meh');
      CREATE DOMAIN positive AS int CONSTRAINT positive_check CHECK (VALUE > 0);
      CREATE TABLE items (id int PRIMARY KEY, n positive, m mood, CONSTRAINT n_small CHECK (n < 100));
      CREATE INDEX items_n ON items (n);
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
      CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();
      COMMENT ON TYPE mood IS 'how it went';
      COMMENT ON DOMAIN positive IS 'above zero';
      COMMENT ON CONSTRAINT positive_check ON DOMAIN positive IS 'the domain''s rule';
      COMMENT ON CONSTRAINT n_small ON items IS 'kept small';
      COMMENT ON CONSTRAINT items_pkey ON items IS 'the key';
      COMMENT ON INDEX items_n IS 'for lookups';
      COMMENT ON FUNCTION touch() IS 'does nothing';
      COMMENT ON TRIGGER items_touch ON items IS 'on every update';`)
    // Source and copy share the database: each comment once in each, on the same kind of object.
    const comments = await target.db.query(
      `SELECT d.classoid::regclass::text AS catalog, d.description, count(*)::int AS copies
        FROM pg_description d
        WHERE d.description IN ('how it went', 'above zero', 'the domain''s rule', 'kept small',
          'the key', 'for lookups', 'does nothing', 'on every update')
        GROUP BY 1, 2 ORDER BY 2`,
    )
    expect(comments.rows).toEqual(
      [
        ['pg_type', 'above zero'],
        ['pg_proc', 'does nothing'],
        ['pg_class', 'for lookups'],
        ['pg_type', 'how it went'],
        ['pg_constraint', 'kept small'],
        ['pg_trigger', 'on every update'],
        ['pg_constraint', "the domain's rule"],
        ['pg_constraint', 'the key'],
      ].map(([catalog, description]) => ({ catalog, description, copies: 2 })),
    )
  })
})

describe('fluentorm pull: rules', () => {
  it('keeps a table rule and its state', async () => {
    const { target, pulled } = await roundTrip(`
      CREATE TABLE events (id int PRIMARY KEY, note text);
      CREATE TABLE audit (id int PRIMARY KEY);
      CREATE RULE no_delete AS ON DELETE TO events DO INSTEAD NOTHING;
      CREATE RULE log_insert AS ON INSERT TO events DO ALSO INSERT INTO audit VALUES (NEW.id);
      ALTER TABLE events DISABLE RULE log_insert;`)
    expect(pulled.stdout).toContain('rules are not part of the schema DSL')
    const rules = await target.db.query(
      `SELECT r.rulename, r.ev_enabled::text AS enabled FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
        WHERE c.relnamespace = $1::regnamespace AND r.rulename <> '_RETURN' ORDER BY 1`,
      [target.schema],
    )
    expect(rules.rows).toEqual([
      { rulename: 'log_insert', enabled: 'D' },
      { rulename: 'no_delete', enabled: 'O' },
    ])
    await target.db.query(`INSERT INTO ${target.schema}.events VALUES (1, 'x')`)
    await target.db.query(`DELETE FROM ${target.schema}.events`)
    const kept = await target.db.query(`SELECT count(*)::int AS n FROM ${target.schema}.events`)
    expect(kept.rows[0]?.n).toBe(1)
  })
})

describe('fluentorm pull: a foreign key to another schema', () => {
  it('says the other schema is not adopted and must exist before migrate', async () => {
    const other = `other_${process.pid}_${Date.now()}`
    const admin = await pgBackend()
    opened.push(admin)
    await admin.db.query(
      `CREATE SCHEMA ${other}; CREATE TABLE ${other}.lookup (id int PRIMARY KEY)`,
    )
    try {
      const { pulled } = await roundTrip(
        `CREATE TABLE uses (id int PRIMARY KEY, lookup_id int REFERENCES ${other}.lookup (id))`,
      )
      expect(pulled.stdout).toContain(
        `it references ${other}.lookup, a table of another schema, which pull does not adopt: on an empty database, make that schema and table before migrate`,
      )
    } finally {
      await admin.db.query(`DROP SCHEMA ${other} CASCADE`)
    }
  })
})

describe('fluentorm pull: an enum with an empty label', () => {
  it('adopts it, the empty label kept', async () => {
    const { target } = await roundTrip(`
      CREATE TYPE answer AS ENUM ('', 'yes', 'no');
      CREATE TABLE replies (id int PRIMARY KEY, answer answer NOT NULL DEFAULT '');`)
    const labels = await target.db.query(
      `SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
        WHERE t.typname = 'answer' AND t.typnamespace = $1::regnamespace ORDER BY e.enumsortorder`,
      [target.schema],
    )
    expect(labels.rows.map((row) => row.enumlabel)).toEqual(['', 'yes', 'no'])
  })
})

describe('fluentorm pull: replica identity', () => {
  it('keeps a replica identity other than the primary key', async () => {
    const { target } = await roundTrip(`
      CREATE TABLE full_rows (id int PRIMARY KEY, v text);
      ALTER TABLE full_rows REPLICA IDENTITY FULL;
      CREATE TABLE by_code (id int PRIMARY KEY, code text NOT NULL);
      CREATE UNIQUE INDEX by_code_code ON by_code (code);
      ALTER TABLE by_code REPLICA IDENTITY USING INDEX by_code_code;
      CREATE TABLE keyless_log (v text);
      ALTER TABLE keyless_log REPLICA IDENTITY NOTHING;
      CREATE TABLE plain (id int PRIMARY KEY);`)
    const identities = await target.db.query(
      `SELECT c.relname, c.relreplident::text AS identity,
          (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid = c.oid AND i.indisreplident) AS "index"
        FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'
          AND c.relname <> 'fluentorm_migrations' ORDER BY 1`,
      [target.schema],
    )
    expect(identities.rows).toEqual([
      { relname: 'by_code', identity: 'i', index: 'by_code_code' },
      { relname: 'full_rows', identity: 'f', index: null },
      { relname: 'keyless_log', identity: 'n', index: null },
      { relname: 'plain', identity: 'd', index: null },
    ])
  })
})

describe('fluentorm pull: objects written in SQL come back as they were', () => {
  it('a materialized view written in SQL keeps its indexes (REFRESH … CONCURRENTLY needs its unique one)', async () => {
    // It reads the serial a.id, which the hand-written migration alters (OWNED BY): it stays in SQL.
    const { before, after, handWritten, target } = await roundTrip(`
      CREATE TABLE a (id serial PRIMARY KEY, cat text);
      CREATE MATERIALIZED VIEW a_mv AS SELECT id, cat FROM a;
      CREATE UNIQUE INDEX a_mv_id ON a_mv (id);
      CREATE INDEX a_mv_cat ON a_mv (cat) WHERE cat IS NOT NULL;`)
    expect(await handWritten('0003_adopted_sql.sql')).toContain(
      'CREATE MATERIALIZED VIEW a_mv AS\n',
    )
    expectSameCatalog(before, after)
    expect(before.indexes.filter((line) => line.startsWith('a_mv |'))).toHaveLength(2)
    await target.db.query('REFRESH MATERIALIZED VIEW CONCURRENTLY a_mv')
  })

  it('a disabled trigger, and one enabled ALWAYS or REPLICA, keep their state', async () => {
    const { before, after, handWritten } = await roundTrip(`
      CREATE TABLE t (id int PRIMARY KEY, n int);
      CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.n := NEW.n + 1; RETURN NEW; END $$;
      CREATE TRIGGER t_off BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION bump();
      CREATE TRIGGER t_always BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION bump();
      CREATE TRIGGER t_replica BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION bump();
      CREATE TRIGGER t_on BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION bump();
      ALTER TABLE t DISABLE TRIGGER t_off;
      ALTER TABLE t ENABLE ALWAYS TRIGGER t_always;
      ALTER TABLE t ENABLE REPLICA TRIGGER t_replica;`)
    const sql = await handWritten('0002_adopted_sql.sql')
    expect(sql).toContain('ALTER TABLE t DISABLE TRIGGER t_off;')
    expect(sql).toContain('ALTER TABLE t ENABLE ALWAYS TRIGGER t_always;')
    expect(sql).toContain('ALTER TABLE t ENABLE REPLICA TRIGGER t_replica;')
    expectSameCatalog(before, after)
    expect(before.triggers.map((line) => line.split(' | ').slice(0, 2).join(' '))).toEqual([
      't_always A',
      't_off D',
      't_on O',
      't_replica R',
    ])
  })

  it('a domain with a NOT VALID check is made, then given the check NOT VALID', async () => {
    const { before, after, handWritten } = await roundTrip(`
      CREATE DOMAIN nv AS int;
      ALTER DOMAIN nv ADD CONSTRAINT nv_check CHECK (VALUE < 10) NOT VALID;
      CREATE DOMAIN two AS int CONSTRAINT two_pos CHECK (VALUE > 0);
      ALTER DOMAIN two ADD CONSTRAINT two_small CHECK (VALUE < 100) NOT VALID;
      CREATE TABLE m (id int PRIMARY KEY, a nv, b two);`)
    const sql = await handWritten('0001_adopted_types_and_functions.sql')
    expect(sql).toContain(
      'CREATE DOMAIN nv AS integer;\nALTER DOMAIN nv ADD CONSTRAINT nv_check CHECK ((VALUE < 10)) NOT VALID;',
    )
    expectSameCatalog(before, after)
    expect(before.constraints.filter((line) => line.includes('| false |'))).toHaveLength(2)
  })

  it('a range type is made from pg_range, and its constructors are left to CREATE TYPE', async () => {
    const { before, after, pulled } = await roundTrip(`
      CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
      CREATE TYPE textspan AS RANGE (subtype = text, collation = "C", subtype_opclass = text_pattern_ops,
        multirange_type_name = textspans);
      CREATE FUNCTION width(r floatrange) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT upper(r) - lower(r)';
      CREATE TABLE spans (id int PRIMARY KEY, f floatrange, t textspan, fs floatmultirange);`)
    expect(pulled.stdout).not.toContain('function floatrange(')
    expect(pulled.stdout).not.toContain('function floatmultirange(')
    expectSameCatalog(before, after)
    expect(before.ranges).toHaveLength(2)
  })

  it("an INHERITS child written in SQL has its parent's checks, so INHERIT takes it", async () => {
    // bikes has no primary key: it is written in SQL, then made vehicles' child.
    const { before, after, handWritten } = await roundTrip(`
      CREATE TABLE vehicles (id int PRIMARY KEY, wheels int CONSTRAINT wheels_pos CHECK (wheels > 0));
      CREATE TABLE bikes (bell boolean CONSTRAINT bell_set CHECK (bell IS NOT NULL)) INHERITS (vehicles);`)
    const sql = await handWritten('0002_adopted_sql.sql')
    expect(sql).toContain('ALTER TABLE bikes ADD CONSTRAINT wheels_pos CHECK ((wheels > 0));')
    expect(sql.indexOf('ADD CONSTRAINT wheels_pos')).toBeLessThan(
      sql.indexOf('ALTER TABLE bikes INHERIT vehicles;'),
    )
    expectSameCatalog(before, after)
    expect(before.inherits).toEqual(['bikes | vehicles'])
  })
})
