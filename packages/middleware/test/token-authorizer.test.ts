// The TOKEN authorizer middleware through real middy: decisions, the stage-wide policy, options and failure modes.
import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import {
  stageWideResource,
  TokenAuthorizerConfigError,
  type TokenAuthorizerOptions,
  tokenAuthorizer,
} from '../src/token-authorizer.js'
import { expectUnauthorized, rejection } from './support/unauthorized.js'

// The recorded event of fixtures/apigw-rest/authorizer-token.json (a real API Gateway TOKEN
// authorizer event, published with Powertools for AWS Lambda), inlined so the test needs nothing outside the repo.
const fixture = {
  type: 'TOKEN',
  methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/POST/lambda-token',
  authorizationToken: 'Bearer foo',
} as const

const tokenGame = 'test-token-not-secret-game-1'
const tokenTools = 'test-token-not-secret-tools-2'
const tokenOld = 'test-token-not-secret-old-3'
const tokens = { game: tokenGame, tools: tokenTools, old: tokenOld }

const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'
const prodResource = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/*'

// A Lambda context is only read for `tokensFromContext`; a fresh object per call, as Lambda gives.
const authorizer = (options: TokenAuthorizerOptions, handler?: () => unknown) => {
  const wrapped = handler === undefined ? middy() : middy(handler)
  const fn = wrapped.use(tokenAuthorizer(options))
  return (event: unknown, context: Record<string, unknown> = {}): Promise<unknown> =>
    fn(event as never, context as never)
}

const tokenEvent = (authorizationToken: unknown) => arnEvent(authorizationToken, methodArn)

// No default for `arn`: an explicit `undefined` must reach the middleware as `undefined`.
const arnEvent = (authorizationToken: unknown, arn: unknown) => ({
  type: 'TOKEN',
  authorizationToken,
  methodArn: arn,
})

const expectConfigError = async (
  promise: Promise<unknown>,
  message?: RegExp,
): Promise<TokenAuthorizerConfigError> => {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(TokenAuthorizerConfigError)
  expect((error as Error).message).not.toBe('Unauthorized')
  if (message) expect((error as Error).message).toMatch(message)
  return error as TokenAuthorizerConfigError
}

const allow = (principalId: string, resource = prodResource, context: Record<string, unknown> = {}) => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
  },
  context: { tokenName: principalId, ...context },
})

describe('tokenAuthorizer decisions', () => {
  it('allows a known token with a stage-wide policy named after the token', async () => {
    const invoke = authorizer({ tokens })
    expect(await invoke(tokenEvent(tokenGame))).toEqual(allow('game'))
  })

  it('allows the recorded fixture event; the whole header value is the token, "Bearer " included', async () => {
    const invoke = authorizer({ tokens: { fixture: fixture.authorizationToken } })
    expect(await invoke(fixture)).toEqual(
      allow('fixture', 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/*/*'),
    )
    await expectUnauthorized(invoke({ ...fixture, authorizationToken: 'foo' }))
  })

  it('makes each live token name the principalId (rotation with several tokens)', async () => {
    const invoke = authorizer({ tokens })
    for (const [name, token] of Object.entries(tokens)) {
      expect(await invoke(tokenEvent(token))).toEqual(allow(name))
    }
  })

  it('refuses an unknown token and near misses of a known one', async () => {
    const invoke = authorizer({ tokens })
    for (const candidate of [
      'test-token-not-secret-unknown',
      tokenGame.slice(0, -1),
      `${tokenGame}1`,
      `${tokenGame} `,
      ` ${tokenGame}`,
      tokenGame.toUpperCase(),
      `Bearer ${tokenGame}`,
      `${tokenGame}\u0000`,
      'test-token-not-secret-game-\uD800',
    ]) {
      await expectUnauthorized(invoke(tokenEvent(candidate)))
    }
  })

  it('refuses an empty or missing token', async () => {
    const invoke = authorizer({ tokens })
    await expectUnauthorized(invoke(tokenEvent('')))
    await expectUnauthorized(invoke({ type: 'TOKEN', methodArn }))
    await expectUnauthorized(invoke(tokenEvent(undefined)))
    await expectUnauthorized(invoke(tokenEvent(null)))
    await expectUnauthorized(invoke(tokenEvent(42)))
    await expectUnauthorized(invoke(tokenEvent([tokenGame])))
  })

  it('refuses events that are not TOKEN authorizer events, even with a valid token', async () => {
    const invoke = authorizer({ tokens })
    await expectUnauthorized(invoke({ ...tokenEvent(tokenGame), type: 'REQUEST' }))
    await expectUnauthorized(invoke({ authorizationToken: tokenGame, methodArn }))
    await expectUnauthorized(invoke({ headers: { token: tokenGame }, methodArn, type: 'REQUEST' }))
    await expectUnauthorized(invoke(null))
    await expectUnauthorized(invoke(undefined))
    await expectUnauthorized(invoke(tokenGame))
  })

  it('lets the first name win when two names share a token', async () => {
    const invoke = authorizer({ tokens: { first: tokenGame, second: tokenGame } })
    expect(await invoke(tokenEvent(tokenGame))).toEqual(allow('first'))
  })

  it('returns a fresh result per call, so mutating one cannot leak into the next', async () => {
    const invoke = authorizer({ tokens, context: { tier: 'game' } })
    const first = (await invoke(tokenEvent(tokenGame))) as ReturnType<typeof allow>
    first.context.tokenName = 'tampered'
    first.policyDocument.Statement[0] = { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }
    expect(await invoke(tokenEvent(tokenGame))).toEqual(allow('game', prodResource, { tier: 'game' }))
  })
})

