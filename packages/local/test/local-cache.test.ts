// The faithful local cache against a real redis-server: TLS with the CA made at start, the template's ACL user
// with the default user off, ElastiCache IAM tokens signed by the AWS SDK's own SigV4 signer (an implementation
// independent of the front's checker), the 12-hour disconnect on a short clock, the fault hooks, and the cluster
// shape announcing the front in its slot map.

import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connect as connectTls } from 'node:tls'
import { SignatureV4 } from '@smithy/signature-v4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CacheFrontEvent } from '../src/services/cache-front/cache-front.js'
import type { CacheShape } from '../src/services/cache-front/cache-template.js'
import { type LocalCache, startLocalCache } from '../src/services/cache-front/local-cache.js'
import { freePort, startLocalRedis } from '../src/services/redis-server.js'
import { errorText, rawClient } from './support/resp-tls-client.js'

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.'
const credentials = {
  accessKeyId: 'ASIALOCALTESTNOTSECRET',
  secretAccessKey: 'local-test-secret-not-a-secret/+=',
  sessionToken: 'local-test-session-not-a-secret',
}
const region = 'eu-west-1'
const user = 'app-user'
const shape: CacheShape = {
  logicalId: 'Cache',
  cacheName: 'app-cache',
  serverless: false,
  clusterMode: false,
  transitEncryption: true,
  replicas: 1,
  users: [
    {
      userId: user,
      userName: user,
      accessString: 'on ~app:* -@all +info +get +set +ping',
      authentication: 'iam',
      passwords: [],
    },
  ],
}

class Sha256 {
  #hash
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer))
  }
  update(chunk: Uint8Array | string): void {
    this.#hash.update(chunk)
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()))
  }
  reset(): void {}
}

interface TokenOptions {
  cacheName?: string
  userId?: string
  action?: string
  serverless?: boolean
  signingDate?: Date
  expiresIn?: number
  secretAccessKey?: string
}

/** A token as the AWS SDK's SigV4 presigner makes it (the documented recipe). */
const sdkToken = async (options: TokenOptions = {}): Promise<string> => {
  const cacheName = options.cacheName ?? shape.cacheName
  const signer = new SignatureV4({
    service: 'elasticache',
    region,
    credentials: { ...credentials, secretAccessKey: options.secretAccessKey ?? credentials.secretAccessKey },
    sha256: Sha256,
  })
  const query: Record<string, string> = { Action: options.action ?? 'connect', User: options.userId ?? user }
  if (options.serverless) query.ResourceType = 'ServerlessCache'
  const signed = await signer.presign(
    { method: 'GET', protocol: 'http:', hostname: cacheName, path: '/', query, headers: { host: cacheName } },
    { expiresIn: options.expiresIn ?? 900, signingDate: options.signingDate ?? new Date() },
  )
  const search = new URLSearchParams(
    Object.entries(signed.query ?? {}).map(([k, v]) => [k, String(v)] as [string, string]),
  )
  return `${cacheName}/?${search.toString()}`
}

let cache: LocalCache
let ca: string
const events: CacheFrontEvent[] = []
const LIFETIME_MS = 600

beforeAll(async () => {
  cache = await startLocalCache({
    shape,
    port: await freePort(),
    region,
    credentials,
    iamConnectionLifetimeMs: LIFETIME_MS,
    onEvent: (event) => events.push(event),
  })
  ca = readFileSync(cache.caFile as string, 'utf8')
})
afterAll(async () => {
  await cache?.stop()
})

const client = () => rawClient(cache.front.port, { ca })
const authed = async () => {
  const c = await client()
  expect(await c.send(['AUTH', user, await sdkToken()])).toEqual(['OK'])
  return c
}

describe('TLS with the CA made at start', () => {
  it('completes the handshake for a client trusting that CA, and only for one', async () => {
    const c = await client()
    expect(await c.send(['PING'])).toHaveLength(1)
    c.close()
    const untrusting = await new Promise<string>((resolve) => {
      const socket = connectTls({ host: '127.0.0.1', port: cache.front.port }, () => resolve('connected'))
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    })
    expect(untrusting).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
  })
})

