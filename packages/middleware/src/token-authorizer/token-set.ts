import { TokenAuthorizerConfigError } from './configuration-error.js'

// Not an ESM `import`: that builds node:crypto's ESM facade, ≈1–3 ms of cold start for two functions.
const { hash, timingSafeEqual } = process.getBuiltinModule('node:crypto')

/** Token name → token. The name becomes the `principalId`. */
export type TokenMap = Readonly<Record<string, string>>

/** A validated token map with the digests of its tokens, computed once. */
export interface TokenSet {
  readonly names: readonly string[]
  readonly digests: readonly Buffer[]
}

// Comparing fixed-size digests means neither the content nor the length of a stored token changes how long a
// comparison takes; hashing the candidate only depends on the candidate, which the caller knows anyway.
const digest = (text: string): Buffer => hash('sha256', text, 'buffer')

const describe = (value: unknown): string => {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value === undefined) return 'undefined'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

const parseJson = (text: string, source: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    // The SyntaxError is dropped on purpose: V8 quotes part of the input in its message, and the input holds tokens.
    throw new TokenAuthorizerConfigError(
      `${source} is a string but not valid JSON (expected a JSON object name → token)`,
    )
  }
}

/**
 * Validates a token map (an object, or a JSON string of one) and digests its tokens.
 *
 * Every entry needs a non-empty name and a non-empty, well-formed (no lone surrogate) string token. An invalid or
 * empty map is a configuration error, never a silent deny. Error messages name entries by position only, because a
 * map written the wrong way round would put tokens where names belong.
 *
 * @param source how to name the map in error messages, e.g. `options.tokens`.
 * @throws TokenAuthorizerConfigError
 */
export const buildTokenSet = (value: unknown, source: string): TokenSet => {
  const map = typeof value === 'string' ? parseJson(value, source) : value
  if (!isPlainObject(map)) {
    throw new TokenAuthorizerConfigError(
      `${source} must be a plain object name → token, got ${describe(map)}`,
    )
  }
  const entries = Object.entries(map)
  if (entries.length === 0) {
    throw new TokenAuthorizerConfigError(
      `${source} holds no tokens; at least one name → token entry is required`,
    )
  }
  const names: string[] = []
  const digests: Buffer[] = []
  for (const [index, [name, token]] of entries.entries()) {
    const position = `entry ${index + 1} of ${entries.length}`
    if (name.length === 0) {
      throw new TokenAuthorizerConfigError(`${source}: ${position} has an empty name`)
    }
    if (typeof token !== 'string' || token.length === 0) {
      const got = typeof token === 'string' ? 'an empty string' : describe(token)
      throw new TokenAuthorizerConfigError(
        `${source}: ${position} must be a non-empty string token, got ${got}`,
      )
    }
    if (!token.isWellFormed()) {
      // UTF-8 encoding would turn every lone surrogate into U+FFFD, so distinct strings could share a digest.
      throw new TokenAuthorizerConfigError(`${source}: ${position} contains a lone UTF-16 surrogate`)
    }
    names.push(name)
    digests.push(digest(token))
  }
  return { names, digests }
}

/**
 * The name of the stored token equal to `candidate`, or `undefined`. Compares against every token in constant time
 * per token and without stopping at a match; if two names share a token, the first one in map order wins.
 */
export const matchToken = (set: TokenSet, candidate: string): string | undefined => {
  if (!candidate.isWellFormed()) return undefined
  const candidateDigest = digest(candidate)
  const { digests } = set
  let found = -1
  for (let i = 0; i < digests.length; i++) {
    // No break: every stored token is compared, whether or not an earlier one matched.
    const equal = timingSafeEqual(candidateDigest, digests[i] as Buffer)
    if (equal && found === -1) found = i
  }
  return found === -1 ? undefined : set.names[found]
}
