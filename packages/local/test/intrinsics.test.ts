// The intrinsic functions and physical ids beyond the common ones template-model.test.ts covers: what CDK
// templates of other apps contain (aliases, versions, log groups, secrets, conditions, mappings), and the
// errors that name what the local runner cannot resolve instead of serving a wrong value.

import { describe, expect, it } from 'vitest'
import { IntrinsicResolver, UnresolvableError } from '../src/template/intrinsics.js'
import { type CfnTemplate, DEFAULT_IDENTITY } from '../src/template/template-types.js'

const template: CfnTemplate = {
  Parameters: {
    Stage: { Type: 'String', Default: 'beta' },
    Required: { Type: 'String' },
    Latest: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/app/version' },
  },
  Conditions: {
    IsBeta: { 'Fn::Equals': [{ Ref: 'Stage' }, 'beta'] },
    IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
    Broken: { 'Fn::Join': ['', ['not', 'boolean']] },
  },
  Mappings: { Regions: { 'us-east-1': { Short: 'use1' } } },
  Resources: {
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'orders' } },
    Live: {
      Type: 'AWS::Lambda::Alias',
      Properties: { FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Name: 'live' },
    },
    V1: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
    Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
    Role: { Type: 'AWS::IAM::Role', Properties: {} },
    Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    Cache: { Type: 'AWS::ElastiCache::ServerlessCache', Properties: {} },
    Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'db' } },
    Param: { Type: 'AWS::SSM::Parameter', Properties: { Value: 'v1' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
  },
}
const resolver = new IntrinsicResolver(template, 'Shop', DEFAULT_IDENTITY)
const arnPrefix = 'arn:aws:lambda:us-east-1:123456789012:function'

describe('IntrinsicResolver: physical ids and attributes', () => {
  it('gives aliases and versions the qualified ARNs Lambda gives them', () => {
    expect(resolver.resolve({ Ref: 'Live' })).toBe(`${arnPrefix}:orders:live`)
    expect(resolver.resolve({ Ref: 'V1' })).toBe(`${arnPrefix}:orders:1`)
  })

  it('names unnamed resources as CloudFormation does (stack-logicalId), and shapes ARNs by type', () => {
    expect(resolver.resolve({ Ref: 'Role' })).toBe('Shop-Role')
    expect(resolver.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe(
      'arn:aws:iam::123456789012:role/Shop-Role',
    )
    expect(resolver.resolve({ 'Fn::GetAtt': ['Logs', 'Arn'] })).toBe(
      'arn:aws:logs:us-east-1:123456789012:log-group:Shop-Logs:*',
    )
    expect(resolver.resolve({ Ref: 'Cache' })).toBe('cache')
    expect(resolver.resolve({ Ref: 'Secret' })).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:db-[0-9a-z]{6}$/,
    )
    expect(resolver.resolve({ 'Fn::GetAtt': ['Secret', 'Id'] })).toBe(resolver.resolve({ Ref: 'Secret' }))
    expect(resolver.resolve({ Ref: 'Queue' })).toMatch(/^Queue-[0-9a-z]{8}$/)
  })

  it('keeps ids stable: the same template gives the same ids on every start', () => {
    const again = new IntrinsicResolver(template, 'Shop', DEFAULT_IDENTITY)
    for (const logicalId of ['Api', 'Secret', 'Queue']) {
      expect(again.resolve({ Ref: logicalId })).toBe(resolver.resolve({ Ref: logicalId }))
    }
    expect(again.resolve({ 'Fn::GetAtt': ['Api', 'RootResourceId'] })).toBe(
      resolver.resolve({ 'Fn::GetAtt': ['Api', 'RootResourceId'] }),
    )
    expect(new IntrinsicResolver(template, 'Other', DEFAULT_IDENTITY).resolve({ Ref: 'Api' })).not.toBe(
      resolver.resolve({ Ref: 'Api' }),
    )
  })

  it("reads an SSM parameter's Type and Value from its properties", () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Param', 'Type'] })).toBe('String')
    expect(resolver.resolve({ 'Fn::GetAtt': ['Param', 'Value'] })).toBe('v1')
  })

  it('an attribute it cannot know becomes a visible placeholder, ARN-shaped when an ARN is asked for', () => {
    const own = new IntrinsicResolver(template, 'Shop', DEFAULT_IDENTITY)
    expect(own.resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe(
      'arn:aws:local:us-east-1:123456789012:Queue.Arn',
    )
    expect(own.resolve({ 'Fn::GetAtt': ['Queue', 'QueueUrl'] })).toBe('Queue.QueueUrl')
    expect([...own.placeholders]).toEqual(['Queue.Arn', 'Queue.QueueUrl'])
  })

  it('uses overrides by logical id before those by type', () => {
    const overridden = new IntrinsicResolver(template, 'Shop', DEFAULT_IDENTITY, {
      'AWS::SQS::Queue.QueueUrl': 'http://by-type',
      'Queue.QueueUrl': 'http://by-id',
    })
    expect(overridden.resolve({ 'Fn::GetAtt': ['Queue', 'QueueUrl'] })).toBe('http://by-id')
  })
})