describe('the ACL user of the template, default user off', () => {
  it('refuses commands before AUTH, as a cache whose default user is off does', async () => {
    const c = await client()
    const [reply] = await c.send(['GET', 'app:x'])
    expect(errorText(reply)).toMatch(/^NOAUTH/)
    c.close()
  })

  it('runs what the access string grants and refuses the rest with NOPERM', async () => {
    const c = await authed()
    const replies = await c.send(
      ['SET', 'app:x', '1'],
      ['GET', 'app:x'],
      ['SET', 'other:x', '1'],
      ['FLUSHALL'],
      ['KEYS', '*'],
    )
    expect(replies.slice(0, 2)).toEqual(['OK', '1'])
    expect(errorText(replies[2])).toMatch(/^NOPERM/)
    expect(errorText(replies[3])).toMatch(/^NOPERM/)
    expect(errorText(replies[4])).toMatch(/^NOPERM/)
    c.close()
  })

  it('lets no client authenticate as the runner or the default user', async () => {
    const c = await client()
    const replies = await c.send(['AUTH', 'default', 'x'], ['AUTH', 'cubewalk-local-admin', 'guess'])
    expect(replies.map(errorText)).toEqual([WRONGPASS, WRONGPASS])
    c.close()
  })
})

describe('IAM authentication as ElastiCache does it', () => {
  it('accepts a fresh SDK-signed token with AUTH and with HELLO 3 AUTH', async () => {
    const c = await client()
    const [hello] = await c.send(['HELLO', '3', 'AUTH', user, await sdkToken(), 'SETNAME', 'probe'])
    // RESP3 reply maps read as arrays here: what matters is that it is not an error.
    expect(Array.isArray(hello)).toBe(true)
    c.close()
  })

  it.each<[string, () => Promise<string>, string?]>([
    ['a token signed with another secret', () => sdkToken({ secretAccessKey: 'other-secret-not-a-secret' })],
    ['an expired token', () => sdkToken({ signingDate: new Date(Date.now() - 16 * 60_000) })],
    ['a token for another user', () => sdkToken({ userId: 'someone-else' })],
    ['a token for another cache', () => sdkToken({ cacheName: 'other-cache' })],
    ['a token for another action', () => sdkToken({ action: 'describe' })],
    ['a serverless token for a node-based cache', () => sdkToken({ serverless: true })],
    ['a token valid for an hour', () => sdkToken({ expiresIn: 3600 })],
    ['a tampered token', async () => `${await sdkToken()}0`],
    ['a password', async () => 'hunter2-not-a-secret'],
  ])('refuses %s with the ElastiCache error', async (_what, token) => {
    const refusedBefore = cache.front.stats().refusedAuthentications
    const c = await client()
    const replies = await c.send(['AUTH', user, await token()], ['HELLO', '3', 'AUTH', user, await token()])
    expect(replies.map(errorText)).toEqual([WRONGPASS, WRONGPASS])
    expect(cache.front.stats().refusedAuthentications).toBe(refusedBefore + 2)
    c.close()
  })

  it('answers pipelined commands around a refused AUTH in order, and a live connection stays authenticated', async () => {
    const c = await authed()
    const replies = await c.send(
      ['SET', 'app:order', 'a'],
      ['AUTH', user, await sdkToken({ signingDate: new Date(Date.now() - 3_600_000) })],
      ['GET', 'app:order'],
    )
    expect(replies.map(errorText)).toEqual(['OK', WRONGPASS, 'a'])
    expect(events.some((e) => e.type === 'auth-refused' && /expired/.test(e.reason))).toBe(true)
    c.close()
  })

  it('closes an IAM connection when its authentication is as old as the lifetime, unless re-AUTH renewed it', async () => {
    const idle = await authed()
    const renewed = await authed()
    const started = Date.now()
    const renew = setInterval(async () => {
      await renewed.send(['AUTH', user, await sdkToken()])
    }, LIFETIME_MS / 3)
    await idle.closed
    const closedAfter = Date.now() - started
    expect(closedAfter).toBeGreaterThanOrEqual(LIFETIME_MS - 50)
    await new Promise((resolve) => setTimeout(resolve, LIFETIME_MS))
    clearInterval(renew)
    expect(await renewed.send(['GET', 'app:x'])).toEqual(['1'])
    expect(events.some((e) => e.type === 'lifetime-disconnect')).toBe(true)
    renewed.close()
  })
})

