import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSqlFiles } from '../../packages/unplugin/src/sql-files/sql-files.ts'

/**
 * A `.sql` file of 300 statements once took over an hour to type. It is typed through the
 * plugin's own path (createSqlFiles: parse, one Parse/Describe exchange, the catalog, the
 * module and its `.d.ts`), and every statement gets its types.
 */
const STATEMENTS = 300
let root: string
const file = () => join(root, 'queries/many.sql')
const project = () => ({ root, migrationsDir: join(root, 'migrations'), writeDts: true })

const source = Array.from(
  { length: STATEMENTS },
  (_, i) => `-- name: q${i + 1}
SELECT id, name, score FROM people WHERE id = :id AND score > ${i}
`,
).join('\n')

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fluentorm-typed-many-'))
  await mkdir(join(root, 'queries'))
  await mkdir(join(root, 'migrations'))
  await writeFile(
    join(root, 'migrations/0001_people.sql'),
    'CREATE TABLE people (id int4 PRIMARY KEY, name text NOT NULL, score int8);\n',
  )
  await writeFile(file(), source)
})
afterAll(() => rm(root, { recursive: true, force: true }))

it(`types a file of ${STATEMENTS} statements`, async () => {
  const sqlFiles = createSqlFiles(project)
  try {
    const { code } = await sqlFiles.compile(file(), null)
    const dts = await readFile(`${file()}.d.ts`, 'utf8')
    for (const n of [1, 150, STATEMENTS]) expect(code).toContain(`q${n}`)
    expect(dts.match(/ {2}name: string\n/g)).toHaveLength(STATEMENTS)
    expect(dts.match(/ {2}score: bigint \| null\n/g)).toHaveLength(STATEMENTS)
  } finally {
    await sqlFiles.close()
  }
})

it(`says where the last of ${STATEMENTS} statements fails`, async () => {
  const failing = join(root, 'queries/failing.sql')
  await writeFile(
    failing,
    source.replace(/FROM people WHERE id = :id AND score > 299\n$/, 'FROM peoplex\n'),
  )
  const sqlFiles = createSqlFiles(project)
  try {
    await expect(sqlFiles.compile(failing, null)).rejects.toThrow(
      `queries/failing.sql:${3 * STATEMENTS - 1}:29: q${STATEMENTS}: relation "peoplex" does not exist`,
    )
  } finally {
    await sqlFiles.close()
  }
})
