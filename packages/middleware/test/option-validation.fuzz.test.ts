// Property: for every factory, a valid options object never throws at construction, and the same object with any
// extra own key (odd strings, prototype-looking names included) always throws that factory's config error naming
// the key.
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import {
  closeRedisPool,
  DurableWritesConfigError,
  durableWrites,
  JsonResponseConfigError,
  jsonResponse,
  RedisPoolConfigError,
  redisPool,
  TokenAuthorizerConfigError,
  tokenAuthorizer,
} from '../src/index.js'

const numRuns = 300

afterAll(async () => {
  await closeRedisPool()
})

interface Factory {
  name: string
  known: readonly string[]
  valid: fc.Arbitrary<Record<string, unknown>>
  create: (options: Record<string, unknown>) => unknown
  error: new (...args: never[]) => Error
}

const optional = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T) =>
  fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>

const factories: Factory[] = [
  {
    name: 'redisPool',
    known: [
      'url',
      'host',
      'port',
      'tls',
      'username',
      'password',
      'db',
      'cluster',
      'nodes',
      'connectTimeout',
      'commandTimeout',
      'timeoutMargin',
      'reconnectAttempts',
      'contextKey',
      'disablePrefetch',
      'awaitConnection',
      'redisOptions',
      'clusterOptions',
    ],
    valid: optional({
      port: fc.integer({ min: 1, max: 65_535 }),
      tls: fc.boolean(),
      password: fc.constant('test-password-not-secret'),
      db: fc.integer({ min: 0, max: 15 }),
      connectTimeout: fc.integer({ min: 1, max: 10_000 }),
      commandTimeout: fc.integer({ min: 1, max: 10_000 }),
      timeoutMargin: fc.integer({ min: 0, max: 1_000 }),
      reconnectAttempts: fc.integer({ min: 0, max: 10 }),
      contextKey: fc.constantFrom('redis', 'cache'),
      awaitConnection: fc.boolean(),
      redisOptions: fc.constant({}),
    }).map((options) => ({ ...options, host: '127.0.0.1', disablePrefetch: true })),
    create: (options) => redisPool(options as never),
    error: RedisPoolConfigError,
  },
  {
    name: 'tokenAuthorizer',
    known: ['tokens', 'tokensFromInternal', 'tokensFromContext', 'pattern', 'context'],
    valid: fc
      .oneof(
        fc.record({ tokens: fc.constant({ game: 'test-token-not-secret-1' }) }),
        fc.record({ tokensFromContext: fc.constantFrom('tokens', 'auth_tokens') }),
        fc.record({ tokensFromInternal: fc.constantFrom('tokens', 'auth-tokens', 'config.tokens') }),
      )
      .chain((source) =>
        optional({
          pattern: fc.constantFrom(/test-token-.+/, '[a-z0-9-]+'),
          context: fc.constant({ tier: 'test' }),
        }).map((rest) => ({ ...rest, ...source })),
      ),
    create: (options) => tokenAuthorizer(options as never),
    error: TokenAuthorizerConfigError,
  },
  {
    name: 'durableWrites',
    known: ['replicas', 'timeout', 'timeoutMargin'],
    valid: fc.record(
      {
        replicas: fc.integer({ min: 1, max: 100 }),
        timeout: fc.integer({ min: 1, max: 60_000 }),
        timeoutMargin: fc.integer({ min: 0, max: 60_000 }),
      },
      { requiredKeys: ['replicas', 'timeout'] },
    ) as fc.Arbitrary<Record<string, unknown>>,
    create: (options) => durableWrites(options as never),
    error: DurableWritesConfigError,
  },
  {
    name: 'jsonResponse',
    known: ['logger', 'headers'],
    valid: optional({
      logger: fc.constant(() => {}),
      headers: fc.constant({ 'Cache-Control': 'no-store' }),
    }),
    create: (options) => jsonResponse(options as never),
    error: JsonResponseConfigError,
  },
]

// Any string, biased towards names a typo or an attack would produce.
const anyKey = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'),
  fc.constantFrom('connectTimout', 'Host', 'token', 'timout', 'loger', 'header', 'replica'),
)

describe.each(factories)('$name options', ({ known, valid, create, error }) => {
  it('a valid options object never throws', () => {
    fc.assert(
      fc.property(valid, (options) => {
        create(options)
      }),
      { numRuns },
    )
  })

  it('any extra key throws the config error naming it', () => {
    fc.assert(
      fc.property(
        valid,
        anyKey.filter((key) => !known.includes(key)),
        fc.anything(),
        (options, key, value) => {
          // defineProperty: an own key even when it is `__proto__`.
          const withExtra = Object.defineProperty({ ...options }, key, { value, enumerable: true })
          let thrown: unknown
          try {
            create(withExtra)
          } catch (caught) {
            thrown = caught
          }
          expect(thrown).toBeInstanceOf(error)
          expect((thrown as Error).message).toContain(`unknown option ${JSON.stringify(key)}`)
        },
      ),
      { numRuns },
    )
  })
})
