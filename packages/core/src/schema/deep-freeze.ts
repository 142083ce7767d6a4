/** Freezes a plain data tree in place and returns it, typed as deeply readonly by its IR type. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  Object.freeze(value)
  // Indexed and for-in loops: Object.values would allocate an array per node of a large IR.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i])
  } else {
    for (const key in value) deepFreeze(value[key])
  }
  return value
}
