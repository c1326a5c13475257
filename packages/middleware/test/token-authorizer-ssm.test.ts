// tokenAuthorizer behind the real @middy/ssm (v7: GetParametersCommand, JSON values parsed, setToContext under the
// fetchData key, prefetch at construction, refresh timer at cacheExpiry), with SSM mocked by aws-sdk-client-mock.
import { randomUUID } from 'node:crypto'
import { GetParametersCommand, type GetParametersCommandInput, SSMClient } from '@aws-sdk/client-ssm'
import middy from '@middy/core'
import ssm from '@middy/ssm'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TokenAuthorizerConfigError, tokenAuthorizer } from '../src/token-authorizer.js'
import { expectUnauthorized, rejection } from './support/unauthorized.js'

const tokenA = 'test-token-not-secret-a-1'
const tokenB = 'test-token-not-secret-b-2'
const parameterName = '/cubewalk/test/authorizer-tokens'
const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/POST/lambda-token'
const resource = 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/*/*'

const ssmMock = mockClient(SSMClient)

// The parameter store the mocked client reads; a test rotates a token by replacing an entry.
let store: Map<string, { Type: 'String' | 'SecureString' | 'StringList'; Value: string }>
// How many of the next GetParameters calls fail as if SSM throttled.
let failures = 0
// The same, only for calls that ask for the parameter named here (set with `failing`).
let failing: { name: string; times: number } | undefined

beforeEach(() => {
  store = new Map()
  failures = 0
  failing = undefined
  ssmMock.reset()
  ssmMock.on(GetParametersCommand).callsFake(async (input: GetParametersCommandInput) => {
    const names = input.Names ?? []
    const targeted = failing !== undefined && failing.times > 0 && names.includes(failing.name)
    if (failures > 0 || targeted) {
      if (targeted && failing) failing.times--
      else failures--
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
    }
    return {
      Parameters: names.filter((name) => store.has(name)).map((name) => ({ Name: name, ...store.get(name) })),
      InvalidParameters: names.filter((name) => !store.has(name)),
    }
  })
})

afterEach(() => {
  vi.useRealTimers()
})

const getParametersCalls = () => ssmMock.commandCalls(GetParametersCommand).length

const setTokens = (map: Record<string, string>) => {
  store.set(parameterName, { Type: 'SecureString', Value: JSON.stringify(map) })
}

// Each test gets its own middy cache entry: @middy/util's cache is module-wide and keyed by cacheKey.
const build = (ssmOptions: { cacheExpiry: number; disablePrefetch?: boolean }) =>
  middy()
    .use(
      ssm({
        fetchData: { tokens: parameterName },
        setToContext: true,
        cacheKey: `token-authorizer-test-${randomUUID()}`,
        awsClientOptions: { region: 'eu-west-1' },
        ...ssmOptions,
      }),
    )
    .use(tokenAuthorizer({ tokensFromContext: 'tokens' }))

const invoke = (handler: ReturnType<typeof build>, authorizationToken: string): Promise<unknown> =>
  handler({ type: 'TOKEN', authorizationToken, methodArn } as never, {} as never)

const allow = (principalId: string) => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
  },
  context: { tokenName: principalId },
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('tokenAuthorizer after @middy/ssm', () => {
  it('fetches the map once at construction with GetParameters (decrypted) and uses it', async () => {
    setTokens({ a: tokenA })
    const handler = build({ cacheExpiry: 60_000 })
    expect(getParametersCalls()).toBe(1)
    expect(ssmMock.commandCalls(GetParametersCommand)[0]?.args[0].input).toEqual({
      Names: [parameterName],
      WithDecryption: true,
    })
    expect(await invoke(handler, tokenA)).toEqual(allow('a'))
    await expectUnauthorized(invoke(handler, tokenB))
  })

  it('does not call SSM again within the TTL', async () => {
    setTokens({ a: tokenA })
    const handler = build({ cacheExpiry: 60_000 })
    for (let i = 0; i < 5; i++) {
      expect(await invoke(handler, tokenA)).toEqual(allow('a'))
      await expectUnauthorized(invoke(handler, 'test-token-not-secret-unknown'))
    }
    expect(getParametersCalls()).toBe(1)
  })

  it('rotates after the TTL: the new token is accepted, the old one refused (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] })
    setTokens({ a: tokenA })
    const handler = build({ cacheExpiry: 50 })
    expect(await invoke(handler, tokenA)).toEqual(allow('a'))

    setTokens({ b: tokenB })
    await vi.advanceTimersByTimeAsync(40)
    // Still within the TTL: the cached map, no new SSM call.
    expect(await invoke(handler, tokenA)).toEqual(allow('a'))
    await expectUnauthorized(invoke(handler, tokenB))
    expect(getParametersCalls()).toBe(1)

    await vi.advanceTimersByTimeAsync(20)
    expect(getParametersCalls()).toBe(2)
    expect(await invoke(handler, tokenB)).toEqual(allow('b'))
    await expectUnauthorized(invoke(handler, tokenA))
    expect(getParametersCalls()).toBe(2)
  })

  it('rotates after the TTL on the real clock', async () => {
    setTokens({ a: tokenA })
    const handler = build({ cacheExpiry: 50 })
    expect(await invoke(handler, tokenA)).toEqual(allow('a'))

    setTokens({ b: tokenB })
    // Generous wait: only that the TTL has passed matters, not by how much.
    const deadline = Date.now() + 5_000
    while (getParametersCalls() < 2 && Date.now() < deadline) await sleep(25)
    await sleep(10)
    expect(await invoke(handler, tokenB)).toEqual(allow('b'))
    await expectUnauthorized(invoke(handler, tokenA))
  })

  it('keeps old and new token both valid while the parameter lists both (zero-downtime rotation)', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] })
    setTokens({ a: tokenA })
    const handler = build({ cacheExpiry: 50 })
    setTokens({ a: tokenA, b: tokenB })
    await vi.advanceTimersByTimeAsync(60)
    expect(await invoke(handler, tokenA)).toEqual(allow('a'))
    expect(await invoke(handler, tokenB)).toEqual(allow('b'))
  })

  it('works without prefetch: the first invocation fetches', async () => {
    setTokens({ a: tokenA })
    const handler = build({ cacheExpiry: 60_000, disablePrefetch: true })
    expect(getParametersCalls()).toBe(0)
    expect(await invoke(handler, tokenA)).toEqual(allow('a'))
    expect(await invoke(handler, tokenA)).toEqual(allow('a'))
    expect(getParametersCalls()).toBe(1)
  })

  it('accepts a value @middy/ssm leaves as a string (it parses only values starting with { [ ")', async () => {
    store.set(parameterName, { Type: 'SecureString', Value: `  ${JSON.stringify({ a: tokenA })}\n` })
    const handler = build({ cacheExpiry: 60_000 })
    expect(await invoke(handler, tokenA)).toEqual(allow('a'))
  })

  it.each([
    ['{}', /holds no tokens/],
    ['[]', /plain object/],
    [`{"a": "${tokenA}", "b": ""}`, /entry 2 of 2/],
    [`{"a": "${tokenA}", "b": 1}`, /entry 2 of 2/],
    [`{"a": "${tokenA}"`, /not valid JSON/],
    [tokenA, /not valid JSON/],
  ])('answers 500 (configuration error), not 401, when the parameter holds %s', async (value, message) => {
    store.set(parameterName, { Type: 'SecureString', Value: value })
    const handler = build({ cacheExpiry: 60_000 })
    for (const candidate of [tokenA, 'test-token-not-secret-unknown']) {
      const error = await rejection(invoke(handler, candidate))
      expect(error).toBeInstanceOf(TokenAuthorizerConfigError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('test-token-')
    }
  })

  it('answers 500, not 401, for a StringList parameter (middy splits it into an array)', async () => {
    store.set(parameterName, { Type: 'StringList', Value: `${tokenA},${tokenB}` })
    const handler = build({ cacheExpiry: 60_000 })
    const error = await rejection(invoke(handler, tokenA))
    expect(error).toBeInstanceOf(TokenAuthorizerConfigError)
    expect((error as Error).message).not.toContain('test-token-')
  })

  it('answers 500, not 401, when the parameter does not exist or SSM fails', async () => {
    const missing = build({ cacheExpiry: 60_000 })
    const missingError = await rejection(invoke(missing, tokenA))
    expect((missingError as Error).message).not.toBe('Unauthorized')

    setTokens({ a: tokenA })
    failures = 1
    const failing = build({ cacheExpiry: 60_000 })
    const failingError = await rejection(invoke(failing, tokenA))
    expect((failingError as Error).message).not.toBe('Unauthorized')
  })

  it('recovers after a failed fetch once SSM answers again', async () => {
    setTokens({ a: tokenA })
    failures = 1
    const handler = build({ cacheExpiry: 60_000 })
    const error = await rejection(invoke(handler, tokenA))
    expect((error as Error).message).not.toBe('Unauthorized')
    expect(await invoke(handler, tokenA)).toEqual(allow('a'))
    expect(getParametersCalls()).toBe(2)
  })
})

// middy's own convention: @middy/ssm without setToContext leaves the value (a promise until fetched) in
// request.internal under the fetchData key as written, and the authorizer reads it there.
// Its own parameter: @middy/ssm's refresh timers from the real-clock tests above keep fetching theirs.
const internalParameter = '/cubewalk/test/authorizer-tokens-internal'
const setInternalTokens = (map: Record<string, string>) => {
  store.set(internalParameter, { Type: 'SecureString', Value: JSON.stringify(map) })
}
const internalFetches = () =>
  ssmMock
    .commandCalls(GetParametersCommand)
    .filter((call) => call.args[0].input.Names?.includes(internalParameter)).length

const buildInternal = (ssmOptions: { cacheExpiry: number; disablePrefetch?: boolean }, key = 'auth-tokens') =>
  middy()
    .use(
      ssm({
        fetchData: { [key]: internalParameter },
        cacheKey: `token-authorizer-internal-test-${randomUUID()}`,
        awsClientOptions: { region: 'eu-west-1' },
        ...ssmOptions,
      }),
    )
    .use(tokenAuthorizer({ tokensFromInternal: key }))

const invokeWith = async (
  handler: ReturnType<typeof buildInternal>,
  authorizationToken: string,
  context: Record<string, unknown> = {},
): Promise<unknown> => handler({ type: 'TOKEN', authorizationToken, methodArn } as never, context as never)

describe('tokenAuthorizer reading request.internal after @middy/ssm (no setToContext)', () => {
  it('uses the prefetched value under the fetchData key as written, and leaves the context alone', async () => {
    setInternalTokens({ a: tokenA })
    const handler = buildInternal({ cacheExpiry: 60_000 })
    expect(internalFetches()).toBe(1)
    const context: Record<string, unknown> = {}
    expect(await invokeWith(handler, tokenA, context)).toEqual(allow('a'))
    await expectUnauthorized(invokeWith(handler, tokenB, context))
    expect(Object.keys(context)).toEqual([])
    for (let i = 0; i < 5; i++) expect(await invokeWith(handler, tokenA)).toEqual(allow('a'))
    expect(internalFetches()).toBe(1)
  })

  it('waits for the first fetch without prefetch', async () => {
    setInternalTokens({ a: tokenA })
    const handler = buildInternal({ cacheExpiry: 60_000, disablePrefetch: true })
    expect(internalFetches()).toBe(0)
    expect(await invokeWith(handler, tokenA)).toEqual(allow('a'))
    expect(internalFetches()).toBe(1)
  })

  it('rotates after the TTL: the new token is accepted, the old one refused (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] })
    setInternalTokens({ a: tokenA })
    const handler = buildInternal({ cacheExpiry: 50 })
    expect(await invokeWith(handler, tokenA)).toEqual(allow('a'))
    setInternalTokens({ b: tokenB })
    await vi.advanceTimersByTimeAsync(40)
    expect(await invokeWith(handler, tokenA)).toEqual(allow('a'))
    await vi.advanceTimersByTimeAsync(20)
    expect(internalFetches()).toBe(2)
    expect(await invokeWith(handler, tokenB)).toEqual(allow('b'))
    await expectUnauthorized(invokeWith(handler, tokenA))
  })

  it('answers 500, not 401, when the fetch fails, and recovers once SSM answers again', async () => {
    setInternalTokens({ a: tokenA })
    failing = { name: internalParameter, times: 1 }
    const handler = buildInternal({ cacheExpiry: 60_000 })
    const error = await rejection(invokeWith(handler, tokenA))
    expect((error as Error).message).not.toBe('Unauthorized')
    expect((error as Error).name).toBe('ThrottlingException')
    expect(await invokeWith(handler, tokenA)).toEqual(allow('a'))
    expect(internalFetches()).toBe(2)
  })

  it('answers 500 (configuration error) for an invalid map or a missing parameter, naming request.internal', async () => {
    store.set(internalParameter, { Type: 'SecureString', Value: '{}' })
    const empty = await rejection(invokeWith(buildInternal({ cacheExpiry: 60_000 }), tokenA))
    expect(empty).toBeInstanceOf(TokenAuthorizerConfigError)
    expect((empty as Error).message).toMatch(/request\.internal\.auth-tokens holds no tokens/)

    store.clear()
    const missing = await rejection(invokeWith(buildInternal({ cacheExpiry: 60_000 }), tokenA))
    expect((missing as Error).message).not.toBe('Unauthorized')
  })
})
