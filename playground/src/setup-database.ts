import { models, User } from 'virtual:fluentorm/models'
import type { Database } from '@fluentorm/runtime'

export const DEMO_USER = { email: 'ada@example.com', name: 'Ada Lovelace' } as const

/**
 * Creates the tables of every model (in dependency order) and the demo author, once per
 * database: re-running on a prepared database changes nothing.
 */
export async function setupDatabase(db: Database): Promise<void> {
  for (const model of Object.values(models)) {
    await model.createTable(db)
    await model.createIndexes(db)
  }
  const existing = await User.query().where('email', DEMO_USER.email).first(db)
  if (existing === null) await User.insert(db, DEMO_USER)
}
