// Every factory of the package rejects an unknown or misspelt option key at construction, with the same message
// shape (the key, the closest known one, the known list) and its own config error class.
import { describe, expect, it } from 'vitest'
import {
  DurableWritesConfigError,
  durableWrites,
  getRedisClient,
  JsonResponseConfigError,
  jsonResponse,
  RedisPoolConfigError,
  redisPool,
  TokenAuthorizerConfigError,
  tokenAuthorizer,
} from '../src/index.js'
import { checkKnownKeys } from '../src/options/check-known-keys.js'

const tokens = { game: 'test-token-not-secret-1' }
const fail = (message: string) => new TypeError(message)
const known = ['connectTimeout', 'commandTimeout', 'host', 'port', 'tls']

describe('checkKnownKeys', () => {
  it.each([
    ['connectTimout', 'connectTimeout'],
    ['conectTimeout', 'connectTimeout'],
    ['connectTiemout', 'connectTimeout'],
    ['ConnectTimeout', 'connectTimeout'],
    ['commandtimeout', 'commandTimeout'],
    ['hots', 'host'],
    ['prot', 'port'],
    ['TLS', 'tls'],
  ])('names %j and suggests %j', (key, suggestion) => {
    expect(() => checkKnownKeys({ host: 'h', [key]: 1 }, known, fail)).toThrow(
      `unknown option ${JSON.stringify(key)} (did you mean "${suggestion}"?); known options: ${known.join(', ')}`,
    )
  })

  it('suggests nothing for a key that is not near any known one', () => {
    for (const key of ['banana', 'timeout', 'x', '']) {
      expect(() => checkKnownKeys({ [key]: 1 }, known, fail)).toThrow(
        `unknown option ${JSON.stringify(key)}; known options: `,
      )
    }
  })

  it('accepts known keys, undefined values included, and ignores inherited ones', () => {
    expect(() => checkKnownKeys({ host: 'h', port: undefined }, known, fail)).not.toThrow()
    expect(() => checkKnownKeys(Object.create({ inherited: 1 }) as object, known, fail)).not.toThrow()
  })

  it('rejects own keys that look like prototype keys, and symbols', () => {
    const proto = JSON.parse('{"__proto__": {"polluted": true}}') as object
    expect(() => checkKnownKeys(proto, known, fail)).toThrow('unknown option "__proto__"')
    expect(() => checkKnownKeys({ constructor: 1 }, known, fail)).toThrow('unknown option "constructor"')
    expect(() => checkKnownKeys({ [Symbol('tls')]: true }, known, fail)).toThrow('unknown option Symbol(tls)')
  })

  it("throws the caller's error", () => {
    class MyConfigError extends Error {}
    expect(() => checkKnownKeys({ nope: 1 }, known, (message) => new MyConfigError(message))).toThrow(
      MyConfigError,
    )
  })
})

describe('every factory rejects a misspelt option at construction', () => {
  it('redisPool and getRedisClient: connectTimout', () => {
    const options = { host: '127.0.0.1', disablePrefetch: true, connectTimout: 100 }
    for (const create of [() => redisPool(options), () => getRedisClient(options)]) {
      expect(create).toThrow(RedisPoolConfigError)
      expect(create).toThrow('redisPool: unknown option "connectTimout" (did you mean "connectTimeout"?)')
    }
  })

  it('redisPool: the key check comes before the other checks', () => {
    expect(() => redisPool({ hots: '127.0.0.1' } as never)).toThrow(
      'unknown option "hots" (did you mean "host"?)',
    )
  })

  it('tokenAuthorizer: token', () => {
    const create = () => tokenAuthorizer({ tokens, token: 'x' } as never)
    expect(create).toThrow(TokenAuthorizerConfigError)
    expect(create).toThrow('unknown option "token" (did you mean "tokens"?)')
  })

  it('durableWrites: timout', () => {
    const create = () => durableWrites({ replicas: 1, timeout: 100, timout: 5 } as never)
    expect(create).toThrow(DurableWritesConfigError)
    expect(create).toThrow('durableWrites: unknown option "timout" (did you mean "timeout"?)')
  })

  it('jsonResponse: loger, and a logger that is not a function', () => {
    const create = () => jsonResponse({ loger: () => {} } as never)
    expect(create).toThrow(JsonResponseConfigError)
    expect(create).toThrow('jsonResponse: unknown option "loger" (did you mean "logger"?)')
    expect(() => jsonResponse({ logger: console } as never)).toThrow('logger must be a function')
    expect(() => jsonResponse(null as never)).toThrow(JsonResponseConfigError)
  })
})
