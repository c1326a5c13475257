// tokenAuthorizer's `metrics` option: one EMF line per refused or failed invocation, with the reason, nothing for
// an Allow, never a token; the same through Powertools Metrics, the other sink the option takes.
import { Metrics } from '@aws-lambda-powertools/metrics'
import middy from '@middy/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { emfMetrics } from '../src/metrics.js'
import {
  TokenAuthorizerConfigError,
  type TokenAuthorizerOptions,
  tokenAuthorizer,
} from '../src/token-authorizer.js'
import { collectLines, expectEmf } from './support/emf.js'
import { expectUnauthorized, rejection } from './support/unauthorized.js'

const tokenGame = 'test-token-not-secret-game-1'
const unknownToken = 'test-token-not-secret-unknown-9'
const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'
const event = (authorizationToken: unknown) => ({ type: 'TOKEN', authorizationToken, methodArn })

const withMetrics = (options: Omit<TokenAuthorizerOptions, 'metrics'>) => {
  const { lines, write } = collectLines()
  const metrics = emfMetrics({ namespace: 'Cubewalk', dimensions: { ApiId: 'abcdef1234' }, write })
  const fn = middy().use(tokenAuthorizer({ ...options, metrics }))
  const invoke = (e: unknown, context: Record<string, unknown> = {}) => fn(e as never, context as never)
  return { lines, invoke }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('tokenAuthorizer metrics', () => {
  it('counts each refusal once with its reason, one line per invocation; an Allow writes nothing', async () => {
    const { lines, invoke } = withMetrics({ tokens: { game: tokenGame }, pattern: /test-token-[a-z0-9-]+/ })
    await expect(invoke(event(tokenGame))).resolves.toMatchObject({ principalId: 'game' })
    expect(lines).toEqual([])

    await expectUnauthorized(invoke(event(unknownToken)))
    await expectUnauthorized(invoke(event('')))
    await expectUnauthorized(invoke({ type: 'REQUEST', authorizationToken: tokenGame, methodArn }))
    await expectUnauthorized(invoke(null))
    await expectUnauthorized(invoke(event('Not A Token!')))
    await expect(invoke(event(tokenGame))).resolves.toMatchObject({ principalId: 'game' })

    const parsed = lines.map(expectEmf)
    expect(parsed.map((line) => [line.Reason, line.TokenRefusals])).toEqual([
      ['UnknownToken', 1],
      ['MissingToken', 1],
      ['MissingToken', 1],
      ['MissingToken', 1],
      ['PatternMismatch', 1],
    ])
    for (const line of parsed) {
      expect(line._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: 'Cubewalk',
          Dimensions: [['ApiId', 'Reason']],
          Metrics: [{ Name: 'TokenRefusals', Unit: 'Count' }],
        },
      ])
    }
    const output = lines.join('\n')
    for (const secret of [tokenGame, unknownToken, 'Not A Token!']) expect(output).not.toContain(secret)
  })

  it('counts TokensUnavailable when the token map cannot be had: failed read, missing or malformed map', async () => {
    const failedRead = withMetrics({ tokensFromInternal: 'tokens' })
    const readFailure = Object.assign(new Error('AccessDeniedException'), { name: 'AccessDeniedException' })
    const internalFn = middy()
      .use({
        before: (request) => {
          // What @middy/ssm leaves in request.internal while its fetch fails: a rejecting promise.
          Object.assign(request.internal, { tokens: Promise.reject(readFailure) })
        },
      })
      .use(
        tokenAuthorizer({
          tokensFromInternal: 'tokens',
          metrics: emfMetrics({ namespace: 'Cubewalk', write: (l) => failedRead.lines.push(l) }),
        }),
      )
    expect(await rejection(internalFn(event(tokenGame) as never, {} as never))).toBe(readFailure)

    const missing = withMetrics({ tokensFromContext: 'tokens' })
    await expect(missing.invoke(event(tokenGame))).rejects.toThrow(TokenAuthorizerConfigError)
    const malformed = withMetrics({ tokensFromContext: 'tokens' })
    await expect(malformed.invoke(event(tokenGame), { tokens: '{not json' })).rejects.toThrow(
      TokenAuthorizerConfigError,
    )

    for (const { lines } of [failedRead, missing, malformed]) {
      expect(lines).toHaveLength(1)
      const line = expectEmf(lines[0] as string)
      expect(line.TokensUnavailable).toBe(1)
      expect(line).not.toHaveProperty('TokenRefusals')
      expect(line).not.toHaveProperty('Reason')
      expect(lines[0]).not.toContain(tokenGame)
    }
  })

  it('counts an error from an earlier middleware (a failed parameter fetch) as TokensUnavailable', async () => {
    const { lines, write } = collectLines()
    const fn = middy()
      .use({
        before: () => {
          throw new Error('SSM GetParameter failed')
        },
      })
      .use(
        tokenAuthorizer({
          tokensFromContext: 'tokens',
          metrics: emfMetrics({ namespace: 'Cubewalk', write }),
        }),
      )
    await expect(fn(event(tokenGame) as never, {} as never)).rejects.toThrow('SSM GetParameter failed')
    expect(lines.map(expectEmf).map((line) => line.TokensUnavailable)).toEqual([1])
  })

  it('takes a Powertools Metrics instance: the same one line, valid EMF, through its own writer', async () => {
    const written: string[] = []
    const metrics = new Metrics({ namespace: 'Cubewalk', serviceName: 'authorizer' })
    metrics.setDefaultDimensions({ ApiId: 'abcdef1234' })
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const fn = middy().use(tokenAuthorizer({ tokens: { game: tokenGame }, metrics }))
    await expect(fn(event(tokenGame) as never, {} as never)).resolves.toMatchObject({ principalId: 'game' })
    await expectUnauthorized(fn(event(unknownToken) as never, {} as never))
    vi.restoreAllMocks()

    // Nothing for the Allow, and no "No application metrics to publish" warning either.
    expect(warn).not.toHaveBeenCalled()
    expect(written).toHaveLength(1)
    const line = expectEmf(written[0] as string)
    expect(line).toMatchObject({
      ApiId: 'abcdef1234',
      Reason: 'UnknownToken',
      TokenRefusals: 1,
      service: 'authorizer',
    })
    expect(line._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'TokenRefusals', Unit: 'Count' }])
    expect(written[0]).not.toContain(unknownToken)
  })

  it.each([{}, { addMetric: () => {} }, 'Cubewalk', null])('refuses metrics: %j', (metrics) => {
    expect(() => tokenAuthorizer({ tokens: { game: tokenGame }, metrics: metrics as never })).toThrow(
      TokenAuthorizerConfigError,
    )
    expect(() => tokenAuthorizer({ tokens: { game: tokenGame }, metrics: metrics as never })).toThrow(
      /options\.metrics must have addMetric, addDimension and publishStoredMetrics/,
    )
  })
})
