// The public ElastiCache IAM password provider: our local SigV4 presigner against the AWS SDK's own
// (@smithy/signature-v4), same inputs, same token; token reuse within its lifetime; option checks.
// redis-pool.reauth.test.ts runs it against a real redis-server.

import { createHash, createHmac } from 'node:crypto'
import { elastiCacheIamAuth } from '@cubewalk/middleware/elasticache-iam'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'

const credentials = {
  accessKeyId: 'AKIDEXAMPLENOTSECRET',
  secretAccessKey: 'test-secret-not-secret/with+chars',
  sessionToken: 'test-session-token-not-secret/+=',
}
const signingDate = new Date('2026-03-04T05:06:07.890Z')

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

const sdkToken = async (cacheName: string, userId: string, serverless: boolean, sessionToken?: string) => {
  const signer = new SignatureV4({
    service: 'elasticache',
    region: 'eu-west-1',
    credentials: { ...credentials, sessionToken },
    sha256: Sha256,
  })
  const query: Record<string, string> = { Action: 'connect', User: userId }
  if (serverless) query.ResourceType = 'ServerlessCache'
  const signed = await signer.presign(
    { method: 'GET', protocol: 'http:', hostname: cacheName, path: '/', query, headers: { host: cacheName } },
    { expiresIn: 900, signingDate },
  )
  return Object.fromEntries(Object.entries(signed.query ?? {}).map(([k, v]) => [k, String(v)]))
}

const ourToken = async (cacheName: string, userId: string, serverless: boolean, sessionToken?: string) => {
  const token = await elastiCacheIamAuth({
    cacheName,
    userId,
    serverless,
    region: 'eu-west-1',
    credentials: { ...credentials, sessionToken },
    now: () => signingDate,
  })()
  expect(token.startsWith(`${cacheName}/?`)).toBe(true)
  return Object.fromEntries(new URLSearchParams(token.slice(cacheName.length + 2)))
}

