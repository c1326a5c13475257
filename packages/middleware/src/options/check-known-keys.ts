/**
 * The one check every factory of this package runs first on its options object: each own key must be a known
 * option. A misspelt key (`connectTimout`) would otherwise be ignored silently and its default used instead, which
 * shows up only in production (a 20 s hang instead of a 500 ms 503). `fail` builds the factory's own config error,
 * so callers keep catching the class they already know.
 */
export const checkKnownKeys = (
  options: object,
  known: readonly string[],
  fail: (message: string) => Error,
): void => {
  // Own keys only, symbols included: an inherited property is not an option the caller wrote.
  for (const key of Reflect.ownKeys(options)) {
    if (typeof key === 'string' && known.includes(key)) continue
    const name = typeof key === 'string' ? JSON.stringify(key) : String(key)
    const closest = typeof key === 'string' ? closestKnown(key, known) : undefined
    const hint = closest === undefined ? '' : ` (did you mean "${closest}"?)`
    throw fail(`unknown option ${name}${hint}; known options: ${known.join(', ')}`)
  }
}

/** Lists a type's option keys with compile-time completeness: adding an option without listing it fails `tsc`. */
export const optionKeys = <TOptions extends object>(keys: Record<keyof TOptions, true>): readonly string[] =>
  Object.freeze(Object.keys(keys))

/**
 * The known key nearest to `key`, if it is near enough to be a typo: same letters in another case, or an edit
 * distance (insertions, deletions, substitutions, adjacent swaps) of at most a third of the key's length, 1 for
 * short keys. Ties go to the key listed first.
 */
const closestKnown = (key: string, known: readonly string[]): string | undefined => {
  const lower = key.toLowerCase()
  const sameLetters = known.find((candidate) => candidate.toLowerCase() === lower)
  if (sameLetters !== undefined) return sameLetters
  const limit = Math.max(1, Math.floor(key.length / 3))
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase(), bestDistance)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Optimal string alignment distance, or `cap` as soon as it is known to be at least `cap`. */
const editDistance = (a: string, b: string, cap: number): number => {
  if (Math.abs(a.length - b.length) >= cap) return cap
  let beforePrevious: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + substitution,
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (beforePrevious[j - 2] as number) + 1)
      }
      current[j] = value
      if (value < rowMin) rowMin = value
    }
    if (rowMin >= cap) return cap
    beforePrevious = previous
    previous = current
  }
  return Math.min(previous[b.length] as number, cap)
}
