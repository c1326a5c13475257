import { TokenAuthorizerConfigError } from './configuration-error.js'
import { buildTokenSet, type TokenSet } from './token-set.js'

/** The parts of a middy request a token source reads. */
export interface TokenSourceRequest {
  context: unknown
  internal: unknown
}

/** Where the authorizer finds its token set on each request: synchronously, or once a fetch has resolved. */
export type TokenSource = (request: TokenSourceRequest) => TokenSet | Promise<TokenSet>

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === 'function'

// Own properties only, like @middy/util's getInternal: a path segment never reaches the prototype chain.
const own = (value: unknown, key: string): unknown =>
  value !== null && value !== undefined && Object.hasOwn(value as object, key)
    ? (value as Record<string, unknown>)[key]
    : undefined

/**
 * Digests are computed once per value an earlier middleware hands over, keyed by identity (or string value):
 * @middy/ssm hands over the same object, or the same promise in `request.internal`, until its cache expires, so
 * a warm invocation costs one comparison and a rotation builds the set anew.
 */
const identityCache = () => {
  let source: unknown
  let set: TokenSet | undefined
  return {
    get: (value: unknown): TokenSet | undefined => (set !== undefined && value === source ? set : undefined),
    put: (value: unknown, built: TokenSet): TokenSet => {
      source = value
      set = built
      return built
    },
  }
}

export const staticTokenSource =
  (set: TokenSet): TokenSource =>
  () =>
    set

/** `context[key]`, as `@middy/ssm` with `setToContext: true` leaves it (the value itself, resolved). */
export const contextTokenSource = (key: string): TokenSource => {
  const cache = identityCache()
  return ({ context }) => {
    const value = own(context, key)
    const cached = cache.get(value)
    if (cached !== undefined) return cached
    if (value === undefined) {
      throw new TokenAuthorizerConfigError(
        `context.${key} is not set: use @middy/ssm with setToContext: true and fetchData: { ${key}: '<parameter name>' } before tokenAuthorizer`,
      )
    }
    return cache.put(value, buildTokenSet(value, `context.${key}`))
  }
}

/**
 * `request.internal[key]`, where middy's fetch middlewares (`@middy/ssm`, `@middy/secrets-manager`, ...) put what
 * they fetch under the `fetchData` key as written: a promise until the first fetch resolves (and afterwards, for
 * @middy/ssm, the same resolved promise until the cache expires). A dotted key reads into the resolved value, as
 * `getInternal` does: `'config.tokens'` is `tokens` of the value under `config`. A rejected fetch rejects the
 * request (API Gateway: 500) and is not remembered.
 */
export const internalTokenSource = (key: string): TokenSource => {
  const [rootKey, ...path] = key.split('.') as [string, ...string[]]
  const where = `request.internal.${key}`
  const cache = identityCache()
  const build = (root: unknown, resolved: unknown): TokenSet => {
    const value = path.reduce(own, resolved)
    if (value === undefined) {
      throw new TokenAuthorizerConfigError(
        `${where} is not set: use @middy/ssm with fetchData: { ${rootKey}: '<parameter name>' } before tokenAuthorizer`,
      )
    }
    return cache.put(root, buildTokenSet(value, where))
  }
  return ({ internal }) => {
    const root = own(internal, rootKey)
    const cached = cache.get(root)
    if (cached !== undefined) return cached
    if (isThenable(root)) return Promise.resolve(root).then((resolved) => build(root, resolved))
    return build(root, root)
  }
}
