import { Metrics } from '@aws-lambda-powertools/metrics'
import { tokenAuthorizer } from '@cubewalk/middleware/token-authorizer'
import middy from '@middy/core'
import ssm from '@middy/ssm'

const metrics = new Metrics({ namespace: 'Cubewalk', serviceName: 'authorizer' })

export const handler = middy()
  .use(
    ssm({
      fetchData: { tokens: process.env.TOKENS_PARAMETER_NAME ?? '/cubewalk/tokens' },
      cacheExpiry: 5 * 60_000, // a removed token stops working within this TTL
    }),
  )
  // Each refusal: TokenRefusals with a Reason dimension; a failed parameter read: TokensUnavailable.
  .use(tokenAuthorizer({ tokensFromInternal: 'tokens', metrics }))
