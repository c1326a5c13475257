// Revoking a token must reach warm authorizers within seconds, but an unknown token must never cost an SSM call
// (anyone can send bad tokens, as many as they like). So the fresh read is spent on the other case only: a token
// the cached copy *accepts*, when that copy is older than a few seconds. Allows are rare by construction, because
// API Gateway caches each one for the authorizer TTL (300 s), and a flush of that cache after a revocation sends
// exactly the revoked token here, where the fresh read drops it. Why and how: docs/deploy.md#revoking-a-token-at-once.
import type { MiddlewareObj, Request } from '@middy/core'
import { clearCache, getCache } from '@middy/util'

type Before<TEvent, TResult> = (request: Request<TEvent, TResult>) => unknown

export interface RevalidateOnMatchOptions<TEvent, TResult> {
  /** The token check; returns the Allow, throws `Unauthorized` (never reads SSM itself). */
  readonly check: Before<TEvent, TResult>
  /** The @middy/ssm middleware's `before`: (re)fetches the parameter into the context when its cache is empty. */
  readonly fetch: Before<TEvent, TResult>
  /** @middy/ssm's cacheKey and cacheExpiry (ms), to know when its copy was fetched and to drop it. */
  readonly cacheKey: string
  readonly cacheExpiryMs: number
  /** An Allow from a copy older than this is confirmed against a fresh read first. */
  readonly revalidateAfterMs: number
}

export const revalidateOnMatch = <TEvent, TResult>(
  options: RevalidateOnMatchOptions<TEvent, TResult>,
): MiddlewareObj<TEvent, TResult> => {
  const { check, fetch, cacheKey, cacheExpiryMs, revalidateAfterMs } = options
  const fetchedAt = (): number => {
    // @middy/ssm stores `expiry = time of the fetch + cacheExpiry`; the read itself happens a little later, so
    // this age errs on the old side and never lets a stale copy pass as fresh.
    const { expiry } = getCache(cacheKey) as { expiry?: number }
    return typeof expiry === 'number' && Number.isFinite(expiry)
      ? expiry - cacheExpiryMs
      : Number.NEGATIVE_INFINITY
  }
  const revalidateOnMatchBefore = async (request: Request<TEvent, TResult>) => {
    const allowed = await check(request)
    // Without a cache (TTL 0) every invocation has just read the parameter.
    if (cacheExpiryMs <= 0 || Date.now() - fetchedAt() <= revalidateAfterMs) return allowed
    clearCache([cacheKey])
    await fetch(request)
    return check(request)
  }
  return { before: revalidateOnMatchBefore }
}