describe('tokenAuthorizer with middy', () => {
  it('answers from before: a given handler and later before-middlewares never run', async () => {
    const handler = vi.fn(() => 'from handler')
    const later = vi.fn()
    const fn = middy(handler).use(tokenAuthorizer({ tokens })).before(later)
    expect(await fn(tokenEvent(tokenGame) as never, {} as never)).toEqual(allow('game'))
    await expectUnauthorized(fn(tokenEvent('nope') as never, {} as never))
    expect(handler).not.toHaveBeenCalled()
    expect(later).not.toHaveBeenCalled()
  })

  it('lets an earlier onError see the Unauthorized error', async () => {
    const seen: unknown[] = []
    const fn = middy()
      .onError((request) => {
        seen.push(request.error)
      })
      .use(tokenAuthorizer({ tokens }))
    await expectUnauthorized(fn(tokenEvent('nope') as never, {} as never))
    expect(seen).toHaveLength(1)
  })
})

describe('pattern', () => {
  it('refuses a token that does not match, before comparing: even a stored token', async () => {
    const invoke = authorizer({
      tokens: { ok: 'test-token-ok', odd: 'odd token!' },
      pattern: /test-token-[a-z-]+/,
    })
    expect(await invoke(tokenEvent('test-token-ok'))).toEqual(allow('ok'))
    await expectUnauthorized(invoke(tokenEvent('odd token!')))
  })

  it('refuses before the token map is even read', async () => {
    // No map in the context is a configuration error, but only once a comparison is needed.
    const invoke = authorizer({ tokensFromContext: 'tokens', pattern: '[a-z-]+' })
    await expectUnauthorized(invoke(tokenEvent('NOT MATCHING')))
    await expectConfigError(invoke(tokenEvent('matching-but-no-map')), /context\.tokens is not set/)
  })

  it('uses full-match semantics, also for unanchored patterns and the m flag', async () => {
    const invoke = authorizer({ tokens: { t: 'abc', u: 'xabcx', v: 'abc\nabc' }, pattern: /abc/m })
    expect(await invoke(tokenEvent('abc'))).toEqual(allow('t'))
    await expectUnauthorized(invoke(tokenEvent('xabcx')))
    await expectUnauthorized(invoke(tokenEvent('abc\nabc')))
  })

  it('anchors every alternative, not just the first and last', async () => {
    const invoke = authorizer({ tokens: { a: 'a', ab: 'ab', bc: 'bc' }, pattern: 'a|b' })
    expect(await invoke(tokenEvent('a'))).toEqual(allow('a'))
    await expectUnauthorized(invoke(tokenEvent('ab')))
    await expectUnauthorized(invoke(tokenEvent('bc')))
  })

  it('is not stateful with the g or y flag', async () => {
    const invoke = authorizer({ tokens: { t: 'test-token-a' }, pattern: /test-token-a/gy })
    for (let i = 0; i < 3; i++) expect(await invoke(tokenEvent('test-token-a'))).toEqual(allow('t'))
  })

  it('keeps the i flag', async () => {
    const invoke = authorizer({ tokens: { t: 'TEST-token' }, pattern: /test-token/i })
    expect(await invoke(tokenEvent('TEST-token'))).toEqual(allow('t'))
  })

  it('rejects an invalid string pattern at construction', () => {
    expect(() => tokenAuthorizer({ tokens, pattern: '(' })).toThrow(TokenAuthorizerConfigError)
    expect(() => tokenAuthorizer({ tokens, pattern: 'a)|(b' })).toThrow(TokenAuthorizerConfigError)
  })
})

