// The authorizer Lambda with real TOKEN events, through the real @middy/ssm (its SSM client mocked).
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { clearCache } from '@middy/util'
import type { Context } from 'aws-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthorizer } from '../src/authorizer/create-authorizer.js'
import { readAuthorizerConfig } from '../src/config.js'
import { lambdaContext, readFixture } from './support/events.js'

const parameterName = '/cubewalk-test/tokens'
const tokens = { alice: 'test-token-not-secret-1', rotated: 'test-token-not-secret-2' }
const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/GET/cubewalkblocks'
const ssm = mockClient(SSMClient)

const tokenEvent = (authorizationToken: string, arn = methodArn) => ({
  type: 'TOKEN' as const,
  authorizationToken,
  methodArn: arn,
})

const ssmAnswers = (value: unknown) =>
  ssm.on(GetParametersCommand).resolves({
    Parameters: [{ Name: parameterName, Type: 'SecureString', Value: JSON.stringify(value) }],
    InvalidParameters: [],
  })

let cacheKeys = 0
// Typed loosely: these tests also send events that are not TOKEN events.
type Authorizer = (event: unknown, context: Context) => Promise<unknown>
const authorizer = (env: Record<string, string> = {}): Authorizer =>
  createAuthorizer(readAuthorizerConfig({ TOKENS_PARAMETER_NAME: parameterName, ...env }), {
    cacheKey: `cubewalk-test-${++cacheKeys}`,
  }) as unknown as Authorizer

beforeEach(() => {
  ssm.reset()
  ssmAnswers(tokens)
})
afterEach(() => {
  clearCache()
  vi.useRealTimers()
})

