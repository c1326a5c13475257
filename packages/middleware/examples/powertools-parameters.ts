import { getParameter } from '@aws-lambda-powertools/parameters/ssm'
import { tokenAuthorizer } from '@cubewalk/middleware/token-authorizer'
import middy from '@middy/core'

const tokensParameter = process.env.TOKENS_PARAMETER_NAME ?? '/cubewalk/tokens'

export const handler = middy()
  .use({
    before: async (request) => {
      // Awaited: Powertools hands back the same parsed object until maxAge passes, so the authorizer digests the
      // tokens once per fetch (a new promise on every call would make it digest them on every call).
      request.internal.tokens = await getParameter(tokensParameter, {
        decrypt: true,
        transform: 'json',
        maxAge: 5 * 60, // seconds: a removed token stops working within this TTL
      })
    },
  })
  .use(tokenAuthorizer({ tokensFromInternal: 'tokens', pattern: /[A-Za-z0-9_-]{8,256}/ }))
