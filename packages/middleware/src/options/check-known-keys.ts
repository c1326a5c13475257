/**
 * The one check every factory of this package runs first on its options object: each own key must be a known
 * option. A misspelt key (`connectTimout`) would otherwise be ignored silently and its default used instead, which
 * shows up only in production (a 20 s hang instead of a 500 ms 503). `fail` builds the factory's own config error,
 * so callers keep catching the class they already know.
 */
export function checkKnownKeys(
  options: object,
  known: readonly string[],
  fail: (message: string) => Error,
): void {
  // Own keys only, symbols included: an inherited property is not an option the caller wrote.
  for (const key of Reflect.ownKeys(options)) {
    if ((known as readonly (string | symbol)[]).includes(key)) continue
    const name = typeof key === 'string' ? JSON.stringify(key) : String(key)
    const closest = typeof key === 'string' ? closestKnown(key, known) : undefined
    const hint = closest === undefined ? '' : ` (did you mean "${closest}"?)`
    throw fail(`unknown option ${name}${hint}; known options: ${known.join(', ')}`)
  }
}

/** Lists a type's option keys with compile-time completeness: adding an option without listing it fails `tsc`. */
export function optionKeys<TOptions extends object>(keys: Record<keyof TOptions, true>): readonly string[] {
  return Object.freeze(Object.keys(keys))
}

/**
 * The known key nearest to `key`, if it is near enough to be a typo: an edit distance (insertions, deletions,
 * substitutions, adjacent swaps; letter case ignored) of at most a third of the key's length, 1 for short keys.
 * Ties go to the key listed first. Only an error message needs it, so it favours plainness over speed.
 */
function closestKnown(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** The optimal string alignment distance between `a` and `b`. */
function editDistance(a: string, b: string): number {
  // rows[i][j]: the distance between the first i letters of a and the first j of b.
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)]
  for (let i = 1; i <= a.length; i++) {
    const above = rows[i - 1] as number[]
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      let value = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      // An adjacent swap. At the first letter of either string a[-1] or b[-1] is undefined, so it never matches.
      if (a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, ((rows[i - 2] as number[])[j - 2] as number) + 1)
      }
      row.push(value)
    }
    rows.push(row)
  }
  return (rows[a.length] as number[])[b.length] as number
}
