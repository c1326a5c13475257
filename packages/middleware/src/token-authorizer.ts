import type { MiddlewareObj, Request } from '@middy/core'
import { checkKnownKeys } from './options/check-known-keys.js'
import {
  type AuthorizerContext,
  type AuthorizerContextValue,
  checkAuthorizerContext,
} from './token-authorizer/authorizer-context.js'
import { TokenAuthorizerConfigError } from './token-authorizer/configuration-error.js'
import { fullMatch } from './token-authorizer/full-match.js'
import { stageWideResource } from './token-authorizer/stage-wide-resource.js'
import { buildTokenSet, matchToken, type TokenMap, type TokenSet } from './token-authorizer/token-set.js'

export type { AuthorizerContext, AuthorizerContextValue } from './token-authorizer/authorizer-context.js'
export { TokenAuthorizerConfigError } from './token-authorizer/configuration-error.js'
export { stageWideResource } from './token-authorizer/stage-wide-resource.js'
export type { TokenMap } from './token-authorizer/token-set.js'

/** The event API Gateway sends a TOKEN authorizer. */
export interface TokenAuthorizerEvent {
  type: 'TOKEN'
  authorizationToken: string
  methodArn: string
}

/** What the authorizer returns on success: an Allow for every method and path of the stage. */
export interface TokenAuthorizerResult {
  principalId: string
  policyDocument: {
    Version: '2012-10-17'
    Statement: [{ Action: 'execute-api:Invoke'; Effect: 'Allow'; Resource: string }]
  }
  context: Record<string, AuthorizerContextValue>
}

export interface TokenAuthorizerOptions {
  /** Token name → token, fixed at construction. Exactly one of `tokens` and `tokensFromContext` is required. */
  tokens?: TokenMap
  /**
   * The Lambda context key where an earlier middleware put the token map, e.g. `'tokens'` for
   * `ssm({ fetchData: { tokens: '/cubewalk/tokens' }, setToContext: true })`. `@middy/ssm` writes the fetchData
   * key with every run of characters other than `[A-Za-z0-9]` replaced by `_`, so that is the form expected here.
   * The value may be the object `@middy/ssm` parsed from JSON or a JSON string.
   */
  tokensFromContext?: string
  /**
   * Checked before any comparison; a token that does not match is refused. Full-match semantics: the whole token
   * must match, as if written `^(?:pattern)$` (flags `g`, `y`, `m` are ignored; a string compiles without flags).
   */
  pattern?: RegExp | string
  /**
   * Extra authorizer context values (string, finite number or boolean), or a function of the token name returning
   * them. `tokenName` is always added; `tokenName`, `principalId` and `integrationLatency` may not be set here.
   */
  context?: AuthorizerContext | ((tokenName: string) => AuthorizerContext)
}

const defaults = {
  tokens: undefined,
  tokensFromContext: undefined,
  pattern: undefined,
  context: {},
} satisfies Required<Record<keyof TokenAuthorizerOptions, unknown>> & TokenAuthorizerOptions

const knownOptions = Object.freeze(Object.keys(defaults))

// What @middy/ssm (and the other middy fetch middlewares) can produce as a context key after sanitizing.
const contextKeyShape = /^[A-Za-z_][A-Za-z0-9_]*$/

// API Gateway answers 401 only for exactly this message; anything else becomes a 500.
const unauthorized = (): Error => new Error('Unauthorized')

const checkOptions = (options: TokenAuthorizerOptions): void => {
  if (typeof options !== 'object' || options === null) {
    throw new TokenAuthorizerConfigError('tokenAuthorizer needs an options object')
  }
  checkKnownKeys(options, knownOptions, (message) => new TokenAuthorizerConfigError(message))
  const { tokens, tokensFromContext } = options
  if ((tokens === undefined) === (tokensFromContext === undefined)) {
    throw new TokenAuthorizerConfigError('Set exactly one of options.tokens and options.tokensFromContext')
  }
  if (
    tokensFromContext !== undefined &&
    !(typeof tokensFromContext === 'string' && contextKeyShape.test(tokensFromContext))
  ) {
    throw new TokenAuthorizerConfigError(
      "options.tokensFromContext must be a context key such as 'tokens' (letters, digits, '_'; @middy/ssm turns a fetchData key 'auth-tokens' into 'auth_tokens')",
    )
  }
}

