import { migrations } from 'virtual:fluentorm/migrations'
import { User } from 'virtual:fluentorm/models'
import type { Database } from '@fluentorm/runtime'
import { migrate } from '@fluentorm/runtime'

export const DEMO_USER = { email: 'ada@example.com', name: 'Ada Lovelace' } as const

/**
 * Applies the repository's numbered migrations (bundled by the plugin) and creates the demo
 * author. Safe to re-run: applied migrations are skipped and the author is created once.
 */
export async function setupDatabase(db: Database): Promise<void> {
  await migrate(db, migrations)
  const existing = await User.query().where('email', DEMO_USER.email).first(db)
  if (existing === null) await User.insert(db, DEMO_USER)
}
