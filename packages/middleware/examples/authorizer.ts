import { tokenAuthorizer } from '@cubewalk/middleware/token-authorizer'
import middy from '@middy/core'
import ssm from '@middy/ssm'

export const handler = middy() // no handler body: the middleware answers
  .use(
    ssm({
      // Kept in request.internal under this key (middy's convention; no setToContext needed).
      fetchData: { tokens: process.env.TOKENS_PARAMETER_NAME ?? '/cubewalk/tokens' },
      cacheExpiry: 5 * 60_000, // a removed token stops working within this TTL
      cacheKey: 'cubewalk-tokens',
    }),
  )
  .use(tokenAuthorizer({ tokensFromInternal: 'tokens', pattern: /[A-Za-z0-9_-]{8,256}/ }))
