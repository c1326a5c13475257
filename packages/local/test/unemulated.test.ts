// What a stack may declare that the runner does not emulate (IAM and Cognito authorization, API keys, HTTP
// integrations, functions it cannot run, resources it cannot place): named in a warning at start, and each
// request answered as API Gateway answers a misconfigured or refused call, with the stack's gateway responses.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Runner, startRunner } from '../src/runner.js'
import { call } from '../src/testing/http-client.js'
import { type FixtureAssembly, fixtureTemplate, writeFixtureAssembly } from './fixture-assembly.js'

const ref = (id: string) => ({ Ref: id })
const root = { 'Fn::GetAtt': ['Api', 'RootResourceId'] }

function withUnemulated(): Record<string, unknown> {
  const template = fixtureTemplate() as { Resources: Record<string, unknown> }
  const echo = (template.Resources.EchoFn as { Properties: Record<string, unknown> }).Properties
  const resource = (part: string, parent: unknown = root) => ({
    Type: 'AWS::ApiGateway::Resource',
    Properties: { RestApiId: ref('Api'), ParentId: parent, PathPart: part },
  })
  const method = (resourceId: unknown, properties: Record<string, unknown>) => ({
    Type: 'AWS::ApiGateway::Method',
    Properties: { RestApiId: ref('Api'), ResourceId: resourceId, HttpMethod: 'GET', ...properties },
  })
  const proxyTo = (fn: string) => ({
    Type: 'AWS_PROXY',
    IntegrationHttpMethod: 'POST',
    Uri: {
      'Fn::Join': [
        '',
        [
          'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/',
          { 'Fn::GetAtt': [fn, 'Arn'] },
          '/invocations',
        ],
      ],
    },
  })
  const open = { AuthorizationType: 'NONE', Integration: proxyTo('EchoFn') }
  Object.assign(template.Resources, {
    PyFn: { Type: 'AWS::Lambda::Function', Properties: { ...echo, Runtime: 'python3.13' } },
    // Its code points at an asset hash the assembly does not hold.
    LostFn: {
      Type: 'AWS::Lambda::Function',
      Properties: { ...echo, Code: { S3Bucket: 'bucket', S3Key: `${'f0'.repeat(32)}.zip` } },
    },
    Cognito: {
      Type: 'AWS::ApiGateway::Authorizer',
      Properties: {
        RestApiId: ref('Api'),
        Name: 'Users',
        Type: 'COGNITO_USER_POOLS',
        ProviderARNs: ['arn:pool'],
      },
    },
    Foreign: {
      Type: 'AWS::ApiGateway::Authorizer',
      Properties: {
        RestApiId: ref('Api'),
        Type: 'TOKEN',
        IdentitySource: 'method.request.header.token',
        AuthorizerUri:
          'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:999999999999:function:elsewhere/invocations',
      },
    },
    Keyed: resource('keyed'),
    Iam: resource('iam'),
    Users: resource('users'),
    Ghost: resource('ghost'),
    Http: resource('http'),
    Python: resource('python'),
    Lost: resource('lost'),
    Mocked: resource('mocked'),
    Orphan: resource('orphan', 'no-such-parent'),
    KeyedGet: method(ref('Keyed'), { ...open, ApiKeyRequired: true }),
    IamGet: method(ref('Iam'), { ...open, AuthorizationType: 'AWS_IAM' }),
    UsersGet: method(ref('Users'), {
      ...open,
      AuthorizationType: 'COGNITO_USER_POOLS',
      AuthorizerId: ref('Cognito'),
    }),
    GhostGet: method(ref('Ghost'), {
      ...open,
      AuthorizationType: 'CUSTOM',
      AuthorizerId: 'deleted-authorizer',
    }),
    HttpGet: method(ref('Http'), {
      AuthorizationType: 'NONE',
      Integration: { Type: 'HTTP_PROXY', Uri: 'https://example.com' },
    }),
    PythonGet: method(ref('Python'), { AuthorizationType: 'NONE', Integration: proxyTo('PyFn') }),
    LostGet: method(ref('Lost'), { AuthorizationType: 'NONE', Integration: proxyTo('LostFn') }),
    MockedGet: method(ref('Mocked'), {
      AuthorizationType: 'NONE',
      Integration: {
        Type: 'MOCK',
        IntegrationResponses: [
          { StatusCode: '404', SelectionPattern: '4\\d{2}', ResponseTemplates: { 'text/plain': 'never' } },
          { StatusCode: '200', ResponseTemplates: { 'text/plain': 'pong' } },
        ],
      },
    }),
    StrayGet: method('a-resource-id-of-another-api', open),
  })
  return template
}

let assembly: FixtureAssembly
let runner: Runner
const logged: string[] = []
beforeAll(async () => {
  assembly = writeFixtureAssembly(withUnemulated())
  runner = await startRunner({
    assemblyDir: assembly.dir,
    port: 0,
    isolation: 'inline',
    functionOutput: 'ignore',
    log: (line) => logged.push(line),
  })
})
afterAll(async () => {
  await runner?.stop()
  assembly?.remove()
})

describe('what the runner does not emulate', () => {
  it('is named in a warning at start', () => {
    expect(logged).toEqual(
      expect.arrayContaining([
        'warning: resource Orphan has no reachable parent; not served',
        'warning: authorizer Cognito: Cognito authorizers are not emulated',
        expect.stringMatching(
          /^warning: authorizer Foreign calls arn:aws:apigateway:.*function:elsewhere\/invocations, which is not a function of this stack$/,
        ),
        'warning: method StrayGet is on an unknown resource; not served',
        'warning: method HttpGet (/http): HTTP_PROXY integration is not emulated',
        'warning: PyFn: runtime python3.13 cannot run locally',
        'warning: LostFn: no bundled asset found in the cloud assembly',
      ]),
    )
  })

  it.each([
    ['/keyed', 403, '{"message":"Forbidden"}'],
    // The stack's MISSING_AUTHENTICATION_TOKEN response, as an unsigned call to an IAM method gets on AWS.
    ['/iam', 403, '{"message":"no such route: GET /prod/iam"}'],
    ['/users', 401, '{"message":"Unauthorized"}'],
    ['/ghost', 500, '{"message":"authorizer error","type":"AUTHORIZER_CONFIGURATION_ERROR"}'],
    ['/http', 500, '{"message":"Internal server error"}'],
    ['/python', 500, '{"message":"Internal server error"}'],
    ['/lost', 500, '{"message":"Internal server error"}'],
  ])('GET %s answers %i %s', async (path, status, body) => {
    const res = await call(runner.origin, 'GET', `/prod${path}`)
    expect(res.status).toBe(status)
    expect(res.body.toString()).toBe(body)
    expect(res.headers['access-control-allow-origin']).toBe('*')
  })

  it('a MOCK integration answers with its default response and that template content type', async () => {
    const res = await call(runner.origin, 'GET', '/prod/mocked')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain')
    expect(res.body.toString()).toBe('pong')
  })
})
