// Cluster mode the way ElastiCache runs it with in-transit encryption and AUTH: TLS everywhere, a password (here
// from a provider, as with IAM auth tokens), and nodes announced by host name, which the certificate names (it
// names no IP). The pool's cluster defaults must keep those host names through DNS for the TLS check to pass.
import { lookup } from 'node:dns'
import { connectedClients } from '@cubewalk/redis-harness'
import type { Cluster } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeRedisPool, redisPool } from '../src/redis-pool.js'
import { lambdaWith } from './support/invoke.js'
import { createTestCertificates, type TestCertificates } from './support/tls-certs.js'
import { startTlsCluster, type TlsCluster } from './support/tls-cluster.js'

const password = 'cluster-pass-not-secret'
let certs: TestCertificates
let cluster: TlsCluster

beforeAll(async () => {
  certs = await createTestCertificates({ ipAddress: false })
  cluster = await startTlsCluster(certs, password)
})

afterEach(async () => {
  await closeRedisPool()
})

afterAll(async () => {
  await cluster?.stop()
  certs?.cleanup()
})

// The configuration endpoint: a host name, as ElastiCache gives one.
const configurationEndpoint = (): string => `rediss://localhost:${cluster.nodes[0]?.port}`

describe('redisPool: cluster mode with TLS and a password provider', () => {
  it('connects by host name, authenticates every node connection, serves every shard', async () => {
    let providerCalls = 0
    const clients = new Set<Cluster>()
    const invoke = lambdaWith(
      redisPool({
        url: configurationEndpoint(),
        cluster: true,
        tls: { ca: certs.ca },
        password: async () => {
          providerCalls += 1
          return password
        },
      }),
      async (event, context) => {
        clients.add(context.redis)
        const { i } = event as { i: number }
        await context.redis.set(`{t${i}}:v`, String(i))
        return context.redis.get(`{t${i}}:v`)
      },
    )
    for (let i = 0; i < 60; i++)
      expect(await invoke(6000, { i })).toMatchObject({ statusCode: 200, body: String(i) })
    expect(clients.size).toBe(1)
    const [client] = clients
    // Nodes are addressed by the host name they announce, never by a resolved IP.
    expect(client?.nodes('all').map((node) => node.options.host)).toEqual([
      'localhost',
      'localhost',
      'localhost',
    ])
    // One authenticated connection per node, plus the startup node and the slot refresher connections.
    expect(providerCalls).toBeGreaterThanOrEqual(3)
    for (const node of cluster.nodes) {
      expect(Number(await cluster.cli(node, 'DBSIZE'))).toBeGreaterThan(0)
      const authed = { cli: (...args: string[]) => cluster.cli(node, ...args) }
      await vi.waitFor(async () => expect(await connectedClients(authed)).toBe(1), { timeout: 5000 })
    }
  })

  it('fails (503) when host names are resolved to IPs first: the certificate names no IP', async () => {
    // What ioredis does by default: resolve every node's host name before connecting.
    const resolveFirst = {
      dnsLookup: (address: string, callback: (error: Error | null, address: string) => void) =>
        lookup(address, { family: 4 }, callback),
    }
    const handler = async (_event: unknown, context: { redis: Cluster }) => context.redis.get('{x}:y')
    const resolved = lambdaWith(
      redisPool({
        url: configurationEndpoint(),
        cluster: true,
        tls: { ca: certs.ca },
        password,
        disablePrefetch: true,
        clusterOptions: resolveFirst,
      }),
      handler,
    )
    expect(await resolved()).toMatchObject({ statusCode: 503, body: { message: 'Service Unavailable' } })
    await closeRedisPool()

    // Same setup, host name check switched off: it connects, so the name check was the only thing failing.
    const unchecked = lambdaWith(
      redisPool({
        url: configurationEndpoint(),
        cluster: true,
        tls: { ca: certs.ca, checkServerIdentity: () => undefined },
        password,
        disablePrefetch: true,
        clusterOptions: resolveFirst,
      }),
      handler,
    )
    expect(await unchecked()).toMatchObject({ statusCode: 200, body: null })
  })

  it('re-authenticates every node connection on the live connection, each on its own schedule', async () => {
    let providerCalls = 0
    const provider = Object.assign(
      async () => {
        providerCalls += 1
        return password
      },
      { reauthenticateAfterMs: 200 },
    )
    const invoke = lambdaWith(
      redisPool({ url: configurationEndpoint(), cluster: true, tls: { ca: certs.ca }, password: provider }),
      async (_event, context) => {
        await Promise.all([0, 1, 2, 3, 4, 5].map((n) => context.redis.set(`{r${n}}:v`, String(n))))
        return null
      },
    )
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    const connected = providerCalls
    await new Promise((resolve) => setTimeout(resolve, 1000))
    // Three node connections, each AUTHing again every 0.2 s: about 15 calls in a second, not the 5 of one
    // schedule for the whole cluster.
    expect(providerCalls - connected).toBeGreaterThanOrEqual(9)
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    for (const node of cluster.nodes) {
      const authed = { cli: (...args: string[]) => cluster.cli(node, ...args) }
      await vi.waitFor(async () => expect(await connectedClients(authed)).toBe(1), { timeout: 5000 })
    }
  })
})
