import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import type { Cluster, Redis } from 'ioredis'
import { MetricsRecorder } from './metrics/recorder.js'
import {
  isRedisTimeoutError,
  redisUnavailableCause,
  ServiceUnavailableError,
  serviceUnavailable,
} from './redis-pool/errors.js'
import { type RedisPoolOptions, resolveRedisPoolConfig } from './redis-pool/options.js'
import { closeAllEntries, lookupEntry, obtainEntry, type PoolEntry } from './redis-pool/pool.js'

export {
  type PowertoolsCacheClient,
  type PowertoolsCacheSetOptions,
  type PowertoolsCacheValue,
  powertoolsCacheClient,
} from './powertools-cache-client.js'
export { isRedisUnavailableError, ServiceUnavailableError } from './redis-pool/errors.js'
export {
  type RedisPasswordProvider,
  RedisPoolConfigError,
  type RedisPoolNode,
  type RedisPoolOptions,
  redisPoolDefaults,
} from './redis-pool/options.js'
export { RedisNotReadyError, type RedisPoolClient } from './redis-pool/pool.js'

/**
 * What the middleware adds to the Lambda context: the client under `TKey` (default `redis`).
 * `Context & RedisPoolContext` types `context.redis` as `Redis`; `RedisPoolContext<'redis', Cluster>` in
 * cluster mode.
 */
export type RedisPoolContext<TKey extends string = 'redis', TClient extends Redis | Cluster = Redis> = {
  [K in TKey]: TClient
}

/** The middleware's type: middy's `.use()` merges its context into the handler's. */
export type RedisPoolMiddleware<
  TKey extends string = 'redis',
  TClient extends Redis | Cluster = Redis,
> = MiddlewareObj<unknown, unknown, unknown, Context & RedisPoolContext<TKey, TClient>>

type PoolRequest = Request<unknown, unknown, unknown, Context>

// Context is a plain object per invocation; the key is only known at runtime.
type WritableContext = Record<string, unknown>

/**
 * Middy middleware: one ioredis client (or Cluster) per endpoint per process, on `context[contextKey]`.
 *
 * The client is created on first use (or at init, unless `disablePrefetch`), reused by every later invocation and
 * replaced only once it has ended; it is never closed at the end of an invocation. Connect and command timeouts
 * are capped by the invocation's remaining time. Connection failures, in `before` or in the handler's commands
 * (also when another library wrapped them, as their `cause`), become a 503 {@link ServiceUnavailableError} (cause:
 * the thrown error); other errors pass through.
 */