describe('stageWideResource', () => {
  it.each([
    [fixture.methodArn, 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/*/*'],
    [
      'arn:aws:execute-api:us-east-1:210987654321:a1b2c3d4e5/dev/PUT/cubewalkblocks/world-1/chunks/-3,0,17',
      'arn:aws:execute-api:us-east-1:210987654321:a1b2c3d4e5/dev/*/*',
    ],
    [
      'arn:aws:execute-api:ap-southeast-2:000000000000:zz9zz9zz9z/v2_beta/PATCH/a/b/c/d/e',
      'arn:aws:execute-api:ap-southeast-2:000000000000:zz9zz9zz9z/v2_beta/*/*',
    ],
    [
      'arn:aws:execute-api:eu-central-1:123456789012:puhdx84jy9/test-invoke-stage/GET/',
      'arn:aws:execute-api:eu-central-1:123456789012:puhdx84jy9/test-invoke-stage/*/*',
    ],
    [
      'arn:aws:execute-api:us-gov-west-1:123456789012:abcdef1234/prod/DELETE/cubewalkblocks/w/chunks/1,2,3',
      'arn:aws:execute-api:us-gov-west-1:123456789012:abcdef1234/prod/*/*',
    ],
    [
      'arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef1234/prod/GET/cubewalkblocks',
      'arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef1234/prod/*/*',
    ],
    [
      'arn:aws-us-gov:execute-api:us-gov-east-1:123456789012:abcdef1234/Prod-2/OPTIONS/x',
      'arn:aws-us-gov:execute-api:us-gov-east-1:123456789012:abcdef1234/Prod-2/*/*',
    ],
  ])('%s → %s', async (arn, resource) => {
    expect(stageWideResource(arn)).toBe(resource)
    const invoke = authorizer({ tokens })
    expect(await invoke(arnEvent(tokenGame, arn))).toEqual(allow('game', resource))
  })

  it('follows the methodArn of each call when several stages share a warm authorizer', async () => {
    const invoke = authorizer({ tokens })
    const dev = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/POST/x'
    const devResource = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/*/*'
    expect(await invoke(arnEvent(tokenGame, methodArn))).toEqual(allow('game', prodResource))
    expect(await invoke(arnEvent(tokenGame, dev))).toEqual(allow('game', devResource))
    expect(await invoke(arnEvent(tokenGame, methodArn))).toEqual(allow('game', prodResource))
  })

  const malformed: unknown[] = [
    '',
    'not-an-arn',
    'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234',
    'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod',
    'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/',
    'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234//GET/x',
    'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/*/GET/x',
    'arn:aws:execute-api:eu-west-1:123456789012:*/prod/GET/x',
    'arn:aws:execute-api:*:123456789012:abcdef1234/prod/GET/x',
    'arn:aws:execute-api:eu-west-1:*:abcdef1234/prod/GET/x',
    'arn:aws:execute-api:eu-west-1:12345678901:abcdef1234/prod/GET/x',
    'arn:aws:execute-api:eu-west-1::abcdef1234/prod/GET/x',
    'arn:aws:lambda:eu-west-1:123456789012:function:authorizer',
    'arn:*:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/x',
    ' arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/x',
    'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod\n/GET/x',
    'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/x\n',
    undefined,
    null,
    42,
    { methodArn },
  ]

  it.each(malformed)('throws a configuration error, never a policy, for %j', async (arn) => {
    expect(() => stageWideResource(arn as string)).toThrow(TokenAuthorizerConfigError)
    const invoke = authorizer({ tokens })
    await expectConfigError(invoke(arnEvent(tokenGame, arn)), /methodArn/)
  })

  it('still refuses a bad token with Unauthorized when methodArn is malformed', async () => {
    const invoke = authorizer({ tokens })
    await expectUnauthorized(invoke(arnEvent('nope', 'not-an-arn')))
  })

  it('does not reuse the previous resource when a later methodArn is missing', async () => {
    const invoke = authorizer({ tokens })
    expect(await invoke(tokenEvent(tokenGame))).toEqual(allow('game'))
    await expectConfigError(invoke(arnEvent(tokenGame, undefined)), /methodArn/)
    await expectConfigError(invoke({ type: 'TOKEN', authorizationToken: tokenGame }), /methodArn/)
  })
})

describe('context option', () => {
  it('adds static values beside tokenName', async () => {
    const invoke = authorizer({ tokens, context: { tier: 'game', maxChunks: 64, canWrite: true } })
    expect(await invoke(tokenEvent(tokenTools))).toEqual(
      allow('tools', prodResource, { tier: 'game', maxChunks: 64, canWrite: true }),
    )
  })

  it('calls a function with the token name', async () => {
    const context = vi.fn((tokenName: string) => ({ canWrite: tokenName !== 'old' }))
    const invoke = authorizer({ tokens, context })
    expect(await invoke(tokenEvent(tokenOld))).toEqual(allow('old', prodResource, { canWrite: false }))
    expect(await invoke(tokenEvent(tokenGame))).toEqual(allow('game', prodResource, { canWrite: true }))
    expect(context.mock.calls).toEqual([['old'], ['game']])
    await expectUnauthorized(invoke(tokenEvent('nope')))
    expect(context).toHaveBeenCalledTimes(2)
  })

  it.each([
    [{ tokenName: 'x' }, /reserved/],
    [{ principalId: 'x' }, /reserved/],
    [{ integrationLatency: 1 }, /reserved/],
    [{ nested: { a: 1 } }, /string, finite number or boolean/],
    [{ list: ['a'] }, /string, finite number or boolean/],
    [{ nothing: null }, /string, finite number or boolean/],
    [{ notANumber: Number.NaN }, /string, finite number or boolean/],
    [{ infinite: Number.POSITIVE_INFINITY }, /string, finite number or boolean/],
    [['a'], /must be an object/],
  ])('rejects %j at construction', (context, message) => {
    expect(() => tokenAuthorizer({ tokens, context: context as never })).toThrow(message)
    expect(() => tokenAuthorizer({ tokens, context: context as never })).toThrow(TokenAuthorizerConfigError)
  })

  it('rejects an invalid context from a function when it is used (500, not 401)', async () => {
    const invoke = authorizer({ tokens, context: () => ({ nested: {} }) as never })
    await expectConfigError(invoke(tokenEvent(tokenGame)), /options\.context\(\)\.nested/)
  })
})

describe('options', () => {
  it.each([
    [{}, /exactly one of/],
    [{ tokens, tokensFromContext: 'tokens' }, /exactly one of/],
    [{ tokens, tokensFromInternal: 'tokens' }, /exactly one of/],
    [{ tokensFromInternal: 'tokens', tokensFromContext: 'tokens' }, /exactly one of/],
    [{ tokensFromInternal: '' }, /tokensFromInternal/],
    [{ tokensFromInternal: 'config..tokens' }, /tokensFromInternal/],
    [{ tokensFromInternal: '.tokens' }, /tokensFromInternal/],
    [{ tokensFromInternal: 42 }, /tokensFromInternal/],
    [{ tokens, token: 'x' }, /unknown option "token" \(did you mean "tokens"\?\)/],
    [{ tokensFromContext: 'auth-tokens' }, /auth_tokens/],
    [{ tokensFromContext: '' }, /tokensFromContext/],
    [{ tokensFromContext: 42 }, /tokensFromContext/],
    [{ tokens: {} }, /holds no tokens/],
    [{ tokens: { a: '' } }, /entry 1 of 1 must be a non-empty string token, got an empty string/],
    [{ tokens: { a: 'test-token-not-secret-ok', b: 1 } }, /entry 2 of 2 .* got a number/],
    [{ tokens: { a: 'test-token-not-secret-ok', b: null } }, /entry 2 of 2 .* got null/],
    [{ tokens: { '': 'test-token-not-secret-ok' } }, /empty name/],
    [{ tokens: { a: 'test-token-\uDC00' } }, /lone UTF-16 surrogate/],
    [{ tokens: ['test-token-not-secret-ok'] }, /plain object .* got an array/],
    [{ tokens: new Map([['a', 'test-token-not-secret-ok']]) }, /plain object .* got an object/],
    [{ tokens: 'test-token-not-secret-ok' }, /not valid JSON/],
    [{ pattern: 42, tokens }, /RegExp or a string/],
  ])('rejects %j at construction with a configuration error', (options, message) => {
    let error: unknown
    try {
      tokenAuthorizer(options as TokenAuthorizerOptions)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TokenAuthorizerConfigError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('test-token-')
  })

  it('accepts the static map as a JSON string too', async () => {
    const invoke = authorizer({ tokens: JSON.stringify(tokens) as never })
    expect(await invoke(tokenEvent(tokenTools))).toEqual(allow('tools'))
  })

  it('copies a static map at construction; later changes to the object do not count', async () => {
    const mutable: Record<string, string> = { game: tokenGame }
    const invoke = authorizer({ tokens: mutable })
    mutable.game = 'test-token-not-secret-changed'
    mutable.late = tokenTools
    expect(await invoke(tokenEvent(tokenGame))).toEqual(allow('game'))
    await expectUnauthorized(invoke(tokenEvent('test-token-not-secret-changed')))
    await expectUnauthorized(invoke(tokenEvent(tokenTools)))
  })
})

describe('tokensFromContext', () => {
  it('reads a parsed map from the context key', async () => {
    const invoke = authorizer({ tokensFromContext: 'tokens' })
    expect(await invoke(tokenEvent(tokenTools), { tokens })).toEqual(allow('tools'))
    await expectUnauthorized(invoke(tokenEvent('nope'), { tokens }))
  })

  it('reads a JSON string from the context key', async () => {
    const invoke = authorizer({ tokensFromContext: 'authTokens' })
    expect(await invoke(tokenEvent(tokenOld), { authTokens: JSON.stringify(tokens) })).toEqual(allow('old'))
  })

  it('uses the new map as soon as the context holds a different value (rotation)', async () => {
    const invoke = authorizer({ tokensFromContext: 'tokens' })
    const before = { a: tokenGame }
    const after = { b: tokenTools }
    expect(await invoke(tokenEvent(tokenGame), { tokens: before })).toEqual(allow('a'))
    await expectUnauthorized(invoke(tokenEvent(tokenGame), { tokens: after }))
    expect(await invoke(tokenEvent(tokenTools), { tokens: after })).toEqual(allow('b'))
    await expectUnauthorized(invoke(tokenEvent(tokenTools), { tokens: JSON.stringify(before) }))
  })

  it('computes digests once per value: the same object is not re-read on later calls', async () => {
    // Observable consequence of caching by identity; @middy/ssm hands over a new object after every refresh.
    const invoke = authorizer({ tokensFromContext: 'tokens' })
    const map: Record<string, string> = { a: tokenGame }
    expect(await invoke(tokenEvent(tokenGame), { tokens: map })).toEqual(allow('a'))
    map.a = tokenTools
    expect(await invoke(tokenEvent(tokenGame), { tokens: map })).toEqual(allow('a'))
    expect(await invoke(tokenEvent(tokenTools), { tokens: { ...map } })).toEqual(allow('a'))
  })

  it('is a configuration error (500), not a deny, when the context holds no map', async () => {
    const invoke = authorizer({ tokensFromContext: 'tokens' })
    await expectConfigError(invoke(tokenEvent(tokenGame)), /context\.tokens is not set.*@middy\/ssm/)
    await expectConfigError(invoke(tokenEvent(tokenGame), { other: tokens }), /context\.tokens is not set/)
  })

  it.each([
    [{}, /holds no tokens/],
    ['{}', /holds no tokens/],
    [[], /plain object/],
    ['[]', /plain object/],
    [null, /plain object .* got null/],
    [42, /plain object .* got a number/],
    [`{"a":"${tokenGame}",}`, /not valid JSON/],
    [`${tokenGame}`, /not valid JSON/],
    [`"${tokenGame}"`, /plain object .* got a string/],
    [{ a: tokenGame, b: '' }, /entry 2 of 2/],
    [{ a: tokenGame, b: 7 }, /entry 2 of 2/],
    [{ a: tokenGame, b: { token: tokenTools } }, /entry 2 of 2 .* got an object/],
    [Promise.resolve(tokens), /plain object .* got an object/],
  ])('is a configuration error for the invalid map %j, whatever the token', async (value, message) => {
    const invoke = authorizer({ tokensFromContext: 'tokens' })
    for (const candidate of [tokenGame, 'test-token-not-secret-unknown']) {
      const error = await expectConfigError(invoke(tokenEvent(candidate), { tokens: value }), message)
      expect(error.message).not.toContain('test-token-')
      expect(error.stack).not.toContain('test-token-')
      expect(JSON.stringify(error.cause)).not.toContain('test-token-')
    }
  })

  it('recovers once the context holds a valid map again', async () => {
    const invoke = authorizer({ tokensFromContext: 'tokens' })
    await expectConfigError(invoke(tokenEvent(tokenGame), { tokens: {} }))
    expect(await invoke(tokenEvent(tokenGame), { tokens })).toEqual(allow('game'))
  })
})

describe('tokensFromInternal', () => {
  const event = tokenEvent(tokenTools)
  // middy's request as the middleware sees it; `internal` is what @middy/ssm and its siblings fill.
  const request = (internal: Record<string, unknown>) =>
    ({ event, context: {}, internal, response: undefined, error: undefined }) as never
  const before = (options: TokenAuthorizerOptions) =>
    tokenAuthorizer(options).before as (request: never) => unknown

  it('awaits a pending value once, then answers synchronously while the same promise stays', async () => {
    const check = before({ tokensFromInternal: 'auth-tokens' })
    const fetched = Promise.resolve(JSON.stringify(tokens))
    const first = check(request({ 'auth-tokens': fetched }))
    expect(first).toBeInstanceOf(Promise)
    expect(await first).toEqual(allow('tools'))
    expect(check(request({ 'auth-tokens': fetched }))).toEqual(allow('tools'))
    // A new promise (the fetch after @middy/ssm's cache expired) is read again.
    const rotated = Promise.resolve({ next: tokenTools })
    expect(await check(request({ 'auth-tokens': rotated }))).toEqual(allow('next'))
  })

  it('reads a plain value and a dotted path into the resolved value, own properties only', async () => {
    expect(before({ tokensFromInternal: 'tokens' })(request({ tokens }))).toEqual(allow('tools'))
    const nested = before({ tokensFromInternal: 'config.auth.tokens' })
    expect(await nested(request({ config: Promise.resolve({ auth: { tokens } }) }))).toEqual(allow('tools'))
    await expectConfigError(
      Promise.resolve().then(() => nested(request({ config: Object.create({ auth: { tokens } }) }))),
      /request\.internal\.config\.auth\.tokens is not set/,
    )
  })

  it('is a configuration error (500) when nothing is there, naming the fetchData key to set', async () => {
    const invoke = authorizer({ tokensFromInternal: 'auth-tokens' })
    await expectConfigError(
      invoke(tokenEvent(tokenGame)),
      /request\.internal\.auth-tokens is not set: use @middy\/ssm with fetchData: \{ auth-tokens:/,
    )
  })

  it('passes a failed fetch on as it is (500), never as Unauthorized, and does not remember it', async () => {
    const check = before({ tokensFromInternal: 'tokens' })
    const failed = Promise.reject(new Error('ssm down'))
    await expect(check(request({ tokens: failed }))).rejects.toThrow('ssm down')
    expect(await check(request({ tokens: Promise.resolve(tokens) }))).toEqual(allow('tools'))
  })

  it('refuses an unknown token with exactly Unauthorized, while pending and once cached', async () => {
    const check = before({ tokensFromInternal: 'tokens' })
    const unknown = {
      event: tokenEvent('test-token-not-secret-unknown'),
      context: {},
      internal: { tokens: Promise.resolve(tokens) },
    } as never
    const pending = check(unknown)
    expect(pending).toBeInstanceOf(Promise)
    await expectUnauthorized(pending as Promise<unknown>)
    expect(() => check(unknown)).toThrow(/^Unauthorized$/)
  })
})
