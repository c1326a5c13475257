// The TOKEN authorizer Lambda: API Gateway hands it the `token` header, it answers Allow (for the whole stage)
// or throws `Unauthorized` (401). Tokens live in one SSM parameter as JSON {"<name>": "<token>"}; several names
// let a token be rotated without downtime, and the name becomes the principalId the blocks Lambda records.
//
// Deliberately absent: a Redis client (this function runs outside the VPC and never needs one) and
// @middy/http-error-handler (it would turn `Unauthorized` into a 500, middy issue #1201).
import { type TokenAuthorizerEvent, type TokenAuthorizerResult, tokenAuthorizer } from '@cubewalk/middleware'
import { emfMetrics } from '@cubewalk/middleware/metrics'
import middy from '@middy/core'
import ssm from '@middy/ssm'
import type { Context } from 'aws-lambda'
import { type AuthorizerConfig, TOKENS_REVALIDATE_AFTER_SECONDS } from '../config.js'
import { revalidateOnMatch } from './revalidate-on-match.js'

export interface AuthorizerOverrides {
  /** @middy/ssm's cache slot; tests give each instance its own so they don't share fetched tokens. */
  readonly cacheKey?: string
  /** Age (ms) past which an Allow is confirmed against a fresh read; default TOKENS_REVALIDATE_AFTER_SECONDS. */
  readonly revalidateAfterMs?: number
}

/** The context key @middy/ssm writes the parsed token map to (setToContext) and tokenAuthorizer reads. */
const tokensContextKey = 'tokens'

/** The signature from outside: a plain Lambda context goes in (@middy/ssm adds `tokens` to it). */
export type AuthorizerLambdaHandler = (
  event: TokenAuthorizerEvent,
  context: Context,
) => Promise<TokenAuthorizerResult>

export const createAuthorizer = (
  config: AuthorizerConfig,
  overrides: AuthorizerOverrides = {},
): AuthorizerLambdaHandler => {
  const cacheKey = overrides.cacheKey ?? 'cubewalk-tokens'
  const tokens = ssm({
    fetchData: { [tokensContextKey]: config.tokensParameterName },
    // Finite, so a rotated token is picked up without a redeploy; @middy/ssm would otherwise cache forever.
    // The default prefetch fetches during cold start, overlapping the init rather than the first request.
    cacheExpiry: config.tokensCacheExpiryMs,
    cacheKey,
    setToContext: true,
  })
  const check = tokenAuthorizer({
    tokensFromContext: tokensContextKey,
    ...(config.tokenPattern === undefined ? {} : { pattern: config.tokenPattern }),
    ...(config.metrics === undefined ? {} : { metrics: emfMetrics(config.metrics) }),
  })
  const pipeline = middy<TokenAuthorizerEvent, TokenAuthorizerResult>()
  // revalidateOnMatch calls the check's `before` itself, so the check's onError (with metrics: one EMF line per
  // refused or failed invocation) is registered on its own. It sees every error, @middy/ssm's failed reads too.
  if (check.onError !== undefined) pipeline.use({ onError: check.onError })
  return pipeline.use(tokens).use(
    // A revoked token is dropped within seconds; an unknown one never costs an SSM read.
    revalidateOnMatch<TokenAuthorizerEvent, TokenAuthorizerResult>({
      check: check.before as (request: unknown) => unknown,
      fetch: tokens.before as (request: unknown) => unknown,
      cacheKey,
      cacheExpiryMs: config.tokensCacheExpiryMs,
      revalidateAfterMs: overrides.revalidateAfterMs ?? TOKENS_REVALIDATE_AFTER_SECONDS * 1000,
    }),
  ) as unknown as AuthorizerLambdaHandler
}
