// The tokens parameter's value as the authorizer reads it: a JSON object, token name -> token. Parsed and checked
// here before any change, so that a value the authorizer would refuse (every request a 500) is never written, and
// a value that is already malformed is left exactly as it is. Messages name entries by position and never quote a
// value: a map written the wrong way round would put tokens where names belong.

/** Token names the commands create: what API Gateway's access log shows as principalId. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** SSM's Standard tier holds at most this many characters in a value. */
export const PARAMETER_VALUE_LIMIT = 4096

export class TokenMapError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TokenMapError'
  }
}

/** Name -> token, in the parameter's order. */
export type TokenMap = ReadonlyMap<string, string>

const describe = (value: unknown): string => {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/**
 * @param source how to name the value in messages, e.g. `parameter /Cubewalk/tokens (version 4)`.
 * @throws TokenMapError when the value is not what the authorizer accepts.
 */
export const parseTokenMap = (text: string, source: string): TokenMap => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // JSON.parse's message quotes part of the input, which holds tokens: not repeated.
    throw new TokenMapError(`${source} is not valid JSON; expected a JSON object name -> token`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TokenMapError(`${source} must be a JSON object name -> token, got ${describe(parsed)}`)
  }
  const entries = Object.entries(parsed)
  if (entries.length === 0) throw new TokenMapError(`${source} holds no tokens`)
  const map = new Map<string, string>()
  for (const [index, [name, token]] of entries.entries()) {
    const position = `entry ${index + 1} of ${entries.length}`
    if (name.length === 0) throw new TokenMapError(`${source}: ${position} has an empty name`)
    if (typeof token !== 'string' || token.length === 0) {
      const got = typeof token === 'string' ? 'an empty string' : describe(token)
      throw new TokenMapError(`${source}: ${position} must be a non-empty string token, got ${got}`)
    }
    if (!token.isWellFormed())
      throw new TokenMapError(`${source}: ${position} contains a lone UTF-16 surrogate`)
    map.set(name, token)
  }
  return map
}

export const serializeTokenMap = (map: TokenMap): string => {
  const object: Record<string, string> = Object.create(null)
  for (const [name, token] of map) object[name] = token
  return JSON.stringify(object)
}

export const checkTokenName = (name: string): void => {
  if (!TOKEN_NAME_PATTERN.test(name)) {
    throw new TokenMapError(
      `token name ${JSON.stringify(name)} is not allowed: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    )
  }
}
