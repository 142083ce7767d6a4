import { sql } from '@fluentorm/runtime'
import { expect, it } from 'vitest'
import type { Backend } from '../../support/backends.ts'
import type { RunSql } from './data.ts'
import { MODELS } from './models.ts'

/**
 * Regressions: minimal cases the property test found, each compared with its hand SQL. All are
 * fixed: the first in e7cfa1b ('Compiler: fixes the property test found…'), the one naming the
 * include's own join of the junction table in fd843ea ('Property test: random queries…').
 * Their seeds are those that failed before the fix, with the generator of the time:
 * `QUERY_PROPERTIES_SEED=<seed> QUERY_PROPERTIES_CASES=1 npx vitest run test/runtime/query-properties`
 * replays one.
 */
export function regressions(db: () => Backend['db'], run: RunSql): void {
  const { Member, MemberSkill, Task, Team } = MODELS

  /**
   * Member 1's skills through an include whose query joins the junction table again, `select`
   * choosing what it selects, compared with the hand SQL whose json_build_object takes `json`
   * (`s`: the skill, `j`: the query's join of member_skills).
   */
  async function expectSkillsJoiningJunction(select: (q: any) => any, json: string) {
    const rows = await Member.query()
      .select('id')
      .where('id', 1)
      .include('skills', (q: any) =>
        select(q.join(MemberSkill, 'member_skills.skill_id', 'id'))
          .orderBy('id')
          .orderBy('member_skills.id'),
      )
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT m.id, array_to_json(ARRAY(
          SELECT json_build_object(${json})
          FROM skills s
          JOIN member_skills link ON link.skill_id = s.id
          JOIN member_skills j ON j.skill_id = s.id AND j.deleted_at IS NULL
          WHERE link.member_id = m.id AND link.deleted_at IS NULL AND s.deleted_at IS NULL
          ORDER BY s.id, j.id)) AS skills
        FROM members m WHERE m.deleted_at IS NULL AND m.id = 1`),
    )
  }

  // Seeds 20240632, 20240659.
  it('includes a manyToMany relation whose query joins the junction table', async () => {
    // Was a SQL error: table name "member_skills" specified more than once (the include's
    // junction and the query's join both unaliased).
    await expectSkillsJoiningJunction(
      (q) => q.select('name', 'member_skills.rank'),
      `'name', s.name, 'rank', j.rank`,
    )
  })

  // Seed 20241222, found once e7cfa1b aliased the join of the case above.
  it("names the include's own join of the junction table with Model.column()", async () => {
    // Was wrong values: with the join aliased "member_skills_1", MemberSkill.column('rank') was
    // written "member_skills"."rank", which is the include's hidden junction row. The query
    // that joins member_skills is the nearest one naming it (docs/QUERY.md), as the
    // column 'member_skills.rank' says.
    await expectSkillsJoiningJunction(
      (q) =>
        q.select({
          name: 'name',
          rank: 'member_skills.rank',
          ref: sql`${MemberSkill.column('rank')}`,
        }),
      `'name', s.name, 'rank', j.rank, 'ref', j.rank`,
    )
  })

  // Seeds 20241136, 20241606.
  it('drops duplicates in an ordered DISTINCT include', async () => {
    // Was wrong rows: the derived table's row_number() "__n" sat in the SELECT DISTINCT
    // list, so every row was distinct: member 1's two links to skill "sql" gave it twice.
    const rows = await Member.query()
      .select('id')
      .where('id', 1)
      .include('skills', (q: any) => q.select('name').distinct().orderBy('name'))
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT m.id, array_to_json(ARRAY(
          SELECT json_build_object('name', d.name) FROM (
            SELECT DISTINCT s.name FROM skills s
            JOIN member_skills link ON link.skill_id = s.id AND link.deleted_at IS NULL
            WHERE link.member_id = m.id AND s.deleted_at IS NULL) d
          ORDER BY d.name)) AS skills
        FROM members m WHERE m.deleted_at IS NULL AND m.id = 1`),
    )
  })

  // Seeds 20240806, 20240831.
  it('orders a DISTINCT include by a numeric column', async () => {
    // Was a SQL error: for SELECT DISTINCT, ORDER BY expressions must appear in select list
    // (the list held "score"::text for JSON, the order the bare column).
    const rows = await Team.query()
      .select('id')
      .where('id', 1)
      .include('members', (q: any) => q.select('score').distinct().orderBy('score'))
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT t.id, array_to_json(ARRAY(
          SELECT json_build_object('score', d.score::text) FROM (
            SELECT DISTINCT m.score FROM members m WHERE m.team_id = t.id AND m.deleted_at IS NULL) d
          ORDER BY d.score)) AS members
        FROM teams t WHERE t.deleted_at IS NULL AND t.id = 1`),
    )
  })

  // Seeds 20240611, 20240633.
  it('answers exists() for a grouped query ordered by an aggregate alias', async () => {
    // Was a SQL error: column "n" does not exist (EXISTS replaced the select list with 1 and
    // kept ORDER BY "n").
    const query = Task.query()
      .select('member_id')
      .selectAggregate('count', '*', 'n')
      .groupBy('member_id')
      .orderBy('n', 'desc')
    const [row] = await run(
      'SELECT EXISTS (SELECT 1 FROM tasks WHERE deleted_at IS NULL GROUP BY member_id) AS e',
    )
    expect(await query.exists(db())).toBe(row!.e)
  })

  // Found reducing the case above.
  it('runs whereExists with a subquery ordered by an aggregate alias', async () => {
    // Was the same error as above, in a whereExists subquery.
    const rows = await Member.query()
      .select('id')
      .whereExists(
        Task.query()
          .select('member_id')
          .selectAggregate('count', '*', 'n')
          .whereColumn('member_id', '=', Member.column('id'))
          .groupBy('member_id')
          .having('count', '*', '>', 1)
          .orderBy('n'),
      )
      .orderBy('id')
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT m.id FROM members m
        WHERE m.deleted_at IS NULL AND EXISTS (
          SELECT 1 FROM tasks t WHERE t.deleted_at IS NULL AND t.member_id = m.id
          GROUP BY t.member_id HAVING count(*) > 1)
        ORDER BY m.id`),
    )
  })

  // Seeds 20240701, 20240708.
  it('answers exists() for an ordered DISTINCT query', async () => {
    // Was a SQL error: SELECT DISTINCT 1 … ORDER BY "members"."age".
    const query = Member.query().select('age').distinct().orderBy('age')
    const [row] = await run(
      'SELECT EXISTS (SELECT DISTINCT age FROM members WHERE deleted_at IS NULL) AS e',
    )
    expect(await query.exists(db())).toBe(row!.e)
  })

  // Found reducing the case above.
  it('answers exists() for a DISTINCT query with an offset', async () => {
    // Was a wrong answer, false: SELECT DISTINCT 1 … OFFSET 1 has no row, but the query has
    // two (active true and false), so one is left after the offset.
    const query = Member.query().select('active').distinct().offset(1)
    const [row] = await run(
      'SELECT EXISTS (SELECT DISTINCT active FROM members WHERE deleted_at IS NULL OFFSET 1) AS e',
    )
    expect(await query.fetch(db())).toHaveLength(1)
    expect(await query.exists(db())).toBe(row!.e)
  })

  // Seeds 20240784, 20241504.
  it('keeps the junction filtered in a manyToMany include under onlyDeleted()', async () => {
    // Was wrong rows: the junction got "deleted_at IS NOT NULL", so only soft-deleted links
    // were followed, where joined tables stay filtered under onlyDeleted(). Member 3's live
    // link to the soft-deleted skill "rust" was lost.
    const rows = await Member.query()
      .select('id')
      .where('id', 3)
      .include('skills', (q: any) => q.onlyDeleted().select('name').orderBy('id'))
      .fetch(db())
    expect(rows).toEqual(
      await run(`
        SELECT m.id, array_to_json(ARRAY(
          SELECT json_build_object('name', s.name) FROM skills s
          JOIN member_skills link ON link.skill_id = s.id
          WHERE link.member_id = m.id AND link.deleted_at IS NULL AND s.deleted_at IS NOT NULL
          ORDER BY s.id)) AS skills
        FROM members m WHERE m.deleted_at IS NULL AND m.id = 3`),
    )
  })
}
