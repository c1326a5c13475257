import type { MiddlewareObj, Request } from '@middy/core'
import { checkMetricsSink, MetricsRecorder } from './metrics/recorder.js'
import type { MetricsSink } from './metrics.js'
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
import {
  contextTokenSource,
  internalTokenSource,
  staticTokenSource,
  type TokenSource,
} from './token-authorizer/token-source.js'

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
  /**
   * Token name → token, fixed at construction. Exactly one of `tokens`, `tokensFromInternal` and
   * `tokensFromContext` is required.
   */
  tokens?: TokenMap
  /**
   * The `request.internal` key where an earlier middy middleware put the token map: the `fetchData` key of
   * `@middy/ssm` (or `@middy/secrets-manager`, ...) as written, no `setToContext` needed, e.g. `'tokens'` for
   * `ssm({ fetchData: { tokens: '/cubewalk/tokens' } })`. The value may be a promise (the fetch on a cold start),
   * the parsed object or a JSON string. A dotted key reads into the value, as middy's `getInternal` does:
   * `'config.tokens'`. Keeps the token map off the Lambda context.
   */
  tokensFromInternal?: string
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
  /**
   * Where to count refusals: `emfMetrics()` from `@cubewalk/middleware/metrics` or a Powertools `Metrics`. Each
   * refused or failed invocation records one metric and publishes it (middy `onError`): `TokenRefusals` (Count)
   * with a `Reason` dimension, `MissingToken` (no, empty or non-string token, or not a TOKEN event),
   * `PatternMismatch` or `UnknownToken`; or `TokensUnavailable` (Count) when the token map could not be had (its
   * parameter read failed, it is missing or malformed) or the invocation failed otherwise. An Allow records
   * nothing. No token, hash or other request input is ever recorded. Off by default.
   */
  metrics?: MetricsSink
}

/** The `Reason` dimension values of `TokenRefusals`. */
export type TokenRefusalReason = 'MissingToken' | 'PatternMismatch' | 'UnknownToken'

const defaults = {
  tokens: undefined,
  tokensFromInternal: undefined,
  tokensFromContext: undefined,
  pattern: undefined,
  context: {},
  metrics: undefined,
} satisfies Required<Record<keyof TokenAuthorizerOptions, unknown>> & TokenAuthorizerOptions

const knownOptions = Object.freeze(Object.keys(defaults))

// What @middy/ssm (and the other middy fetch middlewares) can produce as a context key after sanitizing.
const contextKeyShape = /^[A-Za-z_][A-Za-z0-9_]*$/
// A request.internal key, or a dotted path into its value (getInternal's syntax): no empty segment.
const internalKeyShape = /^[^.]+(?:\.[^.]+)*$/

// API Gateway answers 401 only for exactly this message; anything else becomes a 500.
const unauthorized = (): Error => new Error('Unauthorized')

// A refusal error that was already counted, so onError does not count it again as a failure.
const counted = new WeakSet<object>()

const checkOptions = (options: TokenAuthorizerOptions): void => {
  if (typeof options !== 'object' || options === null) {
    throw new TokenAuthorizerConfigError('tokenAuthorizer needs an options object')
  }
  checkKnownKeys(options, knownOptions, (message) => new TokenAuthorizerConfigError(message))
  const { tokens, tokensFromInternal, tokensFromContext } = options
  if ([tokens, tokensFromInternal, tokensFromContext].filter((source) => source !== undefined).length !== 1) {
    throw new TokenAuthorizerConfigError(
      'Set exactly one of options.tokens, options.tokensFromInternal and options.tokensFromContext',
    )
  }
  if (
    tokensFromInternal !== undefined &&
    !(typeof tokensFromInternal === 'string' && internalKeyShape.test(tokensFromInternal))
  ) {
    throw new TokenAuthorizerConfigError(
      "options.tokensFromInternal must be a request.internal key such as 'tokens' (the @middy/ssm fetchData key as written), or a dotted path into it",
    )
  }
  if (
    tokensFromContext !== undefined &&
    !(typeof tokensFromContext === 'string' && contextKeyShape.test(tokensFromContext))
  ) {
    throw new TokenAuthorizerConfigError(
      "options.tokensFromContext must be a context key such as 'tokens' (letters, digits, '_'; @middy/ssm turns a fetchData key 'auth-tokens' into 'auth_tokens')",
    )
  }
  if (options.metrics !== undefined) {
    checkMetricsSink(options.metrics, (message) => new TokenAuthorizerConfigError(`options.${message}`))
  }
}

