import { describe, expect, it } from 'vitest'
import { lintStatements } from '../../packages/core/src/migration/migration-lint.ts'
import { planMigration, schemaOf } from './support/migration-fixtures.ts'

const rules = (statements: string[], transactional = true) =>
  lintStatements(statements, { transactional }).map((f) => `${f.severity} ${f.rule}`)

describe('migration lint', () => {
  it.each([
    [['DROP TABLE IF EXISTS tags;'], 'error drop-table'],
    [['ALTER TABLE users DROP COLUMN IF EXISTS phone;'], 'error drop-column'],
    [['CREATE INDEX idx_users_email ON users (email);'], 'warning non-concurrent-index'],
    [
      ['CREATE INDEX CONCURRENTLY idx_users_email ON users (email);'],
      'error concurrently-in-transaction',
    ],
    [['ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;'], 'error add-not-null-column'],
    [
      ['ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);'],
      'warning fk-without-not-valid',
    ],
    [['ALTER TABLE users RENAME COLUMN name TO full_name;'], 'warning rename'],
    [['ALTER TABLE users RENAME TO members;'], 'warning rename'],
    [['ALTER TABLE users ALTER COLUMN name SET NOT NULL;'], 'warning set-not-null'],
    [['TRUNCATE users CASCADE;'], 'error truncate-cascade'],
    [['BEGIN;'], 'error transaction-control'],
  ])('%j → %s', (statements, expected) => {
    expect(rules(statements)).toEqual([expected])
  })

  it.each([
    // `--` inside a quoted identifier starts no comment: the DROP after it still counts.
    [['ALTER TABLE "a--b" DROP COLUMN phone;'], ['error drop-column']],
    // A quote inside a comment opens no string literal that would hide the DROP.
    [["-- it's gone\nDROP TABLE tags;"], ['error drop-table']],
    // E'' strings end where their backslash escapes say.
    [
      ["ALTER TABLE users ALTER COLUMN note SET DEFAULT E'it\\'s', DROP COLUMN phone;"],
      ['error drop-column'],
    ],
    // Keywords inside literals, dollar-quoted bodies and comments do not count.
    [["SELECT 'x -- y', $body$ DROP TABLE users; $body$; -- DROP TABLE z"], []],
    [['/* DROP TABLE users; */ SELECT 1;'], []],
    // A generated column dropped and added again loses nothing: its values are computed again.
    [
      [
        'ALTER TABLE items DROP COLUMN IF EXISTS double_price;',
        'ALTER TABLE items ALTER COLUMN price TYPE BIGINT;',
        'ALTER TABLE items ADD COLUMN double_price BIGINT GENERATED ALWAYS AS (coalesce(price, 0) * 2) STORED;',
      ],
      [],
    ],
    // Added again as a plain column, its values are gone.
    [
      [
        'ALTER TABLE items DROP COLUMN IF EXISTS double_price;',
        'ALTER TABLE items ADD COLUMN double_price BIGINT;',
      ],
      ['error drop-column'],
    ],
  ])('reads %j left to right: %j', (statements, expected) => {
    expect(rules(statements)).toEqual(expected)
  })

  it('leaves the safe forms and tables created in the same file alone', () => {
    expect(
      rules([
        'CREATE TABLE IF NOT EXISTS tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);',
        'ALTER TABLE tags ADD COLUMN slug TEXT NOT NULL;',
        'CREATE INDEX IF NOT EXISTS idx_tags_name ON tags (name);',
        'ALTER TABLE tags ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES users (id);',
        "ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active';",
        'ALTER TABLE posts ADD CONSTRAINT fk2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
        "SELECT 'DROP TABLE users';",
      ]),
    ).toEqual([])
    expect(rules(['CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (email);'], false)).toEqual(
      [],
    )
  })

  it('flags a narrowing type change from the schema, not a widening one', () => {
    const withName = (length: number) =>
      schemaOf({
        users: (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.varchar({ name: 'name', length })
        },
      })
    expect(planMigration(withName(100), withName(20)).findings.map((f) => f.rule)).toEqual([
      'narrowing-type-change',
    ])
    expect(planMigration(withName(20), withName(100)).findings).toEqual([])
  })

  it('generates FKs on existing tables NOT VALID, then validates them', () => {
    const users = (t: Parameters<Parameters<typeof schemaOf>[0][string]>[0]) =>
      t.uuid({ name: 'id', primaryKey: true })
    const before = schemaOf({
      users,
      posts: (t) => {
        t.uuid({ name: 'id', primaryKey: true })
        t.uuid({ name: 'user_id' })
      },
    })
    const after = schemaOf({
      users,
      posts: (t) => {
        t.uuid({ name: 'id', primaryKey: true })
        t.uuid({ name: 'user_id' })
        t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users' })
      },
    })
    const plan = planMigration(before, after)
    expect(plan.up).toEqual([
      'ALTER TABLE posts ADD CONSTRAINT fk_posts_author FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE NO ACTION ON UPDATE NO ACTION NOT VALID;',
      'ALTER TABLE posts VALIDATE CONSTRAINT fk_posts_author;',
    ])
    expect(plan.findings).toEqual([])
  })
})
