// The template side of the runner: intrinsic functions, the model built from a cloud assembly, routing
// and the execute-api policy evaluation.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  arnMatches,
  evaluatePolicy,
  MalformedPolicyError,
  parsePolicy,
} from '../src/gateway/execute-api-policy.js'
import { matchResource } from '../src/gateway/resource-match.js'
import { buildApiModel, type ResourceNode } from '../src/template/api-model.js'
import { loadStack } from '../src/template/cloud-assembly.js'
import { IntrinsicResolver } from '../src/template/intrinsics.js'
import { DEFAULT_IDENTITY } from '../src/template/template-types.js'
import {
  FIXTURE_STACK,
  type FixtureAssembly,
  TOKENS_PARAMETER,
  writeFixtureAssembly,
} from './fixture-assembly.js'

describe('IntrinsicResolver', () => {
  const template = {
    Parameters: { Env: { Type: 'String', Default: 'dev' } },
    Conditions: { IsDev: { 'Fn::Equals': [{ Ref: 'Env' }, 'dev'] } },
    Mappings: { Sizes: { dev: { Memory: 256 } } },
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'named-fn' } },
      Anon: { Type: 'AWS::Lambda::Function', Properties: {} },
      Param: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/a/b', Type: 'String', Value: 'v' } },
      Group: { Type: 'AWS::ElastiCache::ReplicationGroup', Properties: {} },
    },
  }
  const resolver = new IntrinsicResolver(template, 'Stack', DEFAULT_IDENTITY, {
    'AWS::ElastiCache::ReplicationGroup.PrimaryEndPoint.Address': '127.0.0.1',
  })

  it('resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and Fn::Split', () => {
    expect(resolver.resolve({ Ref: 'Fn' })).toBe('named-fn')
    expect(resolver.resolve({ Ref: 'Anon' })).toBe('Stack-Anon')
    expect(resolver.resolve({ Ref: 'Param' })).toBe('/a/b')
    expect(resolver.resolve({ Ref: 'Env' })).toBe('dev')
    expect(resolver.resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] })).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:named-fn',
    )
    expect(resolver.resolve({ 'Fn::GetAtt': 'Group.PrimaryEndPoint.Address' })).toBe('127.0.0.1')
    expect(resolver.resolve({ 'Fn::Join': ['-', ['a', { Ref: 'AWS::Region' }]] })).toBe('a-us-east-1')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
    expect(resolver.resolve({ 'Fn::Sub': '${AWS::AccountId}/${Fn.Arn}/${!Literal}' })).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      '123456789012/arn:aws:lambda:us-east-1:123456789012:function:named-fn/${Literal}',
    )
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
    expect(resolver.resolve({ 'Fn::Sub': ['x-${Name}', { Name: { Ref: 'Env' } }] })).toBe('x-dev')
    expect(
      resolver.resolve({ 'Fn::Select': [3, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Fn', 'Arn'] }] }] }),
    ).toBe('us-east-1')
  })

  it('evaluates conditions, Fn::If, Fn::FindInMap and removes AWS::NoValue', () => {
    expect(resolver.resolve({ 'Fn::If': ['IsDev', 'yes', 'no'] })).toBe('yes')
    expect(resolver.resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Memory'] })).toBe(256)
    expect(resolver.resolve({ a: { Ref: 'AWS::NoValue' }, b: [1, { Ref: 'AWS::NoValue' }, 2] })).toEqual({
      b: [1, 2],
    })
  })

  it('falls back to a visible placeholder for attributes it cannot know', () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Param', 'Nonsense'] })).toBe('Param.Nonsense')
    expect(resolver.placeholders.has('Param.Nonsense')).toBe(true)
  })
})