/**
 * Middy middleware for an API Gateway REST API TOKEN authorizer Lambda. It answers by itself (early response from
 * `before`), so `middy()` needs no handler; put it last in `.use()` (after `@middy/ssm` when tokens come from SSM).
 * A token set still being fetched (a promise in `request.internal`) is awaited; otherwise the answer is synchronous.
 *
 * - Known token → `{ principalId: <token name>, policyDocument: Allow execute-api:Invoke on
 *   arn:…:{apiId}/{stage}/*\/*, context: { tokenName, ...options.context } }`.
 * - Wrong event type, missing/empty/unknown token, `pattern` mismatch → throws exactly `Error('Unauthorized')` (401).
 * - Missing/invalid token map, malformed `methodArn`, invalid context values → throws
 *   {@link TokenAuthorizerConfigError} (500). Invalid static options throw it at construction.
 *
 * No token text is ever logged, put into an error or recorded as a metric.
 */
export const tokenAuthorizer = (
  opts: TokenAuthorizerOptions,
): MiddlewareObj<TokenAuthorizerEvent, TokenAuthorizerResult> => {
  checkOptions(opts)
  const options = { ...defaults, ...opts }
  const pattern = options.pattern === undefined ? undefined : fullMatch(options.pattern)
  const tokenSource: TokenSource =
    options.tokens !== undefined
      ? staticTokenSource(buildTokenSet(options.tokens, 'options.tokens'))
      : options.tokensFromInternal !== undefined
        ? internalTokenSource(options.tokensFromInternal)
        : contextTokenSource(options.tokensFromContext as string)

  const recorder = options.metrics === undefined ? undefined : new MetricsRecorder(options.metrics)
  const refuse =
    recorder === undefined
      ? (_reason: TokenRefusalReason): Error => unauthorized()
      : (reason: TokenRefusalReason): Error => {
          recorder.dimension('Reason', reason)
          recorder.count('TokenRefusals')
          const error = unauthorized()
          counted.add(error)
          return error
        }

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

  const decide = (
    tokenSet: TokenSet,
    authorizationToken: string,
    methodArn: unknown,
  ): TokenAuthorizerResult => {
    const tokenName = matchToken(tokenSet, authorizationToken)
    if (tokenName === undefined) throw refuse('UnknownToken')
    return {
      principalId: tokenName,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resourceFor(methodArn) }],
      },
      context: contextFor(tokenName),
    }
  }

  const tokenAuthorizerBefore = (
    request: Request<TokenAuthorizerEvent, TokenAuthorizerResult>,
  ): TokenAuthorizerResult | Promise<TokenAuthorizerResult> => {
    const event: unknown = request.event
    if (typeof event !== 'object' || event === null) throw refuse('MissingToken')
    const { type, authorizationToken, methodArn } = event as Partial<
      Record<keyof TokenAuthorizerEvent, unknown>
    >
    if (type !== 'TOKEN' || typeof authorizationToken !== 'string' || authorizationToken.length === 0) {
      throw refuse('MissingToken')
    }
    if (pattern !== undefined && !pattern.test(authorizationToken)) throw refuse('PatternMismatch')
    const tokenSet = tokenSource(request)
    return tokenSet instanceof Promise
      ? tokenSet.then((set) => decide(set, authorizationToken, methodArn))
      : decide(tokenSet, authorizationToken, methodArn)
  }

  if (recorder === undefined) return { before: tokenAuthorizerBefore }

  // One line per refused or failed invocation; an Allow returns early from `before` and records nothing.
  const tokenAuthorizerOnError = (request: Request<TokenAuthorizerEvent, TokenAuthorizerResult>): void => {
    const { error } = request
    if (!(typeof error === 'object' && error !== null && counted.has(error)))
      recorder.count('TokensUnavailable')
    recorder.flush()
  }
  return { before: tokenAuthorizerBefore, onError: tokenAuthorizerOnError }
}
