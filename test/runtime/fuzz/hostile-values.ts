import type { Rng } from '../query-properties/prng.ts'
import { EDGE_BIGINTS, EDGE_NUMBERS, LOOKALIKES } from './edge-values.ts'
import type { ColumnKind } from './fuzz-table.ts'

/** A generated value and the class it was drawn from (failure messages, counts). */
export interface Hostile {
  readonly value: unknown
  readonly label: string
}

type Make = (rng: Rng) => unknown

/** `depth` levels of arrays or objects around a leaf. */
function nested(depth: number, objects: boolean): unknown {
  let value: unknown = 1
  for (let i = 1; i < depth; i++) value = objects ? { k: value } : [value]
  return value
}

function randomString(rng: Rng, length: number): string {
  let text = ''
  for (let i = 0; i < length; i++) {
    const r = rng.next()
    if (r < 0.6) text += String.fromCharCode(rng.int(0x20, 0x7e))
    else if (r < 0.8) text += String.fromCodePoint(rng.int(0xa0, 0x2fff))
    else if (r < 0.9) text += String.fromCodePoint(rng.int(0x1f300, 0x1f64f))
    else text += rng.pick(['"', "'", '\\', '{', '}', ',', '\n', '\t', '$'])
  }
  return text
}

function randomJson(rng: Rng, depth: number): unknown {
  const r = rng.next()
  if (depth > 3 || r < 0.35) {
    return rng.pick<unknown>([
      null,
      true,
      false,
      0,
      -0,
      rng.int(-1e9, 1e9),
      rng.next() * 1e6,
      1e300,
      randomString(rng, rng.int(0, 8)),
      rng.pick(LOOKALIKES),
      '\u0000',
      '\ud800',
    ])
  }
  if (r < 0.65) return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth + 1))
  const object: Record<string, unknown> = {}
  for (let i = rng.int(0, 4); i > 0; i--) {
    const key = rng.pick(['a', 'b', 'constructor', 'prototype', 'toString', '', "it's", '$1', 'k'])
    object[key] = randomJson(rng, depth + 1)
  }
  return object
}

class Point {
  x = 1
  y = 2
  area(): number {
    return this.x * this.y
  }
}

/** Every value class, by label. */
export const CLASSES: Readonly<Record<string, Make>> = {
  'string:lookalike': (rng) => rng.pick(LOOKALIKES),
  'string:random': (rng) => randomString(rng, rng.int(0, 40)),
  'string:nul': (rng) => `${randomString(rng, rng.int(0, 4))}\u0000${rng.pick(['', 'x'])}`,
  'string:surrogate': (rng) => rng.pick(['\ud800', 'a\udc00b', '\udfff\ud800', '🎉'.slice(0, 1)]),
  'string:huge': (rng) => {
    const unit = rng.pick(['x', 'é', '"\\', '{'])
    return unit.repeat(Math.floor(rng.int(900_000, 1_100_000) / unit.length))
  },
  'number:edge': (rng) => rng.pick(EDGE_NUMBERS),
  'number:random': (rng) =>
    rng.chance(0.5) ? rng.int(-40_000, 40_000) : Math.fround((rng.next() - 0.5) * 1e6),
  bigint: (rng) => rng.pick(EDGE_BIGINTS),
  boolean: (rng) => rng.chance(0.5),
  null: () => null,
  'date:valid': (rng) => new Date(rng.int(-2e12, 4e12)),
  'date:edge': (rng) =>
    rng.pick([
      new Date(Date.parse('0001-01-01T00:00:00.000Z')),
      new Date(Date.parse('9999-12-31T23:59:59.999Z')),
      new Date(0),
      new Date(-1),
    ]),
  'date:invalid': () => new Date(Number.NaN),
  'date:range': (rng) =>
    rng.pick([
      new Date(Date.parse('0001-01-01T00:00:00.000Z') - 1),
      new Date(Date.parse('+010000-01-01T00:00:00.000Z')),
      new Date(8.64e15),
      new Date(-8.64e15),
      new Date(Date.parse('-000001-06-01T00:00:00.000Z')),
    ]),
  bytes: (rng) => {
    const bytes = Uint8Array.from({ length: rng.int(0, 24) }, () => rng.int(0, 255))
    return rng.chance(0.5) ? Buffer.from(bytes) : bytes
  },
  json: (rng) => randomJson(rng, 0),
  'json:deep': (rng) =>
    nested(rng.pick([999, 1_000, 1_001, 1_002, 5_000, 20_000]), rng.chance(0.5)),
  'json:proto': (rng) =>
    rng.pick<() => unknown>([
      () => JSON.parse('{"__proto__":{"polluted":1},"a":1}'),
      () => JSON.parse('{"constructor":{"prototype":{"polluted":1}}}'),
      () => JSON.parse('[{"__proto__":[]}]'),
      () => ({ constructor: 'x', hasOwnProperty: 1, toJSON: undefined }),
      () => Object.assign(Object.create(null), { a: 1, __proto__: 2 }),
    ])(),
  'json:unencodable': (rng) =>
    rng.pick<() => unknown>([
      () => ({ a: 1n }),
      () => [Number.NaN, Number.POSITIVE_INFINITY, -0],
      () => ({ f: () => 1, s: Symbol('s'), u: undefined }),
      () => {
        const cycle: Record<string, unknown> = { a: 1 }
        cycle.self = cycle
        return cycle
      },
      () => [new Date(Number.NaN)],
      () => [new Date(0), new Uint8Array([1, 2])],
      // biome-ignore lint/suspicious/noSparseArray: a hole is one of the shapes JSON.stringify turns into null
      () => [1, , 3],
    ])(),
  coercing: (rng) =>
    rng.pick<() => unknown>([
      () => ({ toString: () => "'; DROP TABLE x; --" }),
      () => ({ valueOf: () => 42 }),
      () => ({ toJSON: () => ({ swapped: true }) }),
      () => ({ toJSON: () => undefined }),
      () => ({
        toJSON() {
          throw new Error('toJSON exploded')
        },
      }),
      () => ({
        toString() {
          throw new Error('toString exploded')
        },
      }),
      () => ({ toPostgres: () => '{1,2}' }),
      () => ({
        get boom() {
          throw new Error('getter exploded')
        },
      }),
      () =>
        new Proxy(
          {},
          {
            get() {
              throw new Error('proxy exploded')
            },
          },
        ),
      () => ({ [Symbol.toPrimitive]: () => 7 }),
    ])(),
  instance: (rng) =>
    rng.pick<() => unknown>([
      () => new Point(),
      () => new Map([['a', 1]]),
      () => new Set([1]),
      () => /re/g,
      () => new Error('an error'),
      () => Promise.resolve(1),
      () => new Number(3),
      () => new String('boxed'),
      () => new Boolean(false),
      () => new ArrayBuffer(4),
      () => new Int32Array([1, -1]),
      () => new URL('https://example.com/?a=1'),
    ])(),
  function: (rng) =>
    rng.pick<() => unknown>([
      () => () => 1,
      () => function named() {},
      () => class K {},
      () => async () => 1,
    ])(),
  symbol: (rng) => rng.pick([Symbol('s'), Symbol.iterator, Symbol.for('x')]),
  array: (rng) =>
    rng.pick<() => unknown>([
      () => [],
      () => [1, 2],
      () => ['a', 'b,c', '"', '\\', 'NULL', null],
      () => [rng.pick(EDGE_NUMBERS), rng.pick(EDGE_BIGINTS)],
      () => [true, false, null],
      () => [new Date(rng.int(0, 2e12)), new Date(Number.NaN)],
      () => [rng.pick(LOOKALIKES), rng.pick(LOOKALIKES)],
      () => ['\u0000'],
      () => ['\ud800'],
      () => [{ a: 1 }, [2]],
      () => [() => 1],
    ])(),
  'array:nested': (rng) =>
    rng.pick([
      [
        [1, 2],
        [3, 4],
      ],
      [[1], [2, 3]],
      [[[]]],
      [['a', null], ['b']],
      [[[[[[1]]]]]],
    ]),
  'array:huge': (rng) =>
    Array.from({ length: 10_000 }, (_, i) => rng.pick<unknown>([i, `s${i}`, null, i % 2 === 0])),
}

