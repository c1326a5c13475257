// Properties: whatever arrives, the authorizer answers with an Allow for exactly a stored token or with exactly
// Error('Unauthorized'); and stageWideResource either throws or returns the stage of the ARN it was given.
import middy from '@middy/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stageWideResource, TokenAuthorizerConfigError, tokenAuthorizer } from '../src/token-authorizer.js'

const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/POST/lambda-token'
const resource = 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/*/*'

type Outcome = { kind: 'allow'; value: unknown } | { kind: 'error'; error: unknown }

const outcomeOf = async (promise: Promise<unknown>): Promise<Outcome> => {
  try {
    return { kind: 'allow', value: await promise }
  } catch (error) {
    return { kind: 'error', error }
  }
}

const isExactlyUnauthorized = (error: unknown): boolean =>
  error instanceof Error &&
  Object.getPrototypeOf(error) === Error.prototype &&
  error.message === 'Unauthorized' &&
  error.cause === undefined

// The name of the first entry whose token is exactly `candidate`, as the contract says.
const expectedName = (tokens: Record<string, string>, candidate: unknown): string | undefined =>
  Object.entries(tokens).find(([, token]) => token === candidate)?.[0]

const expectAllowOrUnauthorized = (outcome: Outcome, tokens: Record<string, string>, event: unknown) => {
  const e = event as { type?: unknown; authorizationToken?: unknown }
  const name = e.type === 'TOKEN' ? expectedName(tokens, e.authorizationToken) : undefined
  if (name === undefined) {
    expect(outcome.kind).toBe('error')
    expect(isExactlyUnauthorized((outcome as { error: unknown }).error)).toBe(true)
  } else {
    expect(outcome).toEqual({
      kind: 'allow',
      value: {
        principalId: name,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
        },
        context: { tokenName: name },
      },
    })
  }
}

const tokenText = fc.string({ minLength: 1, maxLength: 48, unit: 'grapheme' })
const tokenMaps = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), tokenText, {
  minKeys: 1,
  maxKeys: 8,
})

// Candidates close to the stored tokens are where a wrong comparison would show.
const candidateFor = (tokens: Record<string, string>) => {
  const stored = fc.constantFrom(...Object.values(tokens))
  return fc.oneof(
    stored,
    stored.map((token) => token.slice(0, -1)),
    fc
      .tuple(stored, fc.string({ minLength: 1, maxLength: 2, unit: 'binary' }))
      .map(([token, extra]) => token + extra),
    fc.tuple(fc.string({ minLength: 1, maxLength: 2 }), stored).map(([extra, token]) => extra + token),
    stored.map((token) => token.toUpperCase()),
    stored.map((token) => token.normalize('NFD')),
    stored.map((token) => `${token.slice(0, -1)}\uD800`),
    fc.string({ maxLength: 48, unit: 'binary' }),
    fc.constant(''),
  )
}

describe('tokenAuthorizer properties', () => {
  it('allows exactly the stored tokens and refuses everything else with Error("Unauthorized")', async () => {
    await fc.assert(
      fc.asyncProperty(
        tokenMaps.chain((tokens) => fc.tuple(fc.constant(tokens), candidateFor(tokens))),
        async ([tokens, candidate]) => {
          const handler = middy().use(tokenAuthorizer({ tokens }))
          const event = { type: 'TOKEN', authorizationToken: candidate, methodArn }
          expectAllowOrUnauthorized(await outcomeOf(handler(event as never, {} as never)), tokens, event)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('answers any event shape with a valid methodArn by Allow or Unauthorized only', async () => {
    const tokens = { game: 'test-token-not-secret-fuzz-1', tools: 'test-token-not-secret-fuzz-2' }
    const handler = middy().use(tokenAuthorizer({ tokens, context: { fuzz: true } }))
    const shapes = fc.oneof(
      fc.anything(),
      fc.record(
        {
          type: fc.oneof(fc.constant('TOKEN'), fc.constant('REQUEST'), fc.anything()),
          authorizationToken: fc.oneof(fc.constantFrom(...Object.values(tokens)), fc.anything()),
          methodArn: fc.constant(methodArn),
        },
        { requiredKeys: ['methodArn'] },
      ),
    )
    await fc.assert(
      fc.asyncProperty(shapes, async (event) => {
        const outcome = await outcomeOf(handler(event as never, {} as never))
        const e = event as { type?: unknown; authorizationToken?: unknown; methodArn?: unknown } | null
        const name =
          typeof e === 'object' && e !== null && e.type === 'TOKEN' && e.methodArn === methodArn
            ? expectedName(tokens, e.authorizationToken)
            : undefined
        if (name === undefined) {
          expect(outcome.kind).toBe('error')
          expect(isExactlyUnauthorized((outcome as { error: unknown }).error)).toBe(true)
        } else {
          expect(outcome.kind).toBe('allow')
          expect((outcome as { value: { principalId: string } }).value.principalId).toBe(name)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('gives the same answer through a token map read from the context (object or JSON string)', async () => {
    await fc.assert(
      fc.asyncProperty(
        tokenMaps.chain((tokens) => fc.tuple(fc.constant(tokens), candidateFor(tokens), fc.boolean())),
        async ([tokens, candidate, asJson]) => {
          const handler = middy().use(tokenAuthorizer({ tokensFromContext: 'tokens' }))
          const event = { type: 'TOKEN', authorizationToken: candidate, methodArn }
          const context = { tokens: asJson ? JSON.stringify(tokens) : tokens }
          expectAllowOrUnauthorized(await outcomeOf(handler(event as never, context as never)), tokens, event)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('stageWideResource properties', () => {
  const name = (chars: string, maxLength: number) =>
    fc.string({ minLength: 1, maxLength, unit: fc.constantFrom(...chars) })
  const lower = 'abcdefghijklmnopqrstuvwxyz'
  const alnum = `${lower}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`

  it('maps every well-formed methodArn to its own stage, whatever the method and path', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('aws', 'aws-cn', 'aws-us-gov'),
        fc.tuple(name(lower, 4), name(lower, 9), fc.integer({ min: 1, max: 9 })),
        fc.stringMatching(/^\d{12}$/),
        name(alnum, 10),
        name(`${alnum}_-`, 20),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
        fc.array(
          fc.string({ maxLength: 12 }).map((segment) => segment.replace(/[\r\n]/g, '')),
          { maxLength: 6 },
        ),
        (partition, [area, direction, index], account, apiId, stage, method, path) => {
          const region = `${area.padEnd(2, 'x')}-${direction}-${index}`
          const arn = `arn:${partition}:execute-api:${region}:${account}:${apiId}/${stage}/${method}/${path.join('/')}`
          expect(stageWideResource(arn)).toBe(
            `arn:${partition}:execute-api:${region}:${account}:${apiId}/${stage}/*/*`,
          )
        },
      ),
      { numRuns: 300 },
    )
  })

  it('either throws a configuration error or returns the stage prefix of its input', () => {
    const arnLike = fc.oneof(
      fc.string({ maxLength: 120, unit: 'binary' }),
      fc
        .tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
        .map(([a, b, c]) => `arn:aws:execute-api:eu-west-1:123456789012:${a}/${b}/${c}`),
      fc
        .tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }))
        .map(([region, account]) => `arn:aws:execute-api:${region}:${account}:abc/prod/GET/x`),
    )
    fc.assert(
      fc.property(arnLike, (arn) => {
        let result: string | undefined
        try {
          result = stageWideResource(arn)
        } catch (error) {
          expect(error).toBeInstanceOf(TokenAuthorizerConfigError)
          expect((error as Error).message).not.toBe('Unauthorized')
          return
        }
        expect(result).toMatch(
          /^arn:[a-z-]+:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+\/[A-Za-z0-9_-]+\/\*\/\*$/,
        )
        const stagePrefix = result.slice(0, -'*/*'.length)
        expect(arn.startsWith(stagePrefix)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })
})
