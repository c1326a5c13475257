import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import { ChunkStore, type RedisClient } from './store.js'

/** What every blocks route receives: the Lambda context with the pooled client that redisPool put there. */
export type BlocksContext = Context & { redis: RedisClient }

export type BlocksRoute<TResult = unknown> = (
  event: APIGatewayProxyEvent,
  context: BlocksContext,
) => Promise<TResult>

/** One ChunkStore per request is just a wrapper around the shared client; the client is what is pooled. */
export const storeOf = (context: BlocksContext): ChunkStore => new ChunkStore(context.redis)
