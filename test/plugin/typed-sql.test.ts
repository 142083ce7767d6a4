import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS } from '../support/backends.ts'
import { type Bundler, buildFixture } from './support/build-fixture.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'

type Fixture = {
  run(db: unknown): Promise<unknown>
  films: Record<string, ((db: unknown, params?: unknown) => Promise<unknown>) & { sql: string }>
}

const EXPECTED = {
  added: 1,
  bySlug: [
    {
      id: 1,
      slug: 'spirited',
      title: 'Spirited Away',
      rating: 'pg',
      tags: ['anime', 'spirited'],
      meta: { director: 'Miyazaki' },
      views: 1n,
      budget: '19000000.50',
      released_at: new Date('2001-07-20T00:00:00Z'),
    },
  ],
  withStudio: [
    { title: 'Alone', studio: null },
    { title: 'Spirited Away', studio: 'Ghibli' },
  ],
  ofStudios: [{ title: 'Spirited Away', studio: 'Ghibli' }],
  perRating: [
    { rating: 'pg', films: 1n, views: '1' },
    { rating: 'r', films: 1n, views: '0' },
  ],
  top: [{ title: 'Spirited Away', position: 1 }],
  title: [{ note: "it's :no", body: ' :none ', title: 'Spirited Away', director: 'Miyazaki' }],
  tagged: [{ slug: 'lone' }, { slug: 'spirited' }],
}

const TSC = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url))
const BASE_TSCONFIG = fileURLToPath(new URL('../../tsconfig.base.json', import.meta.url))

/** Uses of the generated declarations: each @ts-expect-error must be an error, the rest compile. */
const TYPE_CHECKS = `import type { Executor } from '@fluentorm/runtime'
import { addFilm, addView, filmBySlug, filmsPerRating, filmsWithStudio, topFilms } from './queries/films.sql'

declare const db: Executor

export async function check(): Promise<void> {
  const [film] = await filmBySlug(db, { slug: 'spirited' })
  if (film === undefined) return
  const title: string = film.title
  const views: bigint = film.views
  const rating: 'g' | 'pg' | 'r' = film.rating
  const tags: string[] = film.tags
  const released: Date = film.released_at
  const meta: unknown = film.meta
  const budget: string | null = film.budget
  // @ts-expect-error a misspelt result column
  film.titel
  // @ts-expect-error budget is nullable
  const notNullBudget: string = film.budget
  const [row] = await filmsWithStudio(db)
  // @ts-expect-error the studio is on the nullable side of a left join
  const studio: string = row!.studio
  const [group] = await filmsPerRating(db)
  const count: bigint = group!.films
  await topFilms(db, { limit: 10 })
  // @ts-expect-error a missing parameter
  await topFilms(db, {})
  // @ts-expect-error a mistyped parameter
  await topFilms(db, { limit: 'ten' })
  // @ts-expect-error an unknown parameter
  await topFilms(db, { limit: 1, offset: 2 })
  const changed: number = await addView(db, { slug: 'spirited' })
  const film2 = { slug: 'x', title: 'X', rating: 'g', tags: [], meta: null, releasedAt: new Date() } as const
  await addFilm(db, { ...film2, tags: [], studioId: null, budget: null })
  // @ts-expect-error a parameter without @nullable takes no null
  await addFilm(db, { ...film2, tags: [], studioId: 1, budget: 1, title: null })
  // @ts-expect-error not a label of the enum
  await addFilm(db, { ...film2, tags: [], studioId: 1, budget: 1, rating: 'nc17' })
  console.log(title, views, rating, tags, released, meta, budget, notNullBudget, studio, count, changed)
}
`

async function typeCheck(root: string): Promise<{ code: number; output: string }> {
  await writeFile(join(root, 'check.ts'), TYPE_CHECKS)
  const tsconfig = { extends: BASE_TSCONFIG, include: ['check.ts'] }
  await writeFile(join(root, 'tsconfig.json'), JSON.stringify(tsconfig))
  return promisify(execFile)(TSC, ['-p', 'tsconfig.json', '--noEmit'], { cwd: root }).then(
    () => ({ code: 0, output: '' }),
    (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
  )
}

describe.each(['vite', 'esbuild', 'rollup'] as const)(
  'a %s build importing a .sql file',
  (bundler: Bundler) => {
    let project: FixtureProject
    let output: string

    beforeAll(async () => {
      project = await copyFixture('typed-sql')
      output = await buildFixture(bundler, project.root)
    })
    afterAll(() => project?.remove())

    it.each(BACKENDS)(
      'runs every statement on $name, rows decoded as the models decode them',
      async ({ open }) => {
        const app = (await import(pathToFileURL(output).href)) as Fixture
        const backend = await open()
        try {
          expect(await app.run(backend.db)).toEqual(EXPECTED)
        } finally {
          await backend.close()
        }
      },
    )

    it('exports each statement with its text, parameters numbered', async () => {
      const { films } = (await import(pathToFileURL(output).href)) as Fixture
      expect(films.filmTitle!.sql).toBe(
        "SELECT 'it''s :no' AS note, $$ :none $$ AS body, title::text AS title, meta->>'director' AS director\n  FROM films WHERE slug = $1 AND slug = $1",
      )
    })

    it('refuses a missing or unknown parameter with INVALID_USAGE, before any SQL runs', async () => {
      const { films } = (await import(pathToFileURL(output).href)) as Fixture
      const notRun = { query: () => Promise.reject(new Error('no SQL should run')) }
      await expect(films.topFilms!(notRun, {})).rejects.toMatchObject({
        code: 'INVALID_USAGE',
        message: expect.stringContaining('missing parameter limit'),
      })
      await expect(films.topFilms!(notRun, { limit: 1, offset: 1 })).rejects.toMatchObject({
        code: 'INVALID_USAGE',
        message: expect.stringContaining('unknown parameter offset'),
      })
    })

    it('writes films.sql.d.ts, which tsc reads for the import and checks its uses with', async () => {
      const dts = await readFile(join(project.root, 'queries/films.sql.d.ts'), 'utf8')
      expect(dts).toContain(
        'export declare const topFilms: SqlFileStatement<TopFilmsParams, TopFilmsRow[]>',
      )
      expect(dts).toContain('studio: string | null')
      const result = await typeCheck(project.root)
      expect(result.output).toBe('')
      expect(result.code).toBe(0)
    })
  },
)

describe.each(['vite', 'esbuild', 'rollup'] as const)(
  'a %s build of an invalid .sql file',
  (bundler: Bundler) => {
    let project: FixtureProject

    beforeAll(async () => {
      project = await copyFixture('typed-sql')
      const bad = '-- name: filmBySlug\nSELECT id,\n       titel\n  FROM films WHERE slug = :slug\n'
      await writeFile(join(project.root, 'queries/films.sql'), bad)
    })
    afterAll(() => project?.remove())

    it("fails with the file, line and column of PostgreSQL's error", async () => {
      const error = await buildFixture(bundler, project.root).then(
        () => null,
        (error: Error) => error,
      )
      expect(error?.message).toContain(
        'queries/films.sql:3:8: filmBySlug: column "titel" does not exist',
      )
      if (bundler === 'esbuild') {
        // esbuild prints its code frame from the location's lineText.
        const [first] = (error as unknown as { errors: { location: unknown }[] }).errors
        expect(first?.location).toMatchObject({ line: 3, column: 7, lineText: '       titel' })
      }
    })
  },
)
