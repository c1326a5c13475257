// A WAIT only vouches for writes made on the connection it is sent on. In cluster mode every node connection
// counts, the ones that exist when the writes begin and the ones created later: if any of them closed between
// the writes and the WAIT, the confirmation is refused with that reason, whatever WAIT answered.
import { type RedisCluster, startCluster } from '@cubewalk/redis-harness'
import { Cluster, Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { DurableWritesConfigError, durableWrites, ReplicasNotConfirmedError } from '../src/durable-writes.js'

let cluster: RedisCluster
const clients: Array<Redis | Cluster> = []

beforeAll(async () => {
  cluster = await startCluster(3)
})
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect()
})
afterAll(async () => {
  await cluster?.stop()
})

const causeOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise
  } catch (error) {
    return (error as Error).cause as Error
  }
  throw new Error('expected a 503')
}

const replaced = 'the connection was replaced after the writes: WAIT cannot vouch for them'

/** Closes every client connection of the cluster's nodes (redis-cli skips its own); ioredis reconnects. */
const dropConnections = async (): Promise<void> => {
  await Promise.all(cluster.nodes.map((node) => cluster.cli(node, 'CLIENT', 'KILL', 'TYPE', 'normal')))
}

describe('durableWrites: connection epochs in cluster mode', () => {
  it('nodes connected before begin(): a closed connection refuses the confirmation', async () => {
    const client = new Cluster(cluster.startupNodes)
    clients.push(client)
    await client.set('{ep1}:warm', 'v')
    const writes = durableWrites({ replicas: 1, timeout: 50 }).begin(client)
    await client.set('{ep1}:k', 'v')
    await dropConnections()
    const cause = await causeOf(writes.confirm('{ep1}:k'))
    expect(cause).toBeInstanceOf(ReplicasNotConfirmedError)
    expect(cause.message).toBe(replaced)
  })

  it('nodes created after begin() count too', async () => {
    const client = new Cluster(cluster.startupNodes, { lazyConnect: true })
    clients.push(client)
    const writes = durableWrites({ replicas: 1, timeout: 50 }).begin(client)
    expect(client.nodes('all')).toEqual([])
    await client.set('{ep2}:k', 'v')
    await dropConnections()
    const cause = await causeOf(writes.confirm('{ep2}:k'))
    expect(cause.message).toBe(replaced)
  })

  it('without a closed connection the answer is WAIT’s own (these primaries have no replicas)', async () => {
    const client = new Cluster(cluster.startupNodes)
    clients.push(client)
    const writes = durableWrites({ replicas: 1, timeout: 50 }).begin(client)
    await client.set('{ep3}:k', 'v')
    const cause = await causeOf(writes.confirm('{ep3}:k'))
    expect(cause.message).toBe('0 of 1 replica confirmed the writes within 50 ms')
  })
})

describe('durableWrites: standalone, no replica', () => {
  it('says "replica" for one, and its config error has its own name', async () => {
    const client = new Redis(inject('redisUrl'))
    clients.push(client)
    const writes = durableWrites({ replicas: 1, timeout: 30 }).begin(client)
    await client.set('dw-epochs:k', 'v')
    const cause = await causeOf(writes.confirm())
    expect(cause.message).toBe('0 of 1 replica confirmed the writes within 30 ms')
    expect(() => durableWrites({ replicas: 0, timeout: 30 })).toThrow(
      expect.objectContaining({ name: 'DurableWritesConfigError' }),
    )
    expect(() => durableWrites({ replicas: 0, timeout: 30 })).toThrow(DurableWritesConfigError)
  })
})
