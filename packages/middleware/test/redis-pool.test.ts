// The pool's contract on a healthy server: one client per endpoint per process, reused by every invocation, typed on
// the context, never closed by an invocation; failures of Redis map to 503 and nothing else does.
import { connectedClients, type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import createError from 'http-errors'
import type { Cluster, Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest'
import {
  closeRedisPool,
  getRedisClient,
  isRedisUnavailableError,
  RedisPoolConfigError,
  type RedisPoolContext,
  redisPool,
  redisPoolDefaults,
  ServiceUnavailableError,
} from '../src/redis-pool.js'
import { lambdaWith } from './support/invoke.js'
import { lambdaContext } from './support/lambda-context.js'

let first: RedisProcess
let second: RedisProcess

beforeAll(async () => {
  ;[first, second] = await Promise.all([startRedis(), startRedis()])
})

afterEach(async () => {
  await closeRedisPool()
})

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()])
})

/** Server-side client count once the pool's connections have settled (the count excludes redis-cli itself). */
const clientsOn = async (server: RedisProcess, expected: number): Promise<void> => {
  await vi.waitFor(async () => expect(await connectedClients(server)).toBe(expected), { timeout: 3000 })
}

describe('redisPool: one client per endpoint per process', () => {
  it('1,000 invocations share one client object and one server connection', async () => {
    const seen = new Set<Redis>()
    const invoke = lambdaWith(redisPool({ url: first.url }), async (_event, context) => {
      seen.add(context.redis)
      return { n: await context.redis.incr('t1:counter') }
    })
    for (let i = 1; i <= 1000; i++) {
      const { statusCode, body } = await invoke()
      expect(statusCode).toBe(200)
      expect(body).toEqual({ n: i })
    }
    expect(seen.size).toBe(1)
    const [client] = seen
    // Never closed at the end of an invocation.
    expect(client?.status).toBe('ready')
    await clientsOn(first, 1)
    const list = await first.cli('CLIENT', 'LIST')
    expect(list.split('\n').filter((line) => !line.includes('cmd=client')).length).toBe(1)
  })

  it('two endpoints get two clients; equal spellings of one endpoint share one', async () => {
    const clients: Redis[] = []
    const record = async (_event: unknown, context: Context & RedisPoolContext): Promise<string> => {
      clients.push(context.redis)
      return context.redis.ping()
    }
    const a = lambdaWith(redisPool({ url: first.url }), record)
    const b = lambdaWith(redisPool({ url: second.url }), record)
    const aAgain = lambdaWith(redisPool({ host: '127.0.0.1', port: first.port, db: 0 }), record)
    for (let i = 0; i < 5; i++) {
      expect((await a()).statusCode).toBe(200)
      expect((await b()).statusCode).toBe(200)
      expect((await aAgain()).statusCode).toBe(200)
    }
    expect(new Set(clients).size).toBe(2)
    expect(clients[0]).toBe(clients[2])
    expect(clients[0]).not.toBe(clients[1])
    await clientsOn(first, 1)
    await clientsOn(second, 1)
  })

  it('another database on the same server is another endpoint', async () => {
    const zero = getRedisClient({ url: `${first.url}/0` })
    const three = getRedisClient({ url: `${first.url}/3` })
    expect(zero).not.toBe(three)
    await three.set('t3:where', 'db3')
    expect(await zero.get('t3:where')).toBeNull()
    expect(await first.cli('-n', '3', 'GET', 't3:where')).toBe('db3')
  })

  it('getRedisClient hands out the client the middleware puts on the context', async () => {
    let fromContext: Redis | undefined
    const invoke = lambdaWith(redisPool({ url: first.url }), async (_event, context) => {
      fromContext = context.redis
      return null
    })
    await invoke()
    expect(getRedisClient({ url: first.url })).toBe(fromContext)
  })

  it('connects at init (prefetch) unless disablePrefetch, and before the first invocation either way', async () => {
    redisPool({ url: first.url })
    await clientsOn(first, 1)
    await closeRedisPool()
    await clientsOn(first, 0)

    const lazy = redisPool({ url: first.url, disablePrefetch: true })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await connectedClients(first)).toBe(0)
    const invoke = lambdaWith(lazy, async (_event, context) => context.redis.status)
    // `before` waits for the connection, so the handler never sees a client that is still connecting.
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'ready' })
  })

  it('closeRedisPool closes every client; the next invocation opens a new one', async () => {
    const clients: Redis[] = []
    const invoke = lambdaWith(redisPool({ url: first.url }), async (_event, context) => {
      clients.push(context.redis)
      return context.redis.ping()
    })
    await invoke()
    await clientsOn(first, 1)
    await closeRedisPool()
    expect(clients[0]?.status).toBe('end')
    await clientsOn(first, 0)
    expect((await invoke()).statusCode).toBe(200)
    expect(clients[1]).not.toBe(clients[0])
    await clientsOn(first, 1)
  })
})

