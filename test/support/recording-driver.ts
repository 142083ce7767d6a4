import { type Driver, driverBrand } from '@fluentorm/runtime'

/**
 * A Driver over `inner` that records the text of every statement it sends (queries and
 * `exec`, inside transactions too) into `texts`, so a test can assert what SQL ran and how
 * many round trips it took. The statements still run on the real database.
 */
export function recording(inner: Driver, texts: string[]): Driver {
  return {
    [driverBrand]: true,
    dialect: inner.dialect,
    query: (config) => {
      texts.push(config.text)
      return inner.query(config)
    },
    exec: (sql) => {
      texts.push(sql)
      return inner.exec(sql)
    },
    transaction: (fn, options) => inner.transaction((tx) => fn(recording(tx, texts)), options),
    session: (fn) => inner.session(fn),
  } as Driver
}
