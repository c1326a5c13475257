import type { DurableWrites } from '@cubewalk/middleware'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import { ChunkStore, type RedisClient } from './store.js'

/**
 * What every blocks route receives: the Lambda context with the pooled client that redisPool put there, and the
 * durable-writes setting when writes must be confirmed by replicas.
 */
export type BlocksContext = Context & { redis: RedisClient; durableWrites?: DurableWrites }

export type BlocksRoute<TResult = unknown> = (
  event: APIGatewayProxyEvent,
  context: BlocksContext,
) => Promise<TResult>

/** One ChunkStore per request is just a wrapper around the shared client; the client is what is pooled. */
export const storeOf = (context: BlocksContext): ChunkStore =>
  new ChunkStore(
    context.redis,
    context.durableWrites === undefined ? undefined : { writes: context.durableWrites, context },
  )