describe('redisPool: typing', () => {
  it('types context.redis as Redis, a custom key, and Cluster in cluster mode, without casts', async () => {
    const standalone = middy()
      .use(redisPool({ url: first.url }))
      .handler(async (_event, context) => {
        expectTypeOf(context.redis).toEqualTypeOf<Redis>()
        expectTypeOf(context.awsRequestId).toEqualTypeOf<string>()
        return context.redis.ping()
      })
    const custom = middy()
      .use(redisPool({ url: first.url, contextKey: 'cache' }))
      .handler(async (_event, context) => {
        expectTypeOf(context.cache).toEqualTypeOf<Redis>()
        return context.cache.ping()
      })
    // Typed only (never invoked, never connected): cluster mode puts a Cluster on the context.
    middy()
      .use(redisPool({ url: first.url, cluster: true, disablePrefetch: true }))
      .handler(async (_event, context) => {
        expectTypeOf(context.redis).toEqualTypeOf<Cluster>()
        return context.redis.ping()
      })
    // The explicit form: middy's context generic with the pool's context type.
    const explicit = middy<unknown, unknown, Error, Context & RedisPoolContext>(
      async (_event: unknown, context: Context & RedisPoolContext) => context.redis.ping(),
    ).use(redisPool({ url: first.url }))

    // middy types the wrapped function's context as the full one (the pool fills it in at run time), so a test
    // calling it directly, unlike the Lambda runtime, has to say so.
    const runtimeContext = <T>() => lambdaContext() as T
    expect(await standalone({}, runtimeContext())).toBe('PONG')
    expect(await custom({}, runtimeContext())).toBe('PONG')
    expect(await explicit({}, runtimeContext())).toBe('PONG')
  })
})

describe('redisPool: timeouts follow the invocation', () => {
  // BLPOP on an empty list with no server timeout: a healthy server that does not answer, so the command ends
  // exactly when the pool's budget does.
  const blockForever = (redis: Redis, key: string): Promise<unknown> => redis.blpop(key, 0)

  it('caps the command and connect budgets by the remaining time minus the margin, per invocation', async () => {
    const connectTimeouts: Array<number | undefined> = []
    const invoke = lambdaWith(redisPool({ url: first.url }), async (_event, context) => {
      connectTimeouts.push(context.redis.options.connectTimeout)
      return blockForever(context.redis, 't5:empty')
    })
    const unavailable = { statusCode: 503, body: { message: 'Service Unavailable' } }
    const long = await invoke(10_000)
    const short = await invoke(300)
    const again = await invoke(10_000)
    for (const result of [long, short, again]) expect(result).toMatchObject(unavailable)
    expect(long.ms).toBeGreaterThanOrEqual(redisPoolDefaults.commandTimeout)
    expect(long.ms).toBeLessThan(1000)
    expect(short.ms).toBeLessThan(300 - 10)
    expect(again.ms).toBeGreaterThanOrEqual(redisPoolDefaults.commandTimeout)
    expect(connectTimeouts[0]).toBe(redisPoolDefaults.connectTimeout)
    expect(connectTimeouts[1]).toBeLessThanOrEqual(300 - redisPoolDefaults.timeoutMargin)
    expect(connectTimeouts[1]).toBeGreaterThan(200)
    expect(connectTimeouts[2]).toBe(redisPoolDefaults.connectTimeout)
  })

  it('uses the configured command budget when there is no Lambda context', async () => {
    const lambda = middy()
      .use(redisPool({ url: first.url, commandTimeout: 750 }))
      .handler(async (_event, context) => {
        const started = performance.now()
        const error = await blockForever(context.redis, 't6:empty').catch((caught: unknown) => caught)
        return { error: (error as Error).message, ms: performance.now() - started }
      })
    const { error, ms } = await lambda({}, {} as Context & RedisPoolContext)
    expect(error).toBe('Command timed out')
    expect(ms).toBeGreaterThanOrEqual(750)
    expect(ms).toBeLessThan(1250)
  })

  it('takes the command budget from the ioredis escape hatch too, still capped per invocation', async () => {
    const invoke = lambdaWith(
      redisPool({ url: first.url, redisOptions: { commandTimeout: 900, connectionName: 'cubewalk-t7' } }),
      async (_event, context) => {
        if ((await context.redis.client('GETNAME')) !== 'cubewalk-t7') throw new Error('escape hatch ignored')
        return blockForever(context.redis, 't7:empty')
      },
    )
    const long = await invoke(10_000)
    const short = await invoke(400)
    expect(long).toMatchObject({ statusCode: 503 })
    expect(long.ms).toBeGreaterThanOrEqual(900)
    expect(long.ms).toBeLessThan(1400)
    expect(short).toMatchObject({ statusCode: 503 })
    expect(short.ms).toBeLessThan(400 - 10)
    // The pool's own timer is the only one: ioredis is not handed a wall-clock commandTimeout.
    expect(getRedisClient({ url: first.url }).options.commandTimeout).toBeUndefined()
  })
})

