// durableWrites: WAIT after a request's writes, bounded by the invocation's time, 503 when replicas don't confirm.
// Real servers: a primary with one replica (standalone) and a three-primary cluster without replicas.
import {
  type RedisCluster,
  type RedisProcess,
  startCluster,
  startRedis,
  waitForReplicaAcks,
} from '@cubewalk/redis-harness'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  DurableWritesConfigError,
  durableWrites,
  ReplicasNotConfirmedError,
  ServiceUnavailableError,
} from '../src/index.js'
import { closeRedisPool, redisPool } from '../src/redis-pool.js'
import { errorLogs, lambdaWith } from './support/invoke.js'
import { lambdaContext } from './support/lambda-context.js'

let primary: RedisProcess
let replica: RedisProcess
const clients: Array<Redis | Cluster> = []

const waitCalls = async (server: Pick<RedisProcess, 'cli'>): Promise<number> =>
  Number(/cmdstat_wait:calls=(\d+)/.exec(await server.cli('INFO', 'commandstats'))?.[1] ?? 0)

const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )

beforeAll(async () => {
  primary = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] })
  replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
  await vi.waitFor(
    async () => expect(await replica.cli('INFO', 'replication')).toMatch(/master_link_status:up/),
    { timeout: 10_000, interval: 50 },
  )
  await waitForReplicaAcks(primary)
})

afterAll(async () => {
  for (const client of clients) client.disconnect()
  await closeRedisPool()
  await Promise.all([primary?.stop(), replica?.stop()])
})

const connect = (): Redis => {
  const client = new Redis({ port: primary.port, lazyConnect: true })
  clients.push(client)
  return client
}

describe('durableWrites: options', () => {
  it.each([
    [{ replicas: 0, timeout: 100 }, /replicas must be an integer from 1 to 100, got 0/],
    [{ replicas: 1.5, timeout: 100 }, /replicas must be an integer/],
    [{ replicas: 1, timeout: 0 }, /timeout must be an integer from 1 to 60000, got 0/],
    [{ replicas: 1, timeout: Number.NaN }, /timeout must be an integer/],
    [{ replicas: 1, timeout: 100, timeoutMargin: -1 }, /timeoutMargin must be an integer from 0/],
    [{ replicas: 101, timeout: 100 }, /replicas must be an integer from 1 to 100, got 101/],
    [{ replicas: 1, timeout: 60_001 }, /timeout must be an integer from 1 to 60000, got 60001/],
    [
      { replicas: '1' as unknown as number, timeout: 100 },
      /replicas must be an integer from 1 to 100, got 1/,
    ],
  ])('refuses %o with a message naming the option', (options, message) => {
    expect(() => durableWrites(options)).toThrow(DurableWritesConfigError)
    expect(() => durableWrites(options)).toThrow(message)
  })

  it('refuses a missing options object', () => {
    expect(() => durableWrites(undefined as never)).toThrow(/options must be an object/)
    expect(() => durableWrites(null as never)).toThrow(DurableWritesConfigError)
    expect(() => durableWrites(null as never)).toThrow(/options must be an object/)
  })
})