/** The value classes a column's type reads as its own; the rest come up less often. */
const NATIVE: Readonly<Record<ColumnKind, readonly string[]>> = {
  uuid: ['string:lookalike', 'string:random', 'string:nul'],
  text: ['string:lookalike', 'string:random', 'string:nul', 'string:surrogate', 'string:huge'],
  varchar: ['string:lookalike', 'string:random', 'string:surrogate'],
  boolean: ['boolean', 'string:lookalike'],
  integer: ['number:edge', 'number:random', 'bigint', 'string:lookalike'],
  real: ['number:edge', 'number:random', 'bigint'],
  numeric: ['number:edge', 'number:random', 'bigint', 'string:lookalike'],
  time: ['date:valid', 'date:edge', 'date:invalid', 'date:range', 'string:lookalike'],
  text_like: ['string:lookalike', 'string:random'],
  json: ['json', 'json:deep', 'json:proto', 'json:unencodable', 'array', 'array:huge'],
  bytea: ['bytes', 'string:lookalike'],
  array: ['array', 'array:nested', 'array:huge', 'string:lookalike'],
}

const LABELS = Object.keys(CLASSES)

/**
 * Huge strings go to text columns only: for another type PostgreSQL echoes the whole 1 MB
 * value in its error, which takes PGlite seconds a statement.
 */
const FOREIGN_LABELS = LABELS.filter((label) => label !== 'string:huge')

/** A value for a column of `kind`: most often one of its own classes, else any class. */
export function hostileFor(rng: Rng, kind: ColumnKind): Hostile {
  const label = rng.chance(0.55) ? rng.pick(NATIVE[kind]) : rng.pick(FOREIGN_LABELS)
  return { value: CLASSES[label]!(rng), label }
}

/** A value of any class. */
export function anyHostile(rng: Rng): Hostile {
  const label = rng.pick(LABELS)
  return { value: CLASSES[label]!(rng), label }
}

/** A short description of a value for failure messages (a huge string by its length). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 60
      ? `'${value.slice(0, 20)}…' (${value.length} chars)`
      : JSON.stringify(value)
  }
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  if (typeof value === 'symbol' || typeof value === 'function') return String(value).slice(0, 40)
  if (value instanceof Date) return `Date(${value.getTime()})`
  if (Array.isArray(value) && value.length > 10) return `array of ${value.length}`
  try {
    const text = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 120)}…` : text
  } catch {
    return 'an object whose JSON.stringify throws'
  }
}
