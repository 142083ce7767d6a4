import type { Backend } from '../../support/backends.ts'
import { model } from './models.ts'
import { TABLE_NAMES, type TableName } from './schema.ts'
import type { Row, Value } from './value.ts'

// The data: ties, NULLs, soft-deleted rows, 9.50 / 10.00, bigints beyond 2^53.

export const at = (iso: string) => new Date(iso)
const T0 = at('2024-01-01T00:00:00.000Z')
const BIG = 9_007_199_254_740_993n // 2^53 + 1

/** Rows from value tuples, in `columns` order. */
function rows(columns: readonly string[], values: readonly (readonly Value[])[]): Row[] {
  return values.map((tuple) => Object.fromEntries(columns.map((c, i) => [c, tuple[i]])))
}

/** Rows in id order (ids are 1, 2, … as inserted); DELETED rows are soft-deleted after. */
export const DATA: Readonly<Record<TableName, readonly Row[]>> = {
  teams: rows(
    ['name', 'budget', 'founded_at'],
    [
      ['Red', '9.50', T0],
      ['blue', '10.00', T0],
      ['Green', null, null],
      ["O'Hara", '100.25', at('2023-12-31T23:59:59.999Z')], // 4, soft-deleted
      ['', '0.00', at('2024-06-15T08:00:00.500Z')],
    ],
  ),
  members: rows(
    ['team_id', 'manager_id', 'name', 'nickname', 'age', 'score', 'points', 'active', 'joined_at'],
    [
      [1, null, 'Ann', null, 30, '9.50', BIG, true, T0],
      [1, 1, 'bob', 'Bobby', 30, '10.00', BIG - 1n, false, T0],
      [2, 1, 'Cara', 'C_%', null, '10.00', -5n, true, at('2024-02-29T12:00:00.000Z')],
      [null, 2, 'dave', '', 25, null, 0n, true, null],
      // 5, soft-deleted
      [2, 3, 'Éva', null, 41, '9.50', 2n ** 62n, false, at('2024-02-29T12:00:00.000Z')],
      [3, null, "O'Neil", 'on', 25, '0.00', 1n, true, at('2023-12-31T23:59:59.999Z')],
      // 7: in a soft-deleted team, managed by a soft-deleted member
      [4, 5, 'ann', 'Annie', 30, '-1.25', BIG, false, at('2024-03-01T00:00:00.001Z')],
      [4, 7, 'Zed', 'Z', 60, '100.25', -BIG, true, null], // 8, soft-deleted, deleted team
      [null, 2, 'bob', null, 18, '9.50', 2n, true, T0], // 9: the same name as 2
      [3, 6, 'Mia', 'mia', 25, '10.00', 2n, true, at('2024-05-05T05:05:05.005Z')],
      [2, 4, 'Li', null, null, null, 42n, false, null],
      [5, 10, 'Ann-Marie', 'A%', 30, '9.99', BIG, true, T0],
    ],
  ),
  profiles: rows(
    ['member_id', 'bio', 'rating'],
    [
      [1, 'first', 5],
      [1, null, 3], // member 1 has two
      [2, "it's", null],
      [5, 'ghost', 4],
      [7, '%', 5],
      [10, '', 1],
    ],
  ),
  tasks: rows(
    ['member_id', 'title', 'hours', 'weight', 'done', 'due_at'],
    [
      [1, 'Plan', '9.50', BIG, true, T0],
      [1, 'plan', '10.00', null, false, null],
      [2, 'Build', '10.00', 3n, false, T0],
      [2, 'Test_1', '0.50', 3n, true, at('2024-02-01T10:00:00.000Z')],
      [3, 'Ship', '9.50', -BIG, false, null], // 5, soft-deleted
      [5, 'Ghost task', '1.00', 1n, true, at('2024-03-01T00:00:00.000Z')], // 6, soft-deleted
      [6, "O'Brien", '100.00', null, false, T0],
      [7, '%done%', '9.50', 2n ** 62n, true, null],
      [8, 'Zzz', '2.25', 0n, false, at('2024-01-01T00:00:00.001Z')],
      [10, 'plan B', '10.00', 2n, true, at('2024-05-05T05:05:05.005Z')],
      [10, 'Plan', '9.50', 2n, false, null], // 11, soft-deleted
      [12, 'é', '0.00', null, true, T0],
      [2, 'Build', '10.00', 3n, false, T0], // 13: the same values as 3
      [4, '', '3.33', -1n, false, null],
    ],
  ),
  skills: rows(
    ['name', 'level'],
    [
      ['sql', 3],
      ['TS', null],
      ['go', 1],
      ['rust', 5], // 4, soft-deleted
      ['SQL', 3],
    ],
  ),
  member_skills: rows(
    ['member_id', 'skill_id', 'rank'],
    [
      [1, 1, 1],
      [1, 2, 2], // 2, soft-deleted
      [2, 1, null],
      [3, 4, 1],
      [5, 1, 1],
      [7, 5, 2],
      [10, 2, 1],
      [10, 3, 2],
      [1, 1, 3], // member 1 – skill 1 twice
      [12, 5, null],
      [5, 4, 2], // 11, soft-deleted: a soft-deleted member's soft-deleted skill
    ],
  ),
}

export const DELETED: Readonly<Record<TableName, readonly number[]>> = {
  teams: [4],
  members: [5, 8],
  profiles: [],
  tasks: [5, 6, 11],
  skills: [4],
  member_skills: [2, 11],
}

/** Creates the tables on `db`, inserts DATA and soft-deletes the DELETED rows. */
export async function fillTables(db: Backend['db']): Promise<void> {
  for (const table of TABLE_NAMES) await model(table).createTable(db)
  for (const table of TABLE_NAMES) {
    const rows = await model(table).insertMany(db, DATA[table])
    rows.forEach((row: Row, i: number) => {
      if (row.id !== i + 1) throw new Error(`${table} row ${i} has id ${String(row.id)}`)
    })
    for (const id of DELETED[table]) await model(table).softDelete(db, id)
  }
}

/** Runs hand-written SQL on the test's database. */
export type RunSql = (text: string) => Promise<Row[]>
