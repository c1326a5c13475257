// Tokens are compared as SHA-256 digests of their UTF-8 bytes, and UTF-8 encoding turns every lone UTF-16
// surrogate into U+FFFD. So a stored token with a real U+FFFD must not be matched by a candidate that has a lone
// surrogate in its place, and a stored token with a lone surrogate is a configuration error, not a token that
// several strings open.
import middy from '@middy/core'
import { describe, expect, it } from 'vitest'
import { TokenAuthorizerConfigError, tokenAuthorizer } from '../src/token-authorizer.js'
import { expectUnauthorized } from './support/unauthorized.js'

const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'
const replacementToken = 'test-token-not-secret-\uFFFD'
const event = (authorizationToken: string) => ({ type: 'TOKEN', authorizationToken, methodArn })

const authorizer = (tokens: Record<string, string>) => {
  const lambda = middy().use(tokenAuthorizer({ tokens }))
  return (authorizationToken: string): Promise<unknown> =>
    lambda(event(authorizationToken) as never, {} as never)
}

describe('tokenAuthorizer: tokens and lone surrogates', () => {
  it('a stored U+FFFD is matched by itself only, never by a lone surrogate (high or low) in its place', async () => {
    const invoke = authorizer({ replacement: replacementToken })
    expect(await invoke(replacementToken)).toMatchObject({ principalId: 'replacement' })
    for (const lone of ['\uD800', '\uDBFF', '\uDC00', '\uDFFF']) {
      await expectUnauthorized(invoke(`test-token-not-secret-${lone}`))
    }
  })

  it('a stored token with a lone surrogate is a configuration error naming its position only', () => {
    for (const token of ['test-token-\uD800-x', 'test-token-x\uDC00']) {
      expect(() => tokenAuthorizer({ tokens: { ok: 'test-token-not-secret-ok', bad: token } })).toThrow(
        new TokenAuthorizerConfigError('options.tokens: entry 2 of 2 contains a lone UTF-16 surrogate'),
      )
    }
  })

  it('a well-formed surrogate pair is an ordinary token', async () => {
    const invoke = authorizer({ emoji: 'test-token-not-secret-\uD83D\uDE00' })
    expect(await invoke('test-token-not-secret-\uD83D\uDE00')).toMatchObject({ principalId: 'emoji' })
    await expectUnauthorized(invoke('test-token-not-secret-\uD83D'))
  })
})
