// A healthy Redis behind a busy process (issue 12, defect 5). Under a burst, or on a cold start with a small share
// of a CPU, the event loop can be blocked for longer than the command budget while the reply already waits in the
// socket. Node runs expired timers before it polls sockets, so a plain wall-clock timer declares that command
// timed out: a 503 from a healthy Redis. The pool must count only time the process had, look at the socket once
// more before giving up, and still answer a dead Redis with a bounded 503 (redis-pool.failure.test.ts).
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { closeRedisPool, getRedisClient, redisPool } from '../src/redis-pool.js'
import { errorLogs, lambdaWith } from './support/invoke.js'
import { trackUnhandledRejections } from './support/unhandled-rejections.js'

const adminPassword = 'busy-loop-pass-not-secret'
let server: RedisProcess

beforeAll(async () => {
  server = await startRedis({ args: ['--requirepass', adminPassword] })
})

afterEach(async () => {
  await closeRedisPool()
})

afterAll(async () => {
  await server?.stop()
})

/** Synchronous work that keeps the event loop from running anything: what a starved or busy process looks like. */
const blockEventLoop = (ms: number): void => {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // Spin: no timer, no socket is serviced meanwhile.
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const unavailable = { statusCode: 503, body: { message: 'Service Unavailable' } }
/** Longer than the default command and connect budgets (500 ms), so a wall-clock timer has surely expired. */
const longBlock = 700

/** The 5xx causes logged since `from`: empty when nothing failed. */
const causesSince = (from: number): unknown[] =>
  errorLogs.slice(from).map((line) => (line.error as { message?: unknown } | undefined)?.message)

describe('redisPool: healthy Redis, busy event loop (no 503)', () => {
  it('a command in flight survives the loop being blocked past the command budget', async () => {
    const rejections = trackUnhandledRejections()
    const logged = errorLogs.length
    const invoke = lambdaWith(
      redisPool({ url: server.url, password: adminPassword }),
      async (_e, context) => {
        const reply = context.redis.incr('b1:n')
        // The command is on the wire and Redis answers within a millisecond; the loop cannot read the answer.
        blockEventLoop(longBlock)
        return { n: await reply }
      },
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: { n: 1 } })
    expect(await invoke()).toMatchObject({ statusCode: 200, body: { n: 2 } })
    expect(causesSince(logged)).toEqual([])
    await sleep(50)
    expect(rejections.stop()).toEqual([])
  })

  it('a pipeline in flight survives it too, and so does a command whose budget is the remaining time', async () => {
    let block = longBlock
    const invoke = lambdaWith(
      redisPool({ url: server.url, password: adminPassword }),
      async (_e, context) => {
        const replies = context.redis.pipeline().incr('b2:n').incr('b2:n').exec()
        blockEventLoop(block)
        return (await replies)?.map(([error, value]) => error ?? value)
      },
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: [1, 2] })
    // 400 ms left: the budget is 350 ms, and the invocation's deadline has passed when the loop comes back (but not
    // the Lambda's, 400 ms); the answers are in the socket, and the last look before giving up finds them.
    block = 370
    expect(await invoke(400)).toMatchObject({ statusCode: 200, body: [3, 4] })
  })

  it('cold start, awaitConnection: false: the queued first command survives a loop blocked while connecting', async () => {
    const logged = errorLogs.length
    const invoke = lambdaWith(
      redisPool({ url: server.url, password: adminPassword, disablePrefetch: true, awaitConnection: false }),
      async (_e, context) => {
        // Queued in the offline queue while the client connects; then the process gets no CPU for a while.
        const reply = context.redis.incr('b3:n')
        blockEventLoop(longBlock)
        return { n: await reply }
      },
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: { n: 1 } })
    expect(causesSince(logged)).toEqual([])
  })

  it('cold start: a password provider starved of CPU (IAM token signing on a small Lambda) gives no 503', async () => {
    const logged = errorLogs.length
    let calls = 0
    const invoke = lambdaWith(
      redisPool({
        url: server.url,
        disablePrefetch: true,
        password: async () => {
          calls += 1
          // Fetch credentials (I/O), then sign for longer than the connect budget without yielding.
          await sleep(5)
          blockEventLoop(longBlock)
          return adminPassword
        },
      }),
      async (_e, context) => context.redis.incr('b4:n'),
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 1 })
    // One connection attempt was enough: the slow signing was not taken for a dead endpoint.
    expect(calls).toBe(1)
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 2 })
    expect(causesSince(logged)).toEqual([])
  })

  it('cold start: a loop stalled while the TCP connect completes costs no second connection attempt', async () => {
    const logged = errorLogs.length
    const options = {
      url: server.url,
      password: adminPassword,
      disablePrefetch: true,
      awaitConnection: false,
    }
    // The pooled client the middleware will use, created (and connecting) now. ioredis emits 'connecting' on the
    // tick that also opens the socket; two microtasks later its connect timer is armed, and then the process gets
    // no CPU for longer than the connect budget, before the loop could see the socket connect. A wasted attempt
    // costs a new TLS handshake and token on a starved CPU; two in a row fail the queued command.
    const client = getRedisClient(options)
    let attempts = 0
    client.on('connecting', () => {
      attempts += 1
      if (attempts === 1) queueMicrotask(() => queueMicrotask(() => blockEventLoop(longBlock)))
    })
    const invoke = lambdaWith(redisPool(options), async (_e, context) => context.redis.incr('b7:n'))
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 1 })
    expect(attempts).toBe(1)
    expect(causesSince(logged)).toEqual([])
  })

  it('cold start with prefetch: a loop blocked during init while the socket connects gives no 503', async () => {
    const logged = errorLogs.length
    const options = { url: server.url, password: adminPassword }
    const invoke = lambdaWith(redisPool(options), async (_e, context) => context.redis.incr('b5:n'))
    let attempts = 0
    getRedisClient(options).on('connecting', () => {
      attempts += 1
    })
    // The middleware started connecting at creation; the rest of the module init holds the loop.
    blockEventLoop(longBlock)
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 1 })
    expect(attempts).toBe(1)
    expect(causesSince(logged)).toEqual([])
  })
})

describe('redisPool: hung Redis, busy event loop (still a bounded 503)', () => {
  it('answers 503 once the budget of time the process really had is spent, and before the deadline', async () => {
    const rejections = trackUnhandledRejections()
    const invoke = lambdaWith(
      redisPool({ url: server.url, password: adminPassword }),
      async (_e, context) => {
        const reply = context.redis.set('b6:key', 'v')
        blockEventLoop(300)
        return reply
      },
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'OK' })
    const pid = server.pid
    if (pid === undefined) throw new Error('no redis-server pid')
    process.kill(pid, 'SIGSTOP')
    try {
      const hung = await invoke()
      expect(hung).toMatchObject(unavailable)
      // The 300 ms block is not counted against the 500 ms budget, but the answer stays bounded.
      expect(hung.ms).toBeGreaterThanOrEqual(500)
      expect(hung.ms).toBeLessThan(1000 + 300)
      // With 400 ms left the Lambda deadline wins over the process-time budget: 503 before it runs out.
      const short = await invoke(400)
      expect(short).toMatchObject(unavailable)
      expect(short.ms).toBeLessThan(400 - 10)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    await sleep(100)
    expect(rejections.stop()).toEqual([])
  })
})