describe('authorizer', () => {
  it('allows a known token for the whole stage, principalId = the token name', async () => {
    const result = await authorizer()(tokenEvent(tokens.alice), lambdaContext())
    expect(result).toEqual({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/*/*',
          },
        ],
      },
      context: { tokenName: 'alice' },
    })
    const [call] = ssm.commandCalls(GetParametersCommand)
    expect(call?.args[0].input).toEqual({ Names: [parameterName], WithDecryption: true })
  })

  it('accepts every named token, so one can be rotated without downtime', async () => {
    const handler = authorizer()
    expect(await handler(tokenEvent(tokens.rotated), lambdaContext())).toMatchObject({
      principalId: 'rotated',
    })
    expect(await handler(tokenEvent(tokens.alice), lambdaContext())).toMatchObject({ principalId: 'alice' })
  })

  it.each([
    ['an unknown token', tokenEvent('test-token-not-secret-3')],
    ['an empty token', tokenEvent('')],
    ['a token differing in the last character', tokenEvent(`${tokens.alice.slice(0, -1)}x`)],
    ['the recorded fixture (Bearer foo)', readFixture('authorizer-token.json')],
    ['a REQUEST-type event', { type: 'REQUEST', methodArn, headers: { token: tokens.alice } }],
  ])('throws exactly Unauthorized for %s', async (_name, event) => {
    const error = await authorizer()(event, lambdaContext()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('Unauthorized')
  })

  it('refuses tokens that do not fully match TOKEN_PATTERN', async () => {
    const handler = authorizer({ TOKEN_PATTERN: '^test-token-not-secret-1$' })
    expect(await handler(tokenEvent(tokens.alice), lambdaContext())).toMatchObject({ principalId: 'alice' })
    await expect(handler(tokenEvent(tokens.rotated), lambdaContext())).rejects.toThrow(/^Unauthorized$/)
  })

  it('fetches the tokens once per TTL (default 300 s), prefetching at cold start', async () => {
    const handler = authorizer()
    for (let i = 0; i < 5; i++) await handler(tokenEvent(tokens.alice), lambdaContext())
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1)
  })

  it('picks up a rotated token once the TTL expires', async () => {
    const handler = authorizer({ TOKENS_CACHE_TTL_SECONDS: '1' })
    await expect(handler(tokenEvent('test-token-not-secret-new'), lambdaContext())).rejects.toThrow(
      'Unauthorized',
    )
    ssmAnswers({ ...tokens, fresh: 'test-token-not-secret-new' })
    await new Promise((r) => setTimeout(r, 1100))
    expect(await handler(tokenEvent('test-token-not-secret-new'), lambdaContext())).toMatchObject({
      principalId: 'fresh',
    })
  })

  it('asks SSM on every call with TOKENS_CACHE_TTL_SECONDS=0', async () => {
    const handler = authorizer({ TOKENS_CACHE_TTL_SECONDS: '0' })
    for (let i = 0; i < 3; i++) await handler(tokenEvent(tokens.alice), lambdaContext())
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(3)
  })

  it('fails closed, not Unauthorized, when SSM fails (API Gateway answers 500), and retries next time', async () => {
    ssm.reset()
    ssm
      .on(GetParametersCommand)
      .rejectsOnce(new Error('ThrottlingException: Rate exceeded'))
      .resolves({
        Parameters: [{ Name: parameterName, Type: 'SecureString', Value: JSON.stringify(tokens) }],
      })
    const handler = authorizer()
    const error = await handler(tokenEvent(tokens.alice), lambdaContext()).catch((e: unknown) => e)
    expect((error as Error).message).not.toBe('Unauthorized')
    expect(await handler(tokenEvent(tokens.alice), lambdaContext())).toMatchObject({ principalId: 'alice' })
  })

  it('fails closed when the parameter does not exist', async () => {
    ssm.reset()
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: [parameterName] })
    const error = await authorizer()(tokenEvent(tokens.alice), lambdaContext()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).not.toBe('Unauthorized')
  })

  describe('revocation reaches a warm instance within seconds (TOKENS_REVALIDATE_AFTER_SECONDS)', () => {
    const reads = () => ssm.commandCalls(GetParametersCommand).length
    const later = (ms: number) => vi.setSystemTime(Date.now() + ms)
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] })
    })

    it('re-reads the parameter before allowing a token once its copy is older than 5 s, and refuses a removed one', async () => {
      const handler = authorizer()
      expect(await handler(tokenEvent(tokens.alice), lambdaContext())).toMatchObject({ principalId: 'alice' })
      expect(reads()).toBe(1)
      ssmAnswers({ rotated: tokens.rotated }) // alice revoked
      later(4_000)
      // Within the window the copy is trusted: no read, and the revoked token still passes.
      expect(await handler(tokenEvent(tokens.alice), lambdaContext())).toMatchObject({ principalId: 'alice' })
      expect(reads()).toBe(1)
      later(2_000)
      await expect(handler(tokenEvent(tokens.alice), lambdaContext())).rejects.toThrow(/^Unauthorized$/)
      expect(reads()).toBe(2)
      // The fresh copy serves the next calls.
      expect(await handler(tokenEvent(tokens.rotated), lambdaContext())).toMatchObject({
        principalId: 'rotated',
      })
      expect(reads()).toBe(2)
    })

    it('never reads SSM for an unknown token, however old the copy and however many arrive', async () => {
      const handler = authorizer()
      await handler(tokenEvent(tokens.alice), lambdaContext())
      later(60_000)
      for (let i = 0; i < 50; i++) {
        await expect(handler(tokenEvent(`test-token-not-secret-bad-${i}`), lambdaContext())).rejects.toThrow(
          /^Unauthorized$/,
        )
      }
      expect(reads()).toBe(1)
    })

    it('costs a kept token at most one read per 5 s', async () => {
      const handler = authorizer()
      for (let second = 0; second < 30; second++) {
        expect(await handler(tokenEvent(tokens.alice), lambdaContext())).toMatchObject({
          principalId: 'alice',
        })
        later(1_000)
      }
      // 30 s of allows: the cold-start read plus one per window that had passed.
      expect(reads()).toBeGreaterThanOrEqual(5)
      expect(reads()).toBeLessThanOrEqual(6)
    })

    it('fails closed (not Unauthorized) when the confirming read fails', async () => {
      const handler = authorizer()
      await handler(tokenEvent(tokens.alice), lambdaContext())
      ssm.reset()
      ssm.on(GetParametersCommand).rejects(new Error('ThrottlingException: Rate exceeded'))
      later(6_000)
      const error = await handler(tokenEvent(tokens.alice), lambdaContext()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).not.toBe('Unauthorized')
    })
  })

  it('never puts a token into an error or a log line', async () => {
    const logged: string[] = []
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi
        .spyOn(console, level)
        .mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' '))),
    )
    try {
      const handler = authorizer()
      await handler(tokenEvent(tokens.alice), lambdaContext())
      const error = await handler(tokenEvent('test-token-not-secret-wrong'), lambdaContext()).catch(
        (e: unknown) => e,
      )
      const text = `${logged.join('\n')}\n${String((error as Error).stack)}`
      for (const token of [...Object.values(tokens), 'test-token-not-secret-wrong'])
        expect(text).not.toContain(token)
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })
})
