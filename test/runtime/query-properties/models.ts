import { modelsOf } from '../../support/models.ts'
import { TABLES, type TableName } from './schema.ts'

/** fluentorm's models of the tables in schema.ts, written with the schema builder. */
export const MODELS = modelsOf({
  teams(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.decimal({ name: 'budget', precision: 12, scale: 2, nullable: true })
    t.timestamptz({ name: 'founded_at', nullable: true })
    t.softDelete()
    t.hasMany({ name: 'members', foreignTable: 'members', foreignColumn: 'team_id' })
  },
  members(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'team_id', nullable: true })
    t.integer({ name: 'manager_id', nullable: true })
    t.string({ name: 'name' })
    t.string({ name: 'nickname', nullable: true })
    t.integer({ name: 'age', nullable: true })
    t.decimal({ name: 'score', precision: 10, scale: 2, nullable: true })
    t.bigInt({ name: 'points' })
    t.boolean({ name: 'active' })
    t.timestamptz({ name: 'joined_at', nullable: true })
    t.softDelete()
    t.belongsTo({ name: 'team', column: 'team_id', referencesTable: 'teams' })
    t.belongsTo({ name: 'manager', column: 'manager_id', referencesTable: 'members' })
    t.hasMany({ name: 'reports', foreignTable: 'members', foreignColumn: 'manager_id' })
    t.hasOne({ name: 'profile', foreignTable: 'profiles', foreignColumn: 'member_id' })
    t.hasMany({ name: 'tasks', foreignTable: 'tasks', foreignColumn: 'member_id' })
    t.manyToMany({
      name: 'skills',
      targetTable: 'skills',
      through: 'member_skills',
      throughLocalColumn: 'member_id',
      throughForeignColumn: 'skill_id',
    })
  },
  profiles(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'member_id' })
    t.string({ name: 'bio', nullable: true })
    t.integer({ name: 'rating', nullable: true })
    t.belongsTo({ name: 'member', column: 'member_id', referencesTable: 'members' })
  },
  tasks(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'member_id' })
    t.string({ name: 'title' })
    t.decimal({ name: 'hours', precision: 8, scale: 2 })
    t.bigInt({ name: 'weight', nullable: true })
    t.boolean({ name: 'done' })
    t.timestamptz({ name: 'due_at', nullable: true })
    t.softDelete()
    t.belongsTo({ name: 'owner', column: 'member_id', referencesTable: 'members' })
  },
  skills(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.integer({ name: 'level', nullable: true })
    t.softDelete()
    t.manyToMany({
      name: 'members',
      targetTable: 'members',
      through: 'member_skills',
      throughLocalColumn: 'skill_id',
      throughForeignColumn: 'member_id',
    })
  },
  member_skills(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'member_id' })
    t.integer({ name: 'skill_id' })
    t.integer({ name: 'rank', nullable: true })
    t.softDelete()
    t.belongsTo({ name: 'member', column: 'member_id', referencesTable: 'members' })
    t.belongsTo({ name: 'skill', column: 'skill_id', referencesTable: 'skills' })
  },
})

export function model(table: TableName): any {
  return MODELS[TABLES[table].model]
}