describe('buildApiModel on a cloud assembly', () => {
  let assembly: FixtureAssembly
  beforeAll(() => {
    assembly = writeFixtureAssembly()
  })
  afterAll(() => assembly.remove())

  it('reads functions, resources, methods, authorizers, gateway responses and stages from the template', () => {
    const stack = loadStack(assembly.dir)
    expect(stack.stackName).toBe(FIXTURE_STACK)
    const resolver = new IntrinsicResolver(stack.template, stack.stackName, DEFAULT_IDENTITY)
    const model = buildApiModel(stack, resolver)
    const auth = model.functions.get('AuthFn')
    expect(auth).toMatchObject({
      name: 'FixtureStack-AuthFn',
      timeoutSeconds: 1,
      memoryMb: 128,
      logFormat: 'JSON',
    })
    expect(auth?.environment.TOKENS_PARAMETER_NAME).toBe(TOKENS_PARAMETER)
    expect(auth?.codeDir).toMatch(/asset\.a1a1/)
    expect(model.functions.get('CappedFn')?.reservedConcurrency).toBe(2)

    const api = model.apis.find((a) => a.logicalId === 'Api')
    expect(api?.stages.map((s) => s.name)).toEqual(['prod'])
    const tok = api?.authorizers.get('Tok')
    expect(tok).toMatchObject({
      type: 'TOKEN',
      identitySources: ['method.request.header.token'],
      validationExpression: '^[a-z0-9-]{6,64}$',
      ttlSeconds: 300,
      functionLogicalId: 'AuthFn',
    })
    expect([...(api?.gatewayResponses.keys() ?? [])]).toContain('UNAUTHORIZED')
    const match = api ? matchResource(api.root, '/cubewalkblocks/w/chunks/1,2,3') : undefined
    expect(match?.node.path).toBe('/cubewalkblocks/{world}/chunks/{coords}')
    const put = match?.node.methods.get('PUT')
    expect(put).toMatchObject({ authorizationType: 'CUSTOM', authorizerLogicalId: 'Tok' })
    expect(put?.integration).toMatchObject({
      type: 'AWS_PROXY',
      functionLogicalId: 'EchoFn',
      timeoutMs: 29_000,
    })
    const slow = api ? matchResource(api.root, '/slow')?.node.methods.get('GET') : undefined
    expect(slow?.integration).toMatchObject({ timeoutMs: 300 })
    expect(model.apis.find((a) => a.logicalId === 'BareApi')?.stages.map((s) => s.name)).toEqual(['bare'])
  })
})

describe('matchResource', () => {
  const node = (path: string): ResourceNode => ({
    id: path,
    path,
    literal: new Map(),
    param: undefined,
    greedy: undefined,
    methods: new Map(),
  })
  const root = node('/')
  const items = node('/items')
  const item = node('/items/{id}')
  const special = node('/items/special')
  const rest = node('/{proxy+}')
  root.literal.set('items', items)
  items.param = { name: 'id', node: item }
  items.literal.set('special', special)
  root.greedy = { name: 'proxy', node: rest }

  it('prefers literals over parameters over greedy parameters', () => {
    expect(matchResource(root, '/items/special')?.node.path).toBe('/items/special')
    expect(matchResource(root, '/items/42')).toMatchObject({ node: item, pathParameters: { id: '42' } })
    expect(matchResource(root, '/items/42/more')).toMatchObject({
      node: rest,
      pathParameters: { proxy: 'items/42/more' },
    })
    expect(matchResource(root, '/')).toMatchObject({ node: root, pathParameters: null })
  })

  it('is case-sensitive and ignores one trailing slash', () => {
    expect(matchResource(root, '/Items/42')?.node.path).toBe('/{proxy+}')
    expect(matchResource(root, '/items/42/')?.node.path).toBe('/items/{id}')
  })
})

describe('execute-api policy evaluation', () => {
  const arn = 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/cubewalkblocks'
  const statement = (Effect: string, Resource: string | string[]) => ({
    Action: 'execute-api:Invoke',
    Effect,
    Resource,
  })

  it('matches IAM wildcards across slashes', () => {
    expect(arnMatches('arn:aws:execute-api:us-east-1:123456789012:abc/prod/*/*', arn)).toBe(true)
    expect(arnMatches('arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/cubewalkblock?', arn)).toBe(
      true,
    )
    expect(arnMatches('arn:aws:execute-api:us-east-1:123456789012:abc/dev/*', arn)).toBe(false)
  })

  it('explicit Deny beats Allow; no matching Allow is an implicit deny', () => {
    expect(evaluatePolicy(parsePolicy({ Statement: [statement('Allow', '*')] }), arn)).toBe('allow')
    expect(
      evaluatePolicy(
        parsePolicy({ Statement: [statement('Allow', '*'), statement('Deny', `${arn}*`)] }),
        arn,
      ),
    ).toBe('explicit-deny')
    expect(evaluatePolicy(parsePolicy({ Statement: statement('Allow', ['arn:other']) }), arn)).toBe(
      'implicit-deny',
    )
    expect(
      evaluatePolicy(
        parsePolicy({ Statement: [{ Action: 's3:GetObject', Effect: 'Allow', Resource: '*' }] }),
        arn,
      ),
    ).toBe('implicit-deny')
  })

  it('rejects malformed policies', () => {
    expect(() => parsePolicy(undefined)).toThrow(MalformedPolicyError)
    expect(() => parsePolicy({ Statement: [] })).toThrow(MalformedPolicyError)
    expect(() => parsePolicy({ Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] })).toThrow(
      MalformedPolicyError,
    )
    expect(() => parsePolicy({ Statement: [{ Effect: 'Allow', Resource: '*' }] })).toThrow(
      MalformedPolicyError,
    )
  })
})