describe('elastiCacheIamAuth', () => {
  it.each([
    ['cubewalk-cache', 'cubewalk-blocks', false, credentials.sessionToken],
    ['cubewalk-serverless', 'user.with+odd chars', true, credentials.sessionToken],
    ['c1', 'u', false, undefined],
  ])('signs %s for %s (serverless %s) exactly like the AWS SDK', async (cache, user, serverless, session) => {
    expect(await ourToken(cache, user, serverless, session)).toEqual(
      await sdkToken(cache, user, serverless, session),
    )
  })

  it('reads the execution role credentials from the environment at every signing', async () => {
    const saved = { ...process.env }
    let clock = signingDate.getTime()
    try {
      process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId
      process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey
      process.env.AWS_SESSION_TOKEN = credentials.sessionToken
      const provider = elastiCacheIamAuth({
        cacheName: 'c1',
        userId: 'u',
        region: 'eu-west-1',
        now: () => new Date(clock),
      })
      const query = new URLSearchParams((await provider()).slice(4))
      expect(query.get('X-Amz-Security-Token')).toBe(credentials.sessionToken)
      delete process.env.AWS_ACCESS_KEY_ID
      // The token signed before is still reused; the next signing reads the environment again.
      await provider()
      clock += 600_000
      await expect(provider()).rejects.toThrow(/AWS_ACCESS_KEY_ID/)
    } finally {
      process.env = saved
    }
  })

  it('refuses options ElastiCache would reject', () => {
    expect(() => elastiCacheIamAuth({ cacheName: 'Upper', userId: 'u', region: 'r' })).toThrow(/lower-case/)
    expect(() => elastiCacheIamAuth({ cacheName: 'c', userId: '', region: 'r' })).toThrow(/userId/)
    expect(() => elastiCacheIamAuth({ cacheName: 'c', userId: 'u', region: 'r', expiresIn: 901 })).toThrow(
      /900/,
    )
    for (const reauthenticateAfterMs of [0, 1.5, 12 * 3_600_000]) {
      expect(() =>
        elastiCacheIamAuth({ cacheName: 'c', userId: 'u', region: 'r', reauthenticateAfterMs }),
      ).toThrow(/reauthenticateAfterMs .*under 12 hours/)
    }
  })

  it('takes expiresIn from 1 to 900 whole seconds, cacheName only whole, options only as an object', () => {
    const base = { cacheName: 'c', userId: 'u', region: 'r', credentials }
    for (const expiresIn of [1, 900]) expect(() => elastiCacheIamAuth({ ...base, expiresIn })).not.toThrow()
    for (const expiresIn of [0, -1, 1.5, 901, Number.NaN]) {
      expect(() => elastiCacheIamAuth({ ...base, expiresIn })).toThrow(
        /expiresIn must be an integer from 1 to 900/,
      )
    }
    expect(() => elastiCacheIamAuth({ ...base, reauthenticateAfterMs: 12 * 3_600_000 - 1 })).not.toThrow()
    expect(() => elastiCacheIamAuth({ ...base, reauthenticateAfterMs: 0 })).toThrow(
      'reauthenticateAfterMs must be an integer from 1 to 43199999 (under 12 hours)',
    )
    // A valid name followed by what no name may hold.
    expect(() => elastiCacheIamAuth({ ...base, cacheName: 'cache_1' })).toThrow(/lower-case/)
    expect(() => elastiCacheIamAuth(null as unknown as typeof base)).toThrow(/options must be an object/)
  })

  it('refuses credentials without a non-empty key id and secret, whichever part is wrong', async () => {
    const secretAccessKey = 'secret-not-secret'
    for (const bad of [
      null,
      'AKIDEXAMPLENOTSECRET',
      { secretAccessKey },
      { accessKeyId: '', secretAccessKey },
      { accessKeyId: 'AKIDEXAMPLENOTSECRET' },
      { accessKeyId: 'AKIDEXAMPLENOTSECRET', secretAccessKey: 7 },
    ]) {
      const provider = elastiCacheIamAuth({
        cacheName: 'c1',
        userId: 'u',
        region: 'eu-west-1',
        credentials: async () => bad as unknown as typeof credentials,
      })
      await expect(provider()).rejects.toThrow(/non-empty accessKeyId and secretAccessKey/)
    }
  })

  it('needs a region: the option, else AWS_REGION', () => {
    const saved = process.env.AWS_REGION
    try {
      delete process.env.AWS_REGION
      expect(() => elastiCacheIamAuth({ cacheName: 'c', userId: 'u', credentials })).toThrow(
        /region is not set/,
      )
      process.env.AWS_REGION = ''
      expect(() => elastiCacheIamAuth({ cacheName: 'c', userId: 'u', credentials })).toThrow(
        /region is not set/,
      )
      process.env.AWS_REGION = 'eu-west-1'
      expect(() => elastiCacheIamAuth({ cacheName: 'c', userId: 'u', credentials })).not.toThrow()
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION
      else process.env.AWS_REGION = saved
    }
  })

  it('asks the pool to authenticate live connections again an hour before the 12-hour limit, by default', () => {
    const provider = elastiCacheIamAuth({ cacheName: 'c', userId: 'u', region: 'r', credentials })
    expect(provider.reauthenticateAfterMs).toBe(11 * 3_600_000)
    const short = elastiCacheIamAuth({ cacheName: 'c', userId: 'u', region: 'r', reauthenticateAfterMs: 250 })
    expect(short.reauthenticateAfterMs).toBe(250)
  })

  it('reuses a token for two thirds of its lifetime, then signs a fresh one', async () => {
    let clock = signingDate.getTime()
    let signings = 0
    const provider = elastiCacheIamAuth({
      cacheName: 'c1',
      userId: 'u',
      region: 'eu-west-1',
      credentials: () => {
        signings += 1
        return credentials
      },
      now: () => new Date(clock),
    })
    const dateOf = (token: string) => new URLSearchParams(token.slice(4)).get('X-Amz-Date')
    // Connections opened at once share one signing.
    const [first, second] = await Promise.all([provider(), provider()])
    expect(second).toBe(first)
    expect(signings).toBe(1)
    clock += 600_000 - 1
    expect(await provider()).toBe(first)
    clock += 1
    const renewed = await provider()
    expect(signings).toBe(2)
    expect(dateOf(renewed)).toBe('20260304T051607Z')
    expect(dateOf(first)).toBe('20260304T050607Z')
    // A clock that went back: the age is unknown, sign again.
    clock -= 1_000
    await provider()
    expect(signings).toBe(3)
  })

  it('forgets a token the cache refused, and only that one: the next call signs afresh', async () => {
    let clock = signingDate.getTime()
    let signings = 0
    const provider = elastiCacheIamAuth({
      cacheName: 'c1',
      userId: 'u',
      region: 'eu-west-1',
      credentials: () => {
        signings += 1
        return credentials
      },
      now: () => new Date(clock),
    })
    const first = await provider()
    // A refusal of some older token leaves the cached one alone.
    provider.refused('an-older-token')
    expect(await provider()).toBe(first)
    expect(signings).toBe(1)
    provider.refused(first)
    clock += 1_000
    const second = await provider()
    expect(signings).toBe(2)
    expect(second).not.toBe(first)
    expect(await provider()).toBe(second)
  })

  it('never caches a failed signing', async () => {
    let fail = true
    const provider = elastiCacheIamAuth({
      cacheName: 'c1',
      userId: 'u',
      region: 'eu-west-1',
      credentials: () => {
        if (fail) throw new Error('credentials unavailable')
        return credentials
      },
    })
    await expect(provider()).rejects.toThrow('credentials unavailable')
    fail = false
    expect(await provider()).toMatch(/^c1\/\?Action=connect&/)
  })

  it('says which credentials field is missing rather than signing with undefined', async () => {
    const provider = elastiCacheIamAuth({
      cacheName: 'c1',
      userId: 'u',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLENOTSECRET', secretAccessKey: '' },
    })
    await expect(provider()).rejects.toThrow(/non-empty accessKeyId and secretAccessKey/)
  })
})
