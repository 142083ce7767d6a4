import { formatProblems, type TableSchema } from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { file, problemsOf } from './support/schema-fixtures.ts'

const users = file('users', (t) => {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email' })
})

/** The problems of a `posts` table built by `build`, next to a valid `users` table. */
function postsProblems(build: (t: TableSchema) => void) {
  return problemsOf(
    users,
    file(
      'posts',
      (t) => {
        t.uuid({ name: 'id', primaryKey: true })
        t.uuid({ name: 'user_id' })
        build(t)
      },
      2,
    ),
  )
}

describe('validation: each problem names file, table, column and says what to do', () => {
  it('a column named like an Object.prototype property (constructor, __proto__, toString)', () => {
    const problems = postsProblems((t) => {
      t.string({ name: 'constructor' })
      t.string({ name: '__proto__' })
      t.integer({ name: 'toString' })
    })
    expect(problems.map((problem) => [problem.file, problem.table, problem.column])).toEqual([
      ['schemas/02_posts.ts', 'posts', 'constructor'],
      ['schemas/02_posts.ts', 'posts', '__proto__'],
      ['schemas/02_posts.ts', 'posts', 'toString'],
    ])
    expect(problems[0]?.message).toMatch(/Object\.prototype\.constructor/)
    expect(problems[0]?.hint).toMatch(/Rename the column/)
  })

  it('unknown column in an index', () => {
    expect(postsProblems((t) => t.addIndexes([{ columns: ['user_ud'] }]))).toEqual([
      {
        file: 'schemas/02_posts.ts',
        table: 'posts',
        column: 'user_ud',
        message: "The index uses column 'user_ud', which table 'posts' does not have.",
        hint: "Did you mean 'user_id'? Columns: id, user_id.",
      },
    ])
  })

  it('unknown column in a unique constraint and a primary key', () => {
    const problems = problemsOf(
      file('tags', (t) => {
        t.string({ name: 'name' })
        t.primaryKey(['nam'])
        t.unique(['slug'])
      }),
    )
    expect(problems.map((problem) => problem.message)).toEqual([
      "The primary key uses column 'nam', which table 'tags' does not have.",
      "The unique constraint uses column 'slug', which table 'tags' does not have.",
    ])
  })

  it('unknown column in a relation', () => {
    const [problem] = postsProblems((t) =>
      t.belongsTo({ name: 'author', column: 'author_id', referencesTable: 'users' }),
    )
    expect(problem).toMatchObject({
      column: 'author_id',
      message: "belongsTo 'author' uses column 'author_id', which table 'posts' does not have.",
    })
  })

  it('FK to a missing table', () => {
    const [problem] = postsProblems((t) =>
      t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'user' }),
    )
    expect(problem).toEqual({
      file: 'schemas/02_posts.ts',
      table: 'posts',
      message: "belongsTo 'author' references table 'user', which no schema file declares.",
      hint: "Did you mean 'users'? Tables: users, posts.",
    })
  })

  it('FK to a missing column', () => {
    const [problem] = postsProblems((t) =>
      t.belongsTo({
        name: 'author',
        column: 'user_id',
        referencesTable: 'users',
        referencesColumn: 'uid',
      }),
    )
    expect(problem?.message).toBe(
      "belongsTo 'author' uses column 'uid', which table 'users' does not have.",
    )
    expect(problem?.hint).toBe("Did you mean 'id'? Columns of users: id, email.")
  })

  it('FK to a column that is neither primary key nor unique', () => {
    const [problem] = postsProblems((t) => {
      t.string({ name: 'owner_email' })
      t.belongsTo({
        name: 'owner',
        column: 'owner_email',
        referencesTable: 'users',
        referencesColumn: 'email',
      })
    })
    expect(problem?.message).toBe(
      'The foreign key owner_email → users.email points at a column that is neither the primary key nor unique.',
    )
  })

  it('FK column of another type than the key it references', () => {
    const [problem] = postsProblems((t) => {
      t.string({ name: 'author_id' })
      t.belongsTo({ name: 'author', column: 'author_id', referencesTable: 'users' })
    })
    expect(problem).toMatchObject({
      column: 'author_id',
      message: 'The foreign key column author_id is TEXT but users.id is UUID.',
      hint: "Declare author_id with the referenced column's type (UUID).",
    })
  })

  it("onDelete 'set null' on a NOT NULL column", () => {
    const [problem] = postsProblems((t) =>
      t.belongsTo({
        name: 'author',
        column: 'user_id',
        referencesTable: 'users',
        onDelete: 'set null',
      }),
    )
    expect(problem?.message).toBe(
      "onDelete 'set null' cannot set the NOT NULL column user_id to NULL.",
    )
  })

  it('duplicate column, across two files of one table', () => {
    const problems = problemsOf(
      users,
      file('users', (t) => t.string({ name: 'email', nullable: true }), 7),
    )
    expect(problems).toEqual([
      {
        file: 'schemas/07_users.ts',
        table: 'users',
        column: 'email',
        message: "Column 'email' is declared twice (first in schemas/01_users.ts).",
        hint: 'Remove one declaration or rename the column; to change a column, edit its first declaration.',
      },
    ])
  })

  it('two tables with the same model name', () => {
    const problems = problemsOf(
      file('person', (t) => t.uuid({ name: 'id', primaryKey: true })),
      file('people', (t) => t.uuid({ name: 'id', primaryKey: true }), 2),
    )
    expect(problems.map((problem) => problem.message)).toEqual([
      "Tables 'person' and 'people' both become the model 'Person'.",
    ])
  })

  it('duplicate index names, also across tables', () => {
    const problems = postsProblems((t) =>
      t.addIndexes([{ name: 'users_pkey', columns: ['user_id'] }]),
    )
    expect(problems[0]?.message).toBe(
      "The index name 'users_pkey' is already used by the primary key on table 'users' (schemas/01_users.ts). PostgreSQL keeps tables, indexes and unique / primary-key constraints in one namespace per schema.",
    )
  })

  it('duplicate constraint names in a table', () => {
    const problems = postsProblems((t) => {
      t.check('posts_rule', 'true')
      t.check('posts_rule', 'false')
    })
    expect(problems[0]?.message).toMatch(
      /^The check constraint name 'posts_rule' is already used by the check constraint/,
    )
  })

  it('two primaryKey: true columns without t.primaryKey([...])', () => {
    const [problem] = problemsOf(
      file('memberships', (t) => {
        t.uuid({ name: 'user_id', primaryKey: true })
        t.uuid({ name: 'group_id', primaryKey: true })
      }),
    )
    expect(problem).toMatchObject({
      message: "Columns 'user_id' and 'group_id' both have primaryKey: true.",
      hint: "For a composite key, remove primaryKey: true and write t.primaryKey(['user_id', 'group_id']).",
    })
  })

  it('no primary key', () => {
    const [problem] = problemsOf(file('logs', (t) => t.string({ name: 'line' })))
    expect(problem).toEqual({
      file: 'schemas/01_logs.ts',
      table: 'logs',
      message: "Table 'logs' has no primary key; models need one to find, update and delete rows.",
      hint: "Add t.uuid({ name: 'id', primaryKey: true }) or t.increments({ name: 'id', primaryKey: true }), or t.primaryKey([...]) over existing columns.",
    })
  })

  it('identifier over 63 bytes', () => {
    const long = `a_${'é'.repeat(31)}`
    const [problem] = postsProblems((t) => t.string({ name: long }))
    expect(problem).toMatchObject({
      column: long,
      message: `The column name '${long}' is 64 bytes long; PostgreSQL cuts names at 63 bytes, so two names could silently become one.`,
    })
  })

  it.each([
    [
      'integer',
      (t: TableSchema) => t.integer({ name: 'n', defaultValue: 'abc' }),
      "The default 'abc' is not a valid integer.",
    ],
    [
      'boolean',
      (t: TableSchema) => t.boolean({ name: 'b', defaultValue: 'maybe' }),
      "The default 'maybe' is not a valid boolean.",
    ],
    [
      'uuid',
      (t: TableSchema) => t.uuid({ name: 'u', defaultValue: 'not-a-uuid' }),
      "The default 'not-a-uuid' is not a valid uuid.",
    ],
    [
      'enum',
      (t: TableSchema) => t.enum({ name: 'e', values: ['a', 'b'], defaultValue: 'c' }),
      "The default 'c' is not a valid enum.",
    ],
    [
      'smallint range',
      (t: TableSchema) => t.smallInt({ name: 's', defaultValue: 40000 }),
      "The default '40000' is not a valid smallint.",
    ],
    [
      'numeric precision',
      (t: TableSchema) => t.decimal({ name: 'd', precision: 4, scale: 2, defaultValue: '123.4' }),
      "The default '123.4' is not a valid numeric.",
    ],
    [
      'varchar length',
      (t: TableSchema) => t.varchar({ name: 'v', length: 2, defaultValue: 'abc' }),
      "The default 'abc' is not a valid varchar.",
    ],
    [
      'json',
      (t: TableSchema) => t.jsonb({ name: 'j', defaultValue: '{nope' }),
      "The default '{nope' is not a valid jsonb.",
    ],
    [
      'function of another type',
      (t: TableSchema) => t.integer({ name: 'i', defaultValue: 'now()' }),
      'The default now() does not fit a integer column.',
    ],
    [
      'frozen timestamp',
      (t: TableSchema) => t.timestamptz({ name: 'at', defaultValue: 'now' }),
      "The default 'now' would be evaluated once, when the table is created, and stored as a constant.",
    ],
  ])('a default invalid for its type: %s', (_, build, message) => {
    const [problem] = postsProblems(build)
    expect(problem?.message).toBe(message)
    expect(problem?.column).toBeDefined()
    expect(problem?.hint).not.toBe('')
  })

  it('enum without values, and with duplicates', () => {
    const problems = postsProblems((t) => {
      t.enum({ name: 'kind', values: [] })
      t.enum({ name: 'mood', values: ['up', 'up'] })
    })
    expect(problems.map((problem) => [problem.column, problem.message])).toEqual([
      ['kind', 'The enum has no values.'],
      ['mood', "The enum value 'up' is listed twice."],
    ])
  })

  it('varchar length and numeric precision out of range', () => {
    const problems = postsProblems((t) => {
      t.varchar({ name: 'code', length: 0 })
      t.numeric({ name: 'amount', precision: 1001 })
      t.numeric({ name: 'ratio', precision: 4, scale: 5 })
    })
    expect(problems.map((problem) => problem.message)).toEqual([
      'varchar length 0 is out of range.',
      'numeric precision 1001 is out of range.',
      'numeric scale 5 is out of range for precision 4.',
    ])
  })

  it('FK cycle in which every FK column is NOT NULL', () => {
    const problems = problemsOf(
      file('teams', (t) => {
        t.uuid({ name: 'id', primaryKey: true })
        t.uuid({ name: 'captain_id' })
        t.belongsTo({ name: 'captain', column: 'captain_id', referencesTable: 'players' })
      }),
      file(
        'players',
        (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.uuid({ name: 'team_id' })
          t.belongsTo({ name: 'team', column: 'team_id', referencesTable: 'teams' })
        },
        2,
      ),
    )
    expect(problems).toEqual([
      {
        file: 'schemas/01_teams.ts',
        table: 'teams, players',
        message:
          'Tables teams, players reference each other through NOT NULL foreign keys (teams.captain_id → players, players.team_id → teams): no row of any of them could be inserted first.',
        hint: 'Make one of these columns nullable, e.g. teams.captain_id with nullable: true.',
      },
    ])
  })

  it('a builder that throws', () => {
    const [problem] = problemsOf(
      file('boom', () => {
        throw new Error('config missing')
      }),
    )
    expect(problem).toMatchObject({
      file: 'schemas/01_boom.ts',
      table: 'boom',
      message: 'build() threw: config missing',
    })
  })

  it('an unknown builder option (a typo)', () => {
    const options = { name: 'nickname', nulable: true }
    const [problem] = postsProblems((t) => t.string(options))
    expect(problem).toEqual({
      file: 'schemas/02_posts.ts',
      table: 'posts',
      column: 'nickname',
      message: "Unknown option 'nulable' on a text column.",
      hint: "Did you mean 'nullable'? Options: name, primaryKey, unique, notNull, nullable, defaultValue, autoGenerated, createInput, updateInput, redacted, renamedFrom, array, check, generatedAs, comment.",
    })
  })

  it('an option that must be true or false given another value', () => {
    // Read as a boolean, 'yes' made the column NOT NULL and 'no' a UNIQUE one: refused instead.
    const nullable = { name: 'nickname', nullable: 'yes' } as unknown as { name: string }
    const unique = { name: 'slug', unique: 'no' } as unknown as { name: string }
    const problems = postsProblems((t) => {
      t.string(nullable)
      t.string(unique)
      t.addIndexes([{ columns: ['slug'], unique: 1 } as unknown as { columns: string[] }])
    })
    expect(problems).toEqual([
      {
        file: 'schemas/02_posts.ts',
        table: 'posts',
        column: 'nickname',
        message: `Option 'nullable' on a text column is the string "yes", not true or false.`,
        hint: "Write nullable: true or nullable: false (a string such as 'no' would not be read as false).",
      },
      {
        file: 'schemas/02_posts.ts',
        table: 'posts',
        column: 'slug',
        message: `Option 'unique' on a text column is the string "no", not true or false.`,
        hint: "Write unique: true or unique: false (a string such as 'no' would not be read as false).",
      },
      {
        file: 'schemas/02_posts.ts',
        table: 'posts',
        message: "Option 'unique' on an index is the number 1, not true or false.",
        hint: "Write unique: true or unique: false (a string such as 'no' would not be read as false).",
      },
    ])
  })

  it('a check or partial-index condition that could end its clause', () => {
    // Pasted into DDL as written, these would have run a second statement in the migration.
    const problems = postsProblems((t) => {
      t.integer({ name: 'views', check: 'views >= 0) NOT VALID; DROP TABLE users; --' })
      t.check('posts_rule', "user_id IS NOT NULL -- ' ")
      t.addIndexes([
        { name: 'idx_posts_user', columns: ['user_id'], where: 'views > 0; DELETE FROM users' },
      ])
      t.addIndexes([{ name: 'idx_posts_views', columns: ['views'], where: 'views > 0' }])
    })
    expect(problems.map(({ column, message, hint }) => ({ column, message, hint }))).toEqual([
      {
        column: 'views',
        message: "The check of column 'views' closes a parenthesis it did not open.",
        hint: "Write the check as one SQL condition: 'price > 0'.",
      },
      {
        column: undefined,
        message: "The check 'posts_rule' contains a -- comment.",
        hint: "Write the check as one SQL condition: 'price > 0'.",
      },
      {
        column: undefined,
        message: "The where of the index 'idx_posts_user' contains a ; outside quotes.",
        hint: "Write the condition as SQL text: where: 'deleted_at IS NULL'.",
      },
    ])
    expect(problems.every((problem) => problem.file === 'schemas/02_posts.ts')).toBe(true)
  })

  it('reports every problem at once, without stack traces', () => {
    const problems = problemsOf(file('logs', (t) => t.integer({ name: 'n', defaultValue: 'x' })))
    expect(formatProblems(problems)).toBe(
      `fluentorm: 2 problems in the schema

schemas/01_logs.ts (table logs)
  Table 'logs' has no primary key; models need one to find, update and delete rows.
  Fix: Add t.uuid({ name: 'id', primaryKey: true }) or t.increments({ name: 'id', primaryKey: true }), or t.primaryKey([...]) over existing columns.

schemas/01_logs.ts (table logs, column n)
  The default 'x' is not a valid integer.
  Fix: Write a whole number such as '0'.
`,
    )
  })
})