export function redisPool<const TKey extends string = 'redis'>(
  options: RedisPoolOptions<TKey> & { cluster: true },
): RedisPoolMiddleware<TKey, Cluster>
export function redisPool<const TKey extends string = 'redis'>(
  options: RedisPoolOptions<TKey> & { cluster?: false },
): RedisPoolMiddleware<TKey, Redis>
export function redisPool<const TKey extends string = 'redis'>(
  options: RedisPoolOptions<TKey>,
): RedisPoolMiddleware<TKey, Redis | Cluster>
export function redisPool(options: RedisPoolOptions<string>): RedisPoolMiddleware<string, Redis | Cluster> {
  const config = resolveRedisPoolConfig(options)
  // Everything the hot path needs, computed once per middleware instance.
  const { key, contextKey, commandTimeout, connectTimeout, timeoutMargin, awaitConnection } = config

  const recorder = config.metrics === undefined ? undefined : new MetricsRecorder(config.metrics)
  /**
   * The entry for this invocation (or the prefetch). Its commands and reconnects are recorded into this
   * middleware's metrics, or into none: never into another middleware's that shares the connection.
   */
  const entryFor = (): PoolEntry => {
    const entry = obtainEntry(config)
    entry.metrics = recorder
    return entry
  }

  if (!config.disablePrefetch) entryFor()

  /** The time this invocation can still spend on Redis; unbounded without a Lambda context. */
  const budgetOf = (context: Context): number =>
    typeof context.getRemainingTimeInMillis === 'function'
      ? context.getRemainingTimeInMillis() - timeoutMargin
      : Number.POSITIVE_INFINITY

  // Budgets count time the process had (a loaded or starved event loop does not use them up), but never run
  // past the invocation's own deadline: `performance.now() + budget`, the wall-clock cap. A command sent after
  // that deadline (work finished after the response) still has no more than the invocation's budget.
  const applyBudget = (entry: PoolEntry, budget: number): void => {
    entry.setTimeouts(
      withinBudget(commandTimeout, budget),
      withinBudget(connectTimeout, budget),
      performance.now() + Math.max(1, budget),
    )
  }

  const redisPoolConnect = async (request: PoolRequest): Promise<void> => {
    const budget = budgetOf(request.context)
    const entry = entryFor()
    applyBudget(entry, budget)
    try {
      // The budget, not connectTimeout, when it is shorter: the error then names the time it really waited.
      await entry.ready(withinBudget(connectTimeout, budget))
    } catch (cause) {
      throw serviceUnavailable(cause)
    }
    ;(request.context as unknown as WritableContext)[contextKey] = entry.client
  }

  const redisPoolBefore = (request: PoolRequest): Promise<void> | undefined => {
    let entry = lookupEntry(key)
    // Warm path: a map lookup, a status check and two number compares; no await, no allocation.
    if (entry === undefined || entry.client.status !== 'ready') {
      if (awaitConnection) return redisPoolConnect(request)
      // The handler's first command waits for the connection in ioredis's offline queue instead.
      entry = entryFor()
    } else {
      entry.metrics = recorder
    }
    applyBudget(entry, budgetOf(request.context))
    ;(request.context as unknown as WritableContext)[contextKey] = entry.client
    return undefined
  }

  const redisPoolOnError = (request: PoolRequest): void => {
    // Another middleware already answered, or it's not a Redis availability problem: not ours to touch.
    if (request.response !== undefined) return
    const unavailable = redisUnavailableCause(request.error)
    if (unavailable === undefined) return
    if (isRedisTimeoutError(unavailable)) lookupEntry(key)?.recycle()
    request.error = serviceUnavailable(request.error)
  }

  if (recorder === undefined) return { before: redisPoolBefore, onError: redisPoolOnError }

  // One EMF line per invocation that recorded something, whichever way it ends.
  const redisPoolMetricsAfter = (): void => recorder.flush()
  const redisPoolMetricsOnError = (request: PoolRequest): void => {
    redisPoolOnError(request)
    // Ours, or durableWrites' (a write the replicas did not confirm), both a 503 for want of Redis.
    if (request.response === undefined && request.error instanceof ServiceUnavailableError) {
      recorder.count('RedisUnavailable')
    }
    recorder.flush()
  }
  return { before: redisPoolBefore, after: redisPoolMetricsAfter, onError: redisPoolMetricsOnError }
}

/** `ms`, or what is left of the invocation's `budget` when that is shorter (at least 1 ms). */
function withinBudget(ms: number, budget: number): number {
  return Math.min(ms, Math.max(1, Math.floor(budget)))
}

/**
 * The pooled client for these options without middy: the live registered one, or a new one (which connects in the
 * background; commands queue until it is ready). Shares the registry with {@link redisPool}.
 */
export function getRedisClient(options: RedisPoolOptions<string> & { cluster: true }): Cluster
export function getRedisClient(options: RedisPoolOptions<string> & { cluster?: false }): Redis
export function getRedisClient(options: RedisPoolOptions<string>): Redis | Cluster
export function getRedisClient(options: RedisPoolOptions<string>): Redis | Cluster {
  return obtainEntry(resolveRedisPoolConfig(options)).client
}

/** Closes every pooled client (QUIT, bounded) and empties the registry: for tests and graceful shutdown. */
export function closeRedisPool(): Promise<void> {
  return closeAllEntries()
}