describe('durableWrites: standalone primary with one replica', () => {
  it('resolves with the confirmed count once the replica holds the write', async () => {
    const client = connect()
    const writes = durableWrites({ replicas: 1, timeout: 1000 }).begin(client, lambdaContext(3000))
    await client.set('dw:one', 'v1')
    await expect(writes.confirm()).resolves.toBe(1)
    // Confirmed means there: the replica answers with the value right away.
    expect(await replica.cli('GET', 'dw:one')).toBe('v1')
  })

  it('throws the pool 503 after the timeout when fewer replicas confirm, saying how many did', async () => {
    const client = connect()
    const writes = durableWrites({ replicas: 2, timeout: 150 }).begin(client)
    await client.set('dw:two', 'v2')
    const started = performance.now()
    const error = await rejectionOf(writes.confirm())
    const ms = performance.now() - started
    expect(error).toBeInstanceOf(ServiceUnavailableError)
    expect(error).toMatchObject({ statusCode: 503, expose: false })
    const cause = (error as Error).cause
    expect(cause).toBeInstanceOf(ReplicasNotConfirmedError)
    expect(cause).toMatchObject({ required: 2, confirmed: 1, waitedMs: 150 })
    expect((cause as Error).message).toBe('1 of 2 replicas confirmed the writes within 150 ms')
    // The server waits the whole timeout, then answers on its next cron tick (≤ 100 ms at hz 10); loose upper
    // bound for a loaded shared machine.
    expect(ms).toBeGreaterThanOrEqual(140)
    expect(ms).toBeLessThan(1000)
    // WAIT never undoes a write: it is applied on the primary, only not confirmed.
    expect(await client.get('dw:two')).toBe('v2')
  })

  it('waits no longer than the invocation has left (minus the margin and the reply allowance)', async () => {
    const client = connect()
    await client.set('dw:three', 'v3')
    const writes = durableWrites({ replicas: 2, timeout: 10_000 }).begin(client, lambdaContext(500))
    const started = performance.now()
    const error = await rejectionOf(writes.confirm())
    const ms = performance.now() - started
    const cause = (error as Error).cause as ReplicasNotConfirmedError
    expect(cause).toBeInstanceOf(ReplicasNotConfirmedError)
    // 500 ms left − 50 ms margin − 150 ms for a late reply: WAIT gets about 300 ms, and the 503 comes in time.
    expect(cause.waitedMs).toBeGreaterThan(250)
    expect(cause.waitedMs).toBeLessThanOrEqual(300)
    expect(ms).toBeLessThan(500)
  })

  it('with no time left, answers 503 at once without sending WAIT', async () => {
    const client = connect()
    await client.set('dw:four', 'v4')
    const before = await waitCalls(primary)
    const writes = durableWrites({ replicas: 1, timeout: 100 }).begin(client, lambdaContext(190))
    const error = await rejectionOf(writes.confirm())
    expect((error as Error).cause).toMatchObject({ confirmed: 0, waitedMs: 0 })
    expect(((error as Error).cause as Error).message).toContain('no time left in the invocation')
    expect(await waitCalls(primary)).toBe(before)
  })

  it('with 1 ms left for the WAIT, still sends it', async () => {
    const client = connect()
    await client.set('dw:one-ms', 'v')
    const before = await waitCalls(primary)
    // The default margin (50 ms) and the reply allowance (150 ms) leave exactly 1 ms.
    const writes = durableWrites({ replicas: 1, timeout: 100 }).begin(client, {
      getRemainingTimeInMillis: () => 201,
    })
    await writes.confirm().catch(() => undefined)
    expect(await waitCalls(primary)).toBe(before + 1)
  })

  it('passes on an error of the WAIT itself instead of calling it unconfirmed (WAIT sent to a replica)', async () => {
    const client = new Redis({ port: replica.port, lazyConnect: true })
    clients.push(client)
    const writes = durableWrites({ replicas: 1, timeout: 100 }).begin(client)
    const error = await rejectionOf(writes.confirm())
    expect(error).not.toBeInstanceOf(ServiceUnavailableError)
    expect((error as Error).message).toMatch(/WAIT cannot be used with replica/)
  })

  it('a primary that does not answer the WAIT at all: 503 after timeout + allowance, the connection kept', async () => {
    const client = connect()
    await client.set('dw:frozen', 'v')
    const writes = durableWrites({ replicas: 1, timeout: 100 }).begin(client)
    const pid = primary.pid as number
    process.kill(pid, 'SIGSTOP')
    let error: unknown
    const started = performance.now()
    try {
      error = await rejectionOf(writes.confirm())
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    const ms = performance.now() - started
    expect(error).toBeInstanceOf(ServiceUnavailableError)
    expect(((error as Error).cause as Error).message).toBe('no answer to WAIT within 250 ms')
    expect(ms).toBeGreaterThanOrEqual(240)
    expect(ms).toBeLessThan(1000)
    // The late reply is matched to the timed-out WAIT; the connection still answers in order.
    expect(await client.get('dw:frozen')).toBe('v')
    expect(client.status).toBe('ready')
  })

  it('does not vouch for writes made on a connection that was replaced before the WAIT', async () => {
    const client = connect()
    const writes = durableWrites({ replicas: 1, timeout: 500 }).begin(client)
    await client.set('dw:five', 'v5')
    const id = String(await client.client('ID'))
    const closed = new Promise((resolve) => client.once('close', resolve))
    await primary.cli('CLIENT', 'KILL', 'ID', id)
    await closed
    // A WAIT on the new connection would "confirm" at once: it has written nothing.
    const error = await rejectionOf(writes.confirm())
    expect(error).toBeInstanceOf(ServiceUnavailableError)
    expect((error as Error).cause).toMatchObject({ confirmed: 0 })
    expect(((error as Error).cause as Error).message).toMatch(/connection was replaced/)
    // Writes begun on the new connection are confirmed again.
    const next = durableWrites({ replicas: 1, timeout: 500 }).begin(client)
    await client.set('dw:five', 'v5b')
    await expect(next.confirm()).resolves.toBe(1)
  })

  it('through redisPool: a WAIT longer than commandTimeout is not cut off, and becomes a JSON 503', async () => {
    const durable = durableWrites({ replicas: 2, timeout: 200 })
    const invoke = lambdaWith(
      redisPool({ url: primary.url, commandTimeout: 50, contextKey: 'durableRedis' }),
      async (_event, context) => {
        const writes = durable.begin(context.durableRedis, context)
        await context.durableRedis.set('dw:six', 'v6')
        return writes.confirm()
      },
    )
    errorLogs.length = 0
    const result = await invoke(3000)
    expect(result.statusCode).toBe(503)
    expect(result.body).toEqual({ message: 'Service Unavailable' })
    expect(result.ms).toBeGreaterThanOrEqual(190)
    const logged = JSON.stringify(errorLogs)
    expect(logged).toContain('ReplicasNotConfirmedError')
    expect(logged).toContain('1 of 2 replicas confirmed the writes within 200 ms')
    expect(logged).not.toContain('Command timed out')
  })
})

describe('durableWrites: cluster mode', () => {
  let cluster: RedisCluster
  beforeAll(async () => {
    cluster = await startCluster(3)
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('sends WAIT to the primary that took the write, and needs the keys to find it', async () => {
    const client = new Cluster(cluster.startupNodes, { lazyConnect: true })
    clients.push(client)
    const durable = durableWrites({ replicas: 1, timeout: 20 })
    const keyless = durable.begin(client)
    await expect(keyless.confirm()).rejects.toThrow(DurableWritesConfigError)
    await expect(keyless.confirm()).rejects.toThrow(/needs a key of every slot written/)

    const writes = durable.begin(client)
    await client.set('dw:cluster', 'v')
    const before = await Promise.all(cluster.nodes.map(waitCalls))
    // These primaries have no replicas: the WAIT answers 0 and the write is not confirmed.
    const error = await rejectionOf(writes.confirm('dw:cluster'))
    expect((error as Error).cause).toMatchObject({ required: 1, confirmed: 0 })
    const after = await Promise.all(cluster.nodes.map(waitCalls))
    const owners = await Promise.all(cluster.nodes.map((node) => cluster.cli(node, 'DBSIZE')))
    const sentTo = after.map((calls, i) => calls - (before[i] ?? 0))
    expect(sentTo).toEqual(owners.map((size) => (size === '1' ? 1 : 0)))
  })

  it('sends one WAIT per slot written, each to the primary that owns it', async () => {
    const client = new Cluster(cluster.startupNodes, { lazyConnect: true })
    clients.push(client)
    const keys = ['{dw-a}:k', '{dw-b}:k', '{dw-c}:k', '{dw-d}:k', '{dw-e}:k', '{dw-f}:k']
    const writes = durableWrites({ replicas: 1, timeout: 20 }).begin(client)
    await Promise.all(keys.map((key) => client.set(key, 'v')))
    const before = await Promise.all(cluster.nodes.map(waitCalls))
    await rejectionOf(writes.confirm(...keys, keys[0] as string))
    const after = await Promise.all(cluster.nodes.map(waitCalls))
    // Each node holds the keys of its slots; a node that is not a key's owner answers MOVED.
    const owned = await Promise.all(
      cluster.nodes.map(async (node) => {
        const found = await Promise.all(keys.map((key) => cluster.cli(node, 'EXISTS', key)))
        return found.filter((answer) => answer === '1').length
      }),
    )
    expect(owned.reduce((sum, count) => sum + count, 0)).toBe(keys.length)
    expect(after.map((calls, i) => calls - (before[i] ?? 0))).toEqual(owned)
  })
})