describe('fault hooks', () => {
  it('setLatency delays every command, in order, until set back to 0', async () => {
    const c = await authed()
    cache.front.setLatency(150)
    const started = performance.now()
    expect(await c.send(['SET', 'app:l', '1'], ['GET', 'app:l'])).toEqual(['OK', '1'])
    expect(performance.now() - started).toBeGreaterThanOrEqual(145)
    cache.front.setLatency(0)
    const again = performance.now()
    await c.send(['GET', 'app:l'])
    expect(performance.now() - again).toBeLessThan(140)
    expect(() => cache.front.setLatency(-1)).toThrow(RangeError)
    c.close()
  })

  it('dropConnections closes every client connection', async () => {
    const a = await authed()
    const b = await client()
    await b.send(['PING']) // the front has accepted it (the client's handshake can finish first)
    expect(cache.front.dropConnections()).toBeGreaterThanOrEqual(2)
    await Promise.all([a.closed, b.closed])
    expect(cache.front.stats().connections).toBe(0)
  })

  it('expireTokens refuses the tokens signed so far, and accepts new ones', async () => {
    const old = await sdkToken({ signingDate: new Date(Date.now() - 2_000) })
    cache.front.expireTokens()
    const c = await client()
    expect((await c.send(['AUTH', user, old])).map(errorText)).toEqual([WRONGPASS])
    await new Promise((resolve) => setTimeout(resolve, 1_100)) // X-Amz-Date counts whole seconds
    expect(await c.send(['AUTH', user, await sdkToken()])).toEqual(['OK'])
    c.close()
  })

  it('switchUpstream sends new connections to another server and leaves open ones where they are', async () => {
    const other = await startLocalRedis()
    const before = await authed()
    const original = cache.front.upstream
    try {
      cache.front.switchUpstream(other.host, other.port)
      const after = await client()
      // The other server has no users: its default user answers without AUTH.
      expect(await after.send(['SET', 'elsewhere', '1'])).toEqual(['OK'])
      expect(errorText((await before.send(['SET', 'elsewhere', '1']))[0])).toMatch(/^NOPERM/)
      after.close()
    } finally {
      cache.front.switchUpstream(original.host, original.port)
      before.close()
      await other.stop()
    }
  })
})

describe('the cluster (serverless) shape', () => {
  it('announces the front, not redis-server, in CLUSTER SLOTS, and accepts serverless tokens only', async () => {
    const serverless = await startLocalCache({
      shape: {
        ...shape,
        cacheName: 'app-serverless',
        serverless: true,
        clusterMode: true,
        replicas: 0,
        users: [
          {
            ...(shape.users[0] as CacheShape['users'][number]),
            accessString: 'on ~app:* -@all +get +cluster|slots',
          },
        ],
      },
      port: await freePort(),
      region,
      credentials,
    })
    try {
      const c = await rawClient(serverless.front.port, {
        ca: readFileSync(serverless.caFile as string, 'utf8'),
      })
      const nodeBased = await sdkToken({ cacheName: 'app-serverless' })
      expect((await c.send(['AUTH', user, nodeBased])).map(errorText)).toEqual([WRONGPASS])
      expect(
        await c.send(['AUTH', user, await sdkToken({ cacheName: 'app-serverless', serverless: true })]),
      ).toEqual(['OK'])
      const [slots] = await c.send(['CLUSTER', 'SLOTS'])
      expect(slots).toEqual([[0, 16383, ['127.0.0.1', serverless.front.port, expect.any(String), []]]])
      c.close()
    } finally {
      await serverless.stop()
    }
  })
})
