/** A numbered migration as `virtual:fluentorm/migrations` inlines it. */
export interface BundledMigration {
  readonly name: string
  readonly sql: string
  readonly down?: string
  readonly checksum: string
}

/**
 * The JavaScript of `virtual:fluentorm/migrations`: the numbered migrations inlined with
 * their checksums, in order, for `migrate(db, migrations)` in an application that ships
 * without its migrations/ folder.
 *
 * @example
 * generateMigrationsModule([{ name: '0001_create_users.sql', sql: 'CREATE TABLE …', checksum: '9f2c…' }])
 * // export const migrations = Object.freeze([{"name":"0001_create_users.sql",…}])
 */
export function generateMigrationsModule(migrations: readonly BundledMigration[]): string {
  return `export const migrations = Object.freeze(${JSON.stringify(migrations)})\n`
}
