// One pooled connection through the states a warm Lambda meets, behind a TCP gate in front of Redis: accepted but
// never answered, answered late, dropped, refused, demoted to a replica. What each invocation answers, which
// error a 503 names, what the connection does next (kept, reconnected, resent), and what is left running after.
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { Command, type Redis } from 'ioredis'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { emfMetrics } from '../src/metrics.js'
import { closeRedisPool, getRedisClient, type RedisPoolOptions, redisPool } from '../src/redis-pool.js'
import { collectLines, expectEmf } from './support/emf.js'
import { type Gate, startGate } from './support/gate.js'
import { errorLogs, lambdaWith } from './support/invoke.js'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js'

const redisPort = Number(new URL(inject('redisUrl')).port)
let gate: Gate | undefined
let replica: RedisProcess | undefined
let proxy: TcpProxy | undefined

afterEach(async () => {
  await closeRedisPool()
  await gate?.close()
  await proxy?.close()
  await replica?.stop()
  gate = undefined
  proxy = undefined
  replica = undefined
  errorLogs.length = 0
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The logged 503's cause chain, outermost first, as `name: message`. */
const causes = (): string[] => {
  const chain: string[] = []
  let cause = (errorLogs.at(-1)?.error as { cause?: unknown } | undefined)?.cause
  while (typeof cause === 'object' && cause !== null) {
    const { name, message } = cause as { name?: unknown; message?: unknown }
    chain.push(`${String(name)}: ${String(message)}`)
    cause = (cause as { cause?: unknown }).cause
  }
  return chain
}

/** Timers this process has running (the pool's deadlines, ioredis's own). */
const runningTimers = (): number =>
  process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length

/** A blocks-style Lambda on `options` whose handler GETs a key, and the pooled client it uses. */
const pooled = (options: RedisPoolOptions<'redis'> & { cluster?: false }) => {
  let handlerRuns = 0
  const invoke = lambdaWith(redisPool(options), async (_event, context) => {
    handlerRuns += 1
    return { value: await context.redis.get('lifecycle:missing') }
  })
  return { invoke, client: (): Redis => getRedisClient(options), runs: () => handlerRuns }
}

describe('a pooled connection', () => {
  // First in this file: the tests below leave ioredis's own timers behind for a while (a socket it half-closed).
  it('leaves no timer running once an invocation and closeRedisPool are done', async () => {
    // Whatever the test runner itself had running at the start has settled by now.
    await sleep(100)
    const before = runningTimers()
    const { invoke } = pooled({ host: '127.0.0.1', port: redisPort, disablePrefetch: true })
    // Cold (waits for the connection), then warm.
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    expect(runningTimers()).toBeLessThanOrEqual(before)
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    expect(runningTimers()).toBeLessThanOrEqual(before)
    await closeRedisPool()
    expect(runningTimers()).toBeLessThanOrEqual(before)
  })

  it('accepted but never answered: 503 within the budget, no stale cause, no listener left; kept for later', async () => {
    gate = await startGate(redisPort)
    gate.hold()
    const options = { host: '127.0.0.1', port: gate.port, connectTimeout: 300 }
    const { invoke, client } = pooled(options)
    const listeners = () => [client().listenerCount('ready'), client().listenerCount('end')]
    // Counted once ioredis has the socket (it listens for 'ready' itself from then on).
    await vi.waitFor(() => expect(gate?.accepted).toBe(1))
    await sleep(50)
    const before = listeners()
    const down = await invoke()
    expect(down.statusCode).toBe(503)
    expect(down.ms).toBeLessThan(2000)
    // Nothing failed: the connection only never became ready, so there is no cause behind the timeout.
    expect(causes()).toEqual(['RedisNotReadyError: Redis connection not ready within 300 ms'])
    expect(listeners()).toEqual(before)
    // The server answers after all: the same connection serves the next invocation.
    gate.open()
    await vi.waitFor(() => expect(client().status).toBe('ready'))
    expect(await invoke()).toMatchObject({ statusCode: 200, body: { value: null } })
    expect(gate.accepted).toBe(1)
  })

  it('a budget shorter than connectTimeout: the 503 names the time it really waited, not connectTimeout', async () => {
    gate = await startGate(redisPort)
    gate.hold()
    const { invoke } = pooled({ host: '127.0.0.1', port: gate.port, connectTimeout: 3000 })
    // 400 ms left, minus the 50 ms margin.
    const down = await invoke(400)
    expect(down.statusCode).toBe(503)
    expect(down.ms).toBeLessThan(1500)
    const [cause] = causes()
    const waited = Number(
      /^RedisNotReadyError: Redis connection not ready within (\d+) ms$/.exec(cause ?? '')?.[1],
    )
    expect(waited).toBeGreaterThan(300)
    expect(waited).toBeLessThanOrEqual(350)
  })

  it('a command timed out while the connection was still connecting: 503, and that connection is kept', async () => {
    gate = await startGate(redisPort)
    gate.hold()
    // The connection's ready check goes out at init with the whole budget of 2 s; the invocation's GET gets what
    // is left of its 0.3 s.
    const options = { host: '127.0.0.1', port: gate.port, commandTimeout: 2000, awaitConnection: false }
    const { invoke, client } = pooled(options)
    await vi.waitFor(() => expect(gate?.accepted).toBe(1))
    await sleep(50)
    expect(await invoke(300)).toMatchObject({ statusCode: 503 })
    expect(causes()).toEqual(['Error: Command timed out'])
    // Dropping a socket is for a ready one that may be half-open; a connecting one is still on its way.
    gate.open()
    await vi.waitFor(() => expect(client().status).toBe('ready'))
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    expect(gate.accepted).toBe(1)
  })

  it('closing the pool while an invocation waits for it: 503 (connection closed), the handler never runs', async () => {
    gate = await startGate(redisPort)
    gate.hold()
    const { invoke, runs } = pooled({ host: '127.0.0.1', port: gate.port, connectTimeout: 3000 })
    const pending = invoke()
    await vi.waitFor(() => expect(gate?.accepted).toBe(1))
    await closeRedisPool()
    const answer = await pending
    expect(answer.statusCode).toBe(503)
    expect(answer.ms).toBeLessThan(2000)
    expect(causes()).toEqual(['Error: Connection is closed.'])
    expect(runs()).toBe(0)
  })

  it('a 503 names only what failed since the connection was last ready', async () => {
    gate = await startGate(redisPort)
    const port = gate.port
    await gate.close()
    const options = {
      host: '127.0.0.1',
      port,
      connectTimeout: 300,
      redisOptions: { retryStrategy: () => 50 },
    }
    const { invoke, client } = pooled(options)
    expect(await invoke()).toMatchObject({ statusCode: 503 })
    expect(causes().join('\n')).toContain('ECONNREFUSED')
    await gate.listen()
    await vi.waitFor(() => expect(client().status).toBe('ready'))
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    // Dropped by the server (no error on the client's side), then accepted but never answered.
    gate.hold()
    gate.dropAll()
    await vi.waitFor(() => expect(gate?.accepted).toBe(2))
    expect(await invoke()).toMatchObject({ statusCode: 503 })
    expect(causes()).toEqual(['RedisNotReadyError: Redis connection not ready within 300 ms'])
  })

  it("waits out the retry strategy's delay of a reconnecting client instead of reconnecting at once", async () => {
    gate = await startGate(redisPort)
    // An escape-hatch strategy: every warm container reconnecting at once after an outage would hammer the server.
    const options = { host: '127.0.0.1', port: gate.port, redisOptions: { retryStrategy: () => 3000 } }
    const { invoke, client } = pooled(options)
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    gate.dropAll()
    await vi.waitFor(() => expect(client().status).toBe('reconnecting'))
    expect(await invoke(400)).toMatchObject({ statusCode: 503 })
    expect(gate.accepted).toBe(1)
  })

  it('resends a write refused by a demoted primary (READONLY) on the reconnected connection', async () => {
    // A replica of nothing: it serves reads and refuses writes with READONLY, like an old primary after failover.
    replica = await startRedis({ args: ['--replicaof', '127.0.0.1', '1'] })
    proxy = await startTcpProxy(replica.port)
    const key = `lifecycle:readonly:${process.pid}`
    const invoke = lambdaWith(redisPool({ host: '127.0.0.1', port: proxy.port }), async (event, context) => {
      if ((event as { write?: boolean }).write) await context.redis.set(key, 'written', 'EX', 60)
      return { value: await context.redis.get(key) }
    })
    expect(await invoke()).toMatchObject({ statusCode: 200, body: { value: null } })
    // The endpoint's name now leads to the new primary; the open connection still goes to the old one.
    proxy.retarget(redisPort)
    expect(await invoke(6000, { write: true })).toMatchObject({ statusCode: 200, body: { value: 'written' } })
    expect(proxy.upstreams).toEqual([replica.port, redisPort])
  })
})

describe('a Cluster client', () => {
  it('without awaitConnection: a command waiting for the cluster to answer is on its budget, a 503 in time', async () => {
    // The configuration endpoint accepts the connection but never answers: the cluster's slots stay unknown and
    // the handler's command waits in the Cluster's own offline queue (no node connection exists yet).
    gate = await startGate(redisPort)
    gate.hold()
    const invoke = lambdaWith(
      redisPool({
        host: '127.0.0.1',
        port: gate.port,
        cluster: true,
        awaitConnection: false,
        commandTimeout: 300,
      }),
      async (_event, context) => context.redis.get('{lifecycle}:missing'),
    )
    const answer = await invoke(2000)
    expect(answer.statusCode).toBe(503)
    expect(answer.ms).toBeLessThan(1000)
    expect(causes()).toEqual(['Error: Command timed out'])
  })
})

describe('error replies', () => {
  it("an error reply other than READONLY is the command's own: the connection stays as it is", async () => {
    const key = `lifecycle:wrongtype:${process.pid}`
    const invoke = lambdaWith(redisPool({ host: '127.0.0.1', port: redisPort }), async (_event, context) => {
      const id = await context.redis.client('ID')
      await context.redis.set(key, 'a string', 'EX', 60)
      // WRONGTYPE: a list command on a string.
      const reply = await context.redis.lpush(key, 'x').catch((error: Error) => error.message)
      return { id, reply, after: await context.redis.client('ID') }
    })
    const answer = await invoke()
    expect(answer).toMatchObject({ statusCode: 200, body: { reply: expect.stringMatching(/^WRONGTYPE/) } })
    const { id, after } = answer.body as { id: number; after: number }
    expect(after).toBe(id)
  })
})

describe('pool metrics of a connection', () => {
  it('counts a dropped connection reconnected by the client itself in RedisReconnects', async () => {
    gate = await startGate(redisPort)
    const { lines, write } = collectLines()
    const options = {
      host: '127.0.0.1',
      port: gate.port,
      metrics: emfMetrics({ namespace: 'Cubewalk', write }),
    }
    const { invoke, client } = pooled(options)
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    gate.dropAll()
    await vi.waitFor(() => expect(gate?.accepted).toBe(2))
    await vi.waitFor(() => expect(client().status).toBe('ready'))
    lines.length = 0
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    expect(expectEmf(lines[0] as string)).toMatchObject({ RedisReconnects: 1 })
  })

  it('records the latency of a command that waited for the connection once, from its first send', async () => {
    gate = await startGate(redisPort)
    /** The latencies a cold invocation records whose handler sends `gets` GETs while the server holds them. */
    const coldLatencies = async (gets: number): Promise<number[]> => {
      gate?.hold()
      const { lines, write } = collectLines()
      const options = {
        host: '127.0.0.1',
        port: gate?.port,
        awaitConnection: false,
        metrics: emfMetrics({ namespace: 'Cubewalk', write }),
      }
      const invoke = lambdaWith(redisPool(options), async (_event, context) => ({
        values: await Promise.all(Array.from({ length: gets }, () => context.redis.get('lifecycle:missing'))),
      }))
      setTimeout(() => gate?.open(), 150)
      expect(await invoke()).toMatchObject({ statusCode: 200 })
      await closeRedisPool()
      return expectEmf(lines[0] as string).RedisCommandLatency as number[]
    }
    const one = await coldLatencies(1)
    const three = await coldLatencies(3)
    // Besides the connection's own handshake commands, one latency per GET, each counted from its first send.
    expect(three.length - one.length).toBe(2)
    const waited = (latencies: number[]) => latencies.filter((ms) => ms >= 100).length
    expect(waited(three) - waited(one)).toBe(2)
  })
})

describe('command budgets', () => {
  it("keeps a command's own timeout (armed by the caller) instead of the pool's budget", async () => {
    const client = getRedisClient({ host: '127.0.0.1', port: redisPort, commandTimeout: 100 })
    await client.ping()
    // BLPOP on an empty list answers null after 0.3 s: longer than the pool's budget, within the command's own.
    const blpop = new Command('blpop', [`lifecycle:own-timeout:${process.pid}`, '0.3'], {
      replyEncoding: 'utf8',
    })
    blpop.setTimeout(2000)
    client.sendCommand(blpop)
    await expect(blpop.promise).resolves.toBeNull()
    await expect(client.blpop(`lifecycle:own-timeout:${process.pid}`, 0.3)).rejects.toThrow(
      'Command timed out',
    )
  })

  it("gives a command sent after the invocation's deadline its whole budget, not the past deadline", async () => {
    const { invoke, client } = pooled({ host: '127.0.0.1', port: redisPort, commandTimeout: 1000 })
    expect(await invoke(1200)).toMatchObject({ statusCode: 200 })
    await sleep(1250)
    // Work outside an invocation, e.g. a write finished after the response: 0.2 to 0.3 s (the server checks
    // blocking timeouts 10 times a second), within its budget of 1 s.
    await expect(client().blpop(`lifecycle:after-deadline:${process.pid}`, 0.2)).resolves.toBeNull()
  })

  it("bounds a command sent after the deadline by the invocation's budget when that is shorter than commandTimeout", async () => {
    const { invoke, client } = pooled({ host: '127.0.0.1', port: redisPort, commandTimeout: 3000 })
    // A budget of 350 ms: 400 ms left, minus the 50 ms margin.
    expect(await invoke(400)).toMatchObject({ statusCode: 200 })
    await sleep(450)
    const started = performance.now()
    // The server would answer after 2 s; the budget ends it first.
    await expect(client().blpop(`lifecycle:after-short-deadline:${process.pid}`, 2)).rejects.toThrow(
      'Command timed out',
    )
    expect(performance.now() - started).toBeGreaterThanOrEqual(300)
    expect(performance.now() - started).toBeLessThan(1500)
  })
})