/**
 * Middy middleware for an API Gateway REST API TOKEN authorizer Lambda. It answers by itself (early response from
 * `before`), so `middy()` needs no handler; put it last in `.use()` (after `@middy/ssm` when tokens come from SSM).
 *
 * - Known token → `{ principalId: <token name>, policyDocument: Allow execute-api:Invoke on
 *   arn:…:{apiId}/{stage}/*\/*, context: { tokenName, ...options.context } }`.
 * - Wrong event type, missing/empty/unknown token, `pattern` mismatch → throws exactly `Error('Unauthorized')` (401).
 * - Missing/invalid token map, malformed `methodArn`, invalid context values → throws
 *   {@link TokenAuthorizerConfigError} (500). Invalid static options throw it at construction.
 *
 * No token text is ever logged or put into an error.
 */
export const tokenAuthorizer = (
  opts: TokenAuthorizerOptions,
): MiddlewareObj<TokenAuthorizerEvent, TokenAuthorizerResult> => {
  checkOptions(opts)
  const options = { ...defaults, ...opts }
  const { tokensFromContext } = options
  const pattern = options.pattern === undefined ? undefined : fullMatch(options.pattern)
  const staticTokens =
    options.tokens === undefined ? undefined : buildTokenSet(options.tokens, 'options.tokens')

  const contextOption = options.context
  const contextFor =
    typeof contextOption === 'function'
      ? (tokenName: string) => ({
          tokenName,
          ...checkAuthorizerContext(contextOption(tokenName), 'options.context()'),
        })
      : (() => {
          const extra = checkAuthorizerContext(contextOption, 'options.context')
          return (tokenName: string) => ({ tokenName, ...extra })
        })()

  // Keyed by identity (or string value) of what the earlier middleware set: @middy/ssm hands over the same object
  // until its cache expires, so digests are computed once per fetched value and again after a rotation.
  let cachedSource: unknown
  let cachedSet: TokenSet | undefined
  const tokensFrom = (context: unknown): TokenSet => {
    if (staticTokens !== undefined) return staticTokens
    const key = tokensFromContext as string
    const value = (context as Record<string, unknown> | undefined)?.[key]
    if (cachedSet !== undefined && value === cachedSource) return cachedSet
    if (value === undefined) {
      throw new TokenAuthorizerConfigError(
        `context.${key} is not set: use @middy/ssm with setToContext: true and fetchData: { ${key}: '<parameter name>' } before tokenAuthorizer`,
      )
    }
    const set = buildTokenSet(value, `context.${key}`)
    cachedSource = value
    cachedSet = set
    return set
  }

  // A warm Lambda mostly sees one stage, so one remembered ARN saves the regex on nearly every call.
  let lastMethodArn: string | undefined
  let lastResource = ''
  const resourceFor = (methodArn: unknown): string => {
    if (typeof methodArn !== 'string' || methodArn !== lastMethodArn) {
      // Throws for anything that is not a method ARN, non-strings included.
      lastResource = stageWideResource(methodArn as string)
      lastMethodArn = methodArn as string
    }
    return lastResource
  }

  const tokenAuthorizerBefore = (
    request: Request<TokenAuthorizerEvent, TokenAuthorizerResult>,
  ): TokenAuthorizerResult => {
    const event: unknown = request.event
    if (typeof event !== 'object' || event === null) throw unauthorized()
    const { type, authorizationToken, methodArn } = event as Partial<
      Record<keyof TokenAuthorizerEvent, unknown>
    >
    if (type !== 'TOKEN' || typeof authorizationToken !== 'string' || authorizationToken.length === 0) {
      throw unauthorized()
    }
    if (pattern !== undefined && !pattern.test(authorizationToken)) throw unauthorized()
    const tokenName = matchToken(tokensFrom(request.context), authorizationToken)
    if (tokenName === undefined) throw unauthorized()
    return {
      principalId: tokenName,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resourceFor(methodArn) }],
      },
      context: contextFor(tokenName),
    }
  }

  return { before: tokenAuthorizerBefore }
}
