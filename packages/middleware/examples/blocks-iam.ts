import { elastiCacheIamAuth } from '@cubewalk/middleware/elasticache-iam'
import { jsonResponse } from '@cubewalk/middleware/json-response'
import { redisPool } from '@cubewalk/middleware/redis-pool'
import middy from '@middy/core'

// The ElastiCache user with `AuthenticationMode: { Type: 'iam' }`; its user id is the name sent with AUTH.
const userId = process.env.REDIS_USERNAME ?? 'cubewalk-blocks'

export const handler = middy()
  .use(jsonResponse())
  .use(
    redisPool({
      url: process.env.REDIS_URL, // rediss://…: ElastiCache accepts IAM authentication only over TLS
      username: userId,
      // Signed from the execution role's credentials (it needs elasticache:Connect on the cache and the user).
      password: elastiCacheIamAuth({ cacheName: process.env.CACHE_NAME ?? 'cubewalk-cache', userId }),
    }),
  )
  .handler(async (_event, context) => ({ user: await context.redis.call('ACL', 'WHOAMI') }))
