import { sql } from '@fluentorm/runtime'

/** An sql fragment three ways: built with the real `sql` tag, as hand SQL, and as code. */
export interface FragDef {
  readonly build: (...args: any[]) => unknown
  readonly hand: (...args: string[]) => string
  readonly code: (...args: string[]) => string
}

/** The sql fragments a case may use (in conditions, select lists, orders, groups, having). */
export const FRAGS = {
  plusGt: {
    build: (a: unknown, n: unknown, b: unknown) => sql`${a} + ${n} > ${b}`,
    hand: (a, n, b) => `${a} + ${n} > ${b}`,
    code: (a, n, b) => `sql\`\${${a}} + \${${n}} > \${${b}}\``,
  },
  nullOrGt: {
    build: (a: unknown, b: unknown, n: unknown) => sql`${a} IS NULL OR ${b} > ${n}`,
    hand: (a, b, n) => `${a} IS NULL OR ${b} > ${n}`,
    code: (a, b, n) => `sql\`\${${a}} IS NULL OR \${${b}} > \${${n}}\``,
  },
  lower: {
    build: (a: unknown) => sql`lower(${a})`,
    hand: (a) => `lower(${a})`,
    code: (a) => `sql\`lower(\${${a}})\``,
  },
  nullif: {
    build: (a: unknown, v: unknown) => sql`nullif(${a}, ${v})`,
    hand: (a, v) => `nullif(${a}, ${v})`,
    code: (a, v) => `sql\`nullif(\${${a}}, \${${v}})\``,
  },
  length: {
    build: (a: unknown) => sql`length(${a})`,
    hand: (a) => `length(${a})`,
    code: (a) => `sql\`length(\${${a}})\``,
  },
  times: {
    build: (a: unknown, n: unknown) => sql<number>`${a} * ${n}`,
    hand: (a, n) => `${a} * ${n}`,
    code: (a, n) => `sql<number>\`\${${a}} * \${${n}}\``,
  },
  coalesce: {
    build: (a: unknown, d: unknown) => sql`coalesce(${a}, ${d})`,
    hand: (a, d) => `coalesce(${a}, ${d})`,
    code: (a, d) => `sql\`coalesce(\${${a}}, \${${d}})\``,
  },
  gt: {
    build: (a: unknown, b: unknown) => sql<boolean>`${a} > ${b}`,
    hand: (a, b) => `${a} > ${b}`,
    code: (a, b) => `sql<boolean>\`\${${a}} > \${${b}}\``,
  },
  mod3: {
    build: (a: unknown) => sql<number>`${a} % 3`,
    hand: (a) => `${a} % 3`,
    code: (a) => `sql<number>\`\${${a}} % 3\``,
  },
  isNull: {
    build: (a: unknown) => sql<boolean>`${a} IS NULL`,
    hand: (a) => `${a} IS NULL`,
    code: (a) => `sql<boolean>\`\${${a}} IS NULL\``,
  },
  countGe: {
    build: (n: unknown) => sql`count(*) >= ${n}`,
    hand: (n) => `count(*) >= ${n}`,
    code: (n) => `sql\`count(*) >= \${${n}}\``,
  },
  sumGt: {
    build: (a: unknown, n: unknown) => sql`sum(${a}) > ${n}`,
    hand: (a, n) => `sum(${a}) > ${n}`,
    code: (a, n) => `sql\`sum(\${${a}}) > \${${n}}\``,
  },
  scalar: {
    build: (q: unknown) => sql<number>`${q}`,
    hand: (q) => q,
    code: (q) => `sql<number>\`\${${q}}\``,
  },
} satisfies Record<string, FragDef>

export type FragKind = keyof typeof FRAGS
