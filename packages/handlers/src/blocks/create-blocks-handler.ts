// The blocks API Lambda: every route of the blocks table in one function, so one warm Redis connection
// serves them all. Reading order of the pipeline (middy runs `before` top-down, `after`/`onError` bottom-up):
//
//   httpCors             preflight (OPTIONS) answered here, before Redis is touched; CORS headers on every
//                        response. It comes before jsonResponse so that its after/onError run last and also
//                        decorate the JSON error responses (otherwise a browser could not read them).
//   jsonResponse         plain data → 200 JSON; every error → JSON {"message"} (4xx shown, 5xx logged)
//   httpHeaderNormalizer lower-case header names, so routes read `if-match` whatever the client sent
//   redisPool            the shared client on context.redis, not awaited: the router and the routes check the
//                        request first, so bad input is a 4xx even while Redis is down, and the first command
//                        waits for the connection (bounded by the command timeout); connection failures → 503;
//                        with METRICS_NAMESPACE set, one EMF line per invocation (503s, latency, reconnects)
//   durable writes       only when configured: context.durableWrites, so store.ts WAITs for replicas after
//                        each write (503 when they do not confirm in time); reads never wait
//   router               router.ts → routes/*.ts → store.ts (+ keys.ts, lua.ts)
import {
  type DurableWrites,
  durableWrites,
  type JsonResponseLogger,
  jsonResponse,
  redisPool,
} from '@cubewalk/middleware'
import { elastiCacheIamAuth } from '@cubewalk/middleware/elasticache-iam'
import { emfMetrics } from '@cubewalk/middleware/metrics'
import middy, { type MiddlewareObj } from '@middy/core'
import httpCors from '@middy/http-cors'
import httpHeaderNormalizer from '@middy/http-header-normalizer'
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda'
import type { BlocksConfig } from '../config.js'
import type { BlocksContext } from './context.js'
import { blocksRouter } from './router.js'

export interface BlocksHandlerOptions {
  /** Where 5xx causes are logged (one JSON line each, with the request id). Default: console.error. */
  readonly logger?: JsonResponseLogger
}

/**
 * The Lambda signature the function has from outside: a plain Lambda context goes in (redisPool adds `redis`
 * to it), a proxy result comes out.
 */
export type BlocksLambdaHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>

/** Puts the (validated once) durable-writes setting on every request's context for the store. */
const durableWritesOnContext = (
  durable: DurableWrites,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BlocksContext> => ({
  before: function blocksDurableWritesBefore(request) {
    request.context.durableWrites = durable
  },
})

export const createBlocksHandler = (
  config: BlocksConfig,
  options: BlocksHandlerOptions = {},
): BlocksLambdaHandler => {
  const pipeline = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BlocksContext>()
    .use(
      httpCors({
        origins: [...config.corsOrigins],
        headers: 'Content-Type, token, If-Match, If-None-Match',
        methods: 'GET, PUT, PATCH, DELETE, OPTIONS',
        exposeHeaders: 'ETag',
        maxAge: 600,
        disableBeforePreflightResponse: false,
      }),
    )
    .use(jsonResponse(options.logger === undefined ? {} : { logger: options.logger }))
    .use(httpHeaderNormalizer())
    .use(
      redisPool({
        ...config.redis,
        awaitConnection: false,
        ...(config.iamAuth === undefined ? {} : { password: elastiCacheIamAuth(config.iamAuth) }),
        ...(config.metrics === undefined ? {} : { metrics: emfMetrics(config.metrics) }),
      }),
    )
  if (config.durableWrites !== undefined) {
    pipeline.use(durableWritesOnContext(durableWrites(config.durableWrites)))
  }
  return pipeline.handler(blocksRouter) as unknown as BlocksLambdaHandler
}