describe('IntrinsicResolver: pseudo parameters, parameters and functions', () => {
  it('resolves the pseudo parameters', () => {
    expect(resolver.resolve({ Ref: 'AWS::Partition' })).toBe('aws')
    expect(resolver.resolve({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com')
    expect(resolver.resolve({ Ref: 'AWS::StackName' })).toBe('Shop')
    expect(resolver.resolve({ Ref: 'AWS::StackId' })).toMatch(
      /^arn:aws:cloudformation:us-east-1:123456789012:stack\/Shop\/[0-9a-z]{8}$/,
    )
    expect(resolver.resolve({ Ref: 'AWS::NotificationARNs' })).toEqual([])
  })

  it('an SSM-typed parameter resolves to a reference to its local parameter', () => {
    expect(resolver.resolve({ Ref: 'Latest' })).toBe('local-ssm:/app/version')
  })

  it('evaluates Fn::Not, Fn::And, Fn::Or and Condition', () => {
    expect(resolver.resolve({ 'Fn::Not': [{ Condition: 'IsProd' }] })).toBe(true)
    expect(resolver.resolve({ 'Fn::And': [{ Condition: 'IsBeta' }, { Condition: 'IsProd' }] })).toBe(false)
    expect(resolver.resolve({ 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsBeta' }] })).toBe(true)
    expect(resolver.resolve({ 'Fn::If': ['IsProd', 'big', 'small'] })).toBe('small')
  })

  it('resolves Fn::Base64, Fn::GetAZs, Fn::FindInMap, Fn::ImportValue, Fn::ToJsonString and Fn::Length', () => {
    expect(resolver.resolve({ 'Fn::Base64': { Ref: 'Stage' } })).toBe(Buffer.from('beta').toString('base64'))
    expect(resolver.resolve({ 'Fn::Select': [1, { 'Fn::GetAZs': '' }] })).toBe('us-east-1b')
    expect(resolver.resolve({ 'Fn::FindInMap': ['Regions', { Ref: 'AWS::Region' }, 'Short'] })).toBe('use1')
    expect(resolver.resolve({ 'Fn::ImportValue': 'SharedVpc' })).toBe('imported-SharedVpc')
    expect(resolver.resolve({ 'Fn::ToJsonString': { stage: { Ref: 'Stage' } } })).toBe('{"stage":"beta"}')
    expect(resolver.resolve({ 'Fn::Length': [1, { Ref: 'AWS::NoValue' }, 3] })).toBe(2)
  })

  it('resolveString accepts numbers and booleans as CloudFormation does, and refuses objects', () => {
    expect(resolver.resolveString(128, 'MemorySize')).toBe('128')
    expect(resolver.resolveString({ Condition: 'IsBeta' }, 'Flag')).toBe('true')
    expect(() => resolver.resolveString({ a: 1 }, 'Handler')).toThrow(
      new UnresolvableError('Handler did not resolve to a string: {"a":1}'),
    )
  })
})

describe('IntrinsicResolver: what it cannot resolve fails with the name of it', () => {
  it.each([
    [{ Ref: 'Missing' }, 'Ref to unknown resource or parameter "Missing"'],
    [{ 'Fn::GetAtt': ['Missing', 'Arn'] }, 'Fn::GetAtt on unknown resource "Missing"'],
    [{ Ref: 'Required' }, 'template parameter "Required" has no default; the local runner cannot ask for it'],
    [{ Condition: 'Nope' }, 'unknown condition "Nope"'],
    [{ Condition: 'Broken' }, 'condition did not evaluate to a boolean'],
    [
      { 'Fn::FindInMap': ['Regions', 'eu-west-1', 'Short'] },
      'Fn::FindInMap Regions/eu-west-1/Short not found',
    ],
    [{ 'Fn::Join': [',', 'not-a-list'] }, 'Fn::Join needs a list'],
    [{ 'Fn::Select': [0, 'not-a-list'] }, 'Fn::Select needs a list'],
  ])('%j', (value, message) => {
    expect(() => resolver.resolve(value)).toThrow(UnresolvableError)
    expect(() => resolver.resolve(value)).toThrow(message)
  })
})
