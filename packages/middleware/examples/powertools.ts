import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency'
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache'
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware'
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { getRedisClient, jsonResponse, powertoolsCacheClient, redisPool } from '@cubewalk/middleware'
import middy from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'

const logger = new Logger({ serviceName: 'cubewalk-orders' })
const redis = { url: process.env.REDIS_URL } // the same options: one pooled connection for both uses
const persistenceStore = new CachePersistenceLayer({
  client: powertoolsCacheClient(() => getRedisClient(redis)), // follows the pool when it replaces a dead client
})
const idempotency = makeHandlerIdempotent({
  persistenceStore,
  config: new IdempotencyConfig({ eventKeyJmesPath: 'headers."Idempotency-Key"' }),
})

export const handler = middy<APIGatewayProxyEvent>()
  .use(injectLambdaContext(logger))
  .use({
    // Before jsonResponse: a repeated request gets the stored proxy response, and failures are not stored.
    ...idempotency,
    // With Redis down, Powertools cannot delete its in-progress record either and would throw past jsonResponse
    // (a 502 at API Gateway): keep jsonResponse's 503. The record, if one was saved, expires by itself.
    onError: async (request) => {
      try {
        await idempotency.onError?.(request)
      } catch (error) {
        if (request.response === undefined) throw error
      }
    },
  })
  .use(jsonResponse({ logger: (entry) => logger.error(entry) })) // one JSON line per 5xx, `error` nested
  .use(redisPool(redis))
  .handler(async (_event, context) => {
    const order = await context.redis.incr('cubewalk:orders:next') // runs once per Idempotency-Key
    return { order }
  })