describe('redisPool: which errors become 503', () => {
  it('passes application errors through: WRONGTYPE stays a 500, a handler 404 stays a 404', async () => {
    const wrongType = lambdaWith(redisPool({ url: first.url }), async (_event, context) => {
      await context.redis.set('t8:string', 'x')
      return context.redis.lpush('t8:string', 'y')
    })
    expect(await wrongType()).toMatchObject({ statusCode: 500, body: { message: 'Internal Server Error' } })

    const notFound = lambdaWith(redisPool({ url: first.url }), async () => {
      throw new createError.NotFound('chunk not found')
    })
    expect(await notFound()).toMatchObject({ statusCode: 404, body: { message: 'chunk not found' } })
  })

  it('turns a connection failure inside the handler into 503 with the original error as cause', async () => {
    let cause: unknown
    const lambda = middy()
      .use({
        onError: (request) => {
          cause = request.error
        },
      })
      .use(redisPool({ url: first.url }))
      .handler(async (_event, context) => {
        context.redis.disconnect()
        return context.redis.get('t9:any')
      })
    await expect(lambda({}, lambdaContext())).rejects.toMatchObject({
      status: 503,
      message: 'Service Unavailable',
      expose: false,
    })
    expect(cause).toMatchObject({ status: 503, cause: { message: 'Connection is closed.' } })
    // http-errors-aware code (middy's http-error-handler, Express-style handlers) sees an HTTP error.
    expect(createError.isHttpError(cause)).toBe(true)
    expect(cause).toBeInstanceOf(ServiceUnavailableError)
  })

  it.each([
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    ],
    ['command timeout', new Error('Command timed out')],
    ['closed connection', new Error('Connection is closed.')],
    [
      'retries exhausted',
      Object.assign(new Error('Reached the max retries per request limit'), {
        name: 'MaxRetriesPerRequestError',
      }),
    ],
    ['cluster down', Object.assign(new Error('CLUSTERDOWN The cluster is down'), { name: 'ReplyError' })],
    [
      'failover',
      Object.assign(new Error("READONLY You can't write against a read only replica."), {
        name: 'ReplyError',
      }),
    ],
    [
      'loading',
      Object.assign(new Error('LOADING Redis is loading the dataset in memory'), { name: 'ReplyError' }),
    ],
    [
      'bad credentials',
      Object.assign(new Error('WRONGPASS invalid username-password pair'), { name: 'ReplyError' }),
    ],
    ['TLS', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })],
  ])('classifies %s as unavailable', (_name, error) => {
    expect(isRedisUnavailableError(error)).toBe(true)
  })

  it.each([
    [
      'WRONGTYPE',
      Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), {
        name: 'ReplyError',
      }),
    ],
    [
      'script error',
      Object.assign(new Error('ERR user_script:1: Script attempted to access nonexistent global'), {
        name: 'ReplyError',
      }),
    ],
    ['an HTTP 503 already', new createError.ServiceUnavailable()],
    ['an HTTP 400', new createError.BadRequest('bad chunk')],
    ['a plain Error', new Error('boom')],
    ['a non-error', 'Connection is closed.'],
  ])('leaves %s alone', (_name, error) => {
    expect(isRedisUnavailableError(error)).toBe(false)
  })
})

describe('redisPool: options', () => {
  it.each([
    ['no url nor host', {}],
    ['an http url', { url: 'http://127.0.0.1:6379' }],
    ['a database in cluster mode', { url: 'redis://127.0.0.1:7000/2', cluster: true }],
    ['nodes without cluster mode', { url: 'redis://a:1', nodes: [{ host: 'b', port: 2 }] }],
    ['tls: false with rediss://', { url: 'rediss://cache.example:6379', tls: false }],
    ['a username without a password', { host: 'cache.example', username: 'app' }],
    ['a zero command timeout', { host: 'cache.example', commandTimeout: 0 }],
    ['a port out of range', { host: 'cache.example', port: 70000 }],
  ])('rejects %s at setup time', (_name, options) => {
    expect(() => redisPool({ disablePrefetch: true, ...options })).toThrow(RedisPoolConfigError)
  })

  it('reads credentials, database and TLS from the URL; explicit options win', async () => {
    await first.cli('ACL', 'SETUSER', 't11-user', 'on', '>t11-pass-not-secret', '~t11:*', '+@all')
    const invoke = lambdaWith(
      redisPool({ url: `redis://t11-user:t11-pass-not-secret@127.0.0.1:${first.port}/5` }),
      async (_event, context) => {
        await context.redis.set('t11:key', 'v')
        return context.redis.call('ACL', 'WHOAMI')
      },
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 't11-user' })
    expect(await first.cli('-n', '5', 'GET', 't11:key')).toBe('v')
    // The url names db 5, the option says 6: the option wins.
    const client = getRedisClient({ url: `redis://127.0.0.1:${first.port}/5`, db: 6 })
    await client.set('t11:key', 'six')
    expect(await first.cli('-n', '6', 'GET', 't11:key')).toBe('six')
    await first.cli('ACL', 'DELUSER', 't11-user')
  })
})
