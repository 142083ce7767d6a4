/**
 * The schema as this test knows it: tables, columns, relations and the joins it may add,
 * written independently of fluentorm's models (models.ts), for the generator and the hand SQL.
 */

export type TableName = 'teams' | 'members' | 'profiles' | 'tasks' | 'skills' | 'member_skills'
export type ColType = 'int' | 'bigint' | 'numeric' | 'text' | 'bool' | 'ts'
/** What an integer column identifies: columns of one domain can be correlated. */
export type Domain = 'team' | 'member' | 'profile' | 'task' | 'skill' | 'link'

export interface ColSpec {
  readonly name: string
  readonly type: ColType
  readonly nullable: boolean
  readonly domain: Domain | null
}

export interface TableSpec {
  readonly name: TableName
  readonly model: string
  readonly soft: boolean
  readonly columns: readonly ColSpec[]
}

export type RelSpec =
  | {
      readonly name: string
      readonly kind: 'belongsTo'
      readonly target: TableName
      readonly column: string
    }
  | {
      readonly name: string
      readonly kind: 'hasOne' | 'hasMany'
      readonly target: TableName
      readonly foreignColumn: string
    }
  | {
      readonly name: string
      readonly kind: 'manyToMany'
      readonly target: TableName
      readonly through: TableName
      readonly local: string
      readonly foreign: string
    }

const col = (name: string, type: ColType, nullable = false, domain: Domain | null = null) => ({
  name,
  type,
  nullable,
  domain,
})

/** The tables, in the order they are created. */
export const TABLES: Readonly<Record<TableName, TableSpec>> = {
  teams: {
    name: 'teams',
    model: 'Team',
    soft: true,
    columns: [
      col('id', 'int', false, 'team'),
      col('name', 'text'),
      col('budget', 'numeric', true),
      col('founded_at', 'ts', true),
      col('deleted_at', 'ts', true),
    ],
  },
  members: {
    name: 'members',
    model: 'Member',
    soft: true,
    columns: [
      col('id', 'int', false, 'member'),
      col('team_id', 'int', true, 'team'),
      col('manager_id', 'int', true, 'member'),
      col('name', 'text'),
      col('nickname', 'text', true),
      col('age', 'int', true),
      col('score', 'numeric', true),
      col('points', 'bigint'),
      col('active', 'bool'),
      col('joined_at', 'ts', true),
      col('deleted_at', 'ts', true),
    ],
  },
  profiles: {
    name: 'profiles',
    model: 'Profile',
    soft: false,
    columns: [
      col('id', 'int', false, 'profile'),
      col('member_id', 'int', false, 'member'),
      col('bio', 'text', true),
      col('rating', 'int', true),
    ],
  },
  tasks: {
    name: 'tasks',
    model: 'Task',
    soft: true,
    columns: [
      col('id', 'int', false, 'task'),
      col('member_id', 'int', false, 'member'),
      col('title', 'text'),
      col('hours', 'numeric'),
      col('weight', 'bigint', true),
      col('done', 'bool'),
      col('due_at', 'ts', true),
      col('deleted_at', 'ts', true),
    ],
  },
  skills: {
    name: 'skills',
    model: 'Skill',
    soft: true,
    columns: [
      col('id', 'int', false, 'skill'),
      col('name', 'text'),
      col('level', 'int', true),
      col('deleted_at', 'ts', true),
    ],
  },
  member_skills: {
    name: 'member_skills',
    model: 'MemberSkill',
    soft: true,
    columns: [
      col('id', 'int', false, 'link'),
      col('member_id', 'int', false, 'member'),
      col('skill_id', 'int', false, 'skill'),
      col('rank', 'int', true),
      col('deleted_at', 'ts', true),
    ],
  },
}
export const TABLE_NAMES = Object.keys(TABLES) as TableName[]

export const RELATIONS: Readonly<Record<TableName, readonly RelSpec[]>> = {
  teams: [{ name: 'members', kind: 'hasMany', target: 'members', foreignColumn: 'team_id' }],
  members: [
    { name: 'team', kind: 'belongsTo', target: 'teams', column: 'team_id' },
    { name: 'manager', kind: 'belongsTo', target: 'members', column: 'manager_id' },
    { name: 'reports', kind: 'hasMany', target: 'members', foreignColumn: 'manager_id' },
    { name: 'profile', kind: 'hasOne', target: 'profiles', foreignColumn: 'member_id' },
    { name: 'tasks', kind: 'hasMany', target: 'tasks', foreignColumn: 'member_id' },
    {
      name: 'skills',
      kind: 'manyToMany',
      target: 'skills',
      through: 'member_skills',
      local: 'member_id',
      foreign: 'skill_id',
    },
  ],
  profiles: [{ name: 'member', kind: 'belongsTo', target: 'members', column: 'member_id' }],
  tasks: [{ name: 'owner', kind: 'belongsTo', target: 'members', column: 'member_id' }],
  skills: [
    {
      name: 'members',
      kind: 'manyToMany',
      target: 'members',
      through: 'member_skills',
      local: 'skill_id',
      foreign: 'member_id',
    },
  ],
  member_skills: [
    { name: 'member', kind: 'belongsTo', target: 'members', column: 'member_id' },
    { name: 'skill', kind: 'belongsTo', target: 'skills', column: 'skill_id' },
  ],
}

export interface JoinEdge {
  readonly from: TableName
  readonly fromCol: string
  readonly to: TableName
  readonly toCol: string
}

/** Joins the generator may add: `join(To, 'to.toCol', fromCol)`. */
export const JOIN_EDGES: readonly JoinEdge[] = [
  { from: 'members', fromCol: 'team_id', to: 'teams', toCol: 'id' },
  { from: 'members', fromCol: 'id', to: 'profiles', toCol: 'member_id' },
  { from: 'members', fromCol: 'id', to: 'tasks', toCol: 'member_id' },
  { from: 'members', fromCol: 'id', to: 'member_skills', toCol: 'member_id' },
  { from: 'tasks', fromCol: 'member_id', to: 'members', toCol: 'id' },
  { from: 'profiles', fromCol: 'member_id', to: 'members', toCol: 'id' },
  { from: 'teams', fromCol: 'id', to: 'members', toCol: 'team_id' },
  { from: 'member_skills', fromCol: 'member_id', to: 'members', toCol: 'id' },
  { from: 'member_skills', fromCol: 'skill_id', to: 'skills', toCol: 'id' },
  { from: 'skills', fromCol: 'id', to: 'member_skills', toCol: 'skill_id' },
]

export function columnSpec(table: TableName, name: string): ColSpec {
  const spec = TABLES[table].columns.find((c) => c.name === name)
  if (!spec) throw new Error(`no column ${table}.${name}`)
  return spec
}

export const NUMBER_TYPES: ReadonlySet<ColType> = new Set(['int', 'bigint', 'numeric'])
