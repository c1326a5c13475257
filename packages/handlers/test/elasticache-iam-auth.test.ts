// Our local SigV4 presigner against the AWS SDK's own (@smithy/signature-v4): same inputs, same token.

import { createHash, createHmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import { elastiCacheIamAuth } from '../src/elasticache-iam-auth.js'

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
    try {
      process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId
      process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey
      process.env.AWS_SESSION_TOKEN = credentials.sessionToken
      const provider = elastiCacheIamAuth({
        cacheName: 'c1',
        userId: 'u',
        region: 'eu-west-1',
        now: () => signingDate,
      })
      const query = new URLSearchParams((await provider()).slice(4))
      expect(query.get('X-Amz-Security-Token')).toBe(credentials.sessionToken)
      delete process.env.AWS_ACCESS_KEY_ID
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
  })
})
