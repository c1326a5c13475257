// The method ARN shapes stageWideResource accepts beyond the everyday one: a region numbered past 9 (AWS numbers
// them per area, e.g. ap-southeast-7 already exists) and a method ARN that ends at the method, without a path;
// what it says about a value that is no method ARN; the context values the authorizer accepts.
import { describe, expect, it } from 'vitest'
import { checkAuthorizerContext } from '../src/token-authorizer/authorizer-context.js'
import { TokenAuthorizerConfigError } from '../src/token-authorizer/configuration-error.js'
import { stageWideResource } from '../src/token-authorizer.js'

describe('stageWideResource: less common method ARNs', () => {
  it('accepts a region number of two digits', () => {
    expect(
      stageWideResource('arn:aws:execute-api:ap-southeast-12:123456789012:abcdef1234/prod/GET/blocks'),
    ).toBe('arn:aws:execute-api:ap-southeast-12:123456789012:abcdef1234/prod/*/*')
  })

  it('accepts a method ARN without a resource path', () => {
    expect(stageWideResource('arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/*',
    )
  })
})

describe('stageWideResource: what it says about a value that is no method ARN', () => {
  it('names the type of a non-string, and null as null', () => {
    expect(() => stageWideResource(42 as unknown as string)).toThrow(/, got a value of type number$/)
    expect(() => stageWideResource(null as unknown as string)).toThrow(/, got a value of type null$/)
  })

  it('quotes a string as JSON, cut at 256 characters', () => {
    const arn = `arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/*/GET/${'x'.repeat(300)}`
    expect(() => stageWideResource('not an arn')).toThrow(/, got "not an arn"$/)
    expect(() => stageWideResource(arn)).toThrow(`, got ${JSON.stringify(arn.slice(0, 256))}`)
  })

  it('throws a TokenAuthorizerConfigError that names itself and the package', () => {
    let thrown: unknown
    try {
      stageWideResource('not an arn')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TokenAuthorizerConfigError)
    expect(thrown).toMatchObject({
      name: 'TokenAuthorizerConfigError',
      cause: { package: '@cubewalk/middleware' },
    })
  })
})

describe('checkAuthorizerContext', () => {
  it('takes only an object of strings, finite numbers and booleans', () => {
    expect(checkAuthorizerContext({ a: 'x', b: 1, c: false }, 'context')).toEqual({ a: 'x', b: 1, c: false })
    for (const bad of [null, 'x', 7, ['a']]) {
      expect(() => checkAuthorizerContext(bad, 'context')).toThrow(/^context must be an object/)
    }
    for (const value of [Number.POSITIVE_INFINITY, Number.NaN, { nested: 1 }, null, undefined]) {
      expect(() => checkAuthorizerContext({ a: value }, 'context')).toThrow(TokenAuthorizerConfigError)
    }
  })
})
