// The method ARN shapes stageWideResource accepts beyond the everyday one: a region numbered past 9 (AWS numbers
// them per area, e.g. ap-southeast-7 already exists) and a method ARN that ends at the method, without a path.
import { describe, expect, it } from 'vitest'
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
