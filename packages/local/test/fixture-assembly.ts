// A hand-written cloud assembly shaped like `cdk synth` output (manifest.json, <stack>.template.json,
// <stack>.assets.json, asset.<hash>/index.mjs) with intrinsics where CDK puts them, so the runner is tested
// against CloudFormation's format rather than against the real stack alone.

import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

export const FIXTURE_STACK = 'FixtureStack'
export const AUTHORIZER_ASSET = 'a1'.repeat(32)
export const ECHO_ASSET = 'e2'.repeat(32)
export const TOKENS_PARAMETER = '/Fixture/tokens'

const ref = (id: string) => ({ Ref: id })
const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] })
const join_ = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] })
const executeApiArn = (api: string, ...rest: unknown[]) =>
  join_(
    'arn:',
    ref('AWS::Partition'),
    ':execute-api:',
    ref('AWS::Region'),
    ':',
    ref('AWS::AccountId'),
    ':',
    ref(api),
    ...rest,
  )
const invocationUri = (fn: string) =>
  join_(
    'arn:',
    ref('AWS::Partition'),
    ':apigateway:',
    ref('AWS::Region'),
    ':lambda:path/2015-03-31/functions/',
    getAtt(fn, 'Arn'),
    '/invocations',
  )

function lambda(asset: string, props: Record<string, unknown> = {}) {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Code: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
        S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' },
        S3Key: `${asset}.zip`,
      },
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Role: getAtt('LambdaRole', 'Arn'),
      ...props,
    },
  }
}

function resource(api: string, parent: unknown, part: string) {
  return {
    Type: 'AWS::ApiGateway::Resource',
    Properties: { RestApiId: ref(api), ParentId: parent, PathPart: part },
  }
}

function proxyMethod(
  api: string,
  resourceId: unknown,
  method: string,
  fn: string,
  extra: Record<string, unknown> = {},
) {
  const { Integration: integrationExtra, ...rest } = extra as { Integration?: Record<string, unknown> }
  return {
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      RestApiId: ref(api),
      ResourceId: resourceId,
      HttpMethod: method,
      AuthorizationType: 'NONE',
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: invocationUri(fn),
        ...integrationExtra,
      },
      ...rest,
    },
  }
}

function permission(fn: string, sourceArn: unknown) {
  return {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(fn, 'Arn'),
      Principal: 'apigateway.amazonaws.com',
      SourceArn: sourceArn,
    },
  }
}

const cors = { 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" }
const messageTemplate = { 'application/json': '{"message":$context.error.messageString}' }

function gatewayResponse(type: string, templates: Record<string, string> = messageTemplate) {
  return {
    Type: 'AWS::ApiGateway::GatewayResponse',
    Properties: {
      RestApiId: ref('Api'),
      ResponseType: type,
      ResponseParameters: cors,
      ResponseTemplates: templates,
    },
  }
}

export function fixtureTemplate(): Record<string, unknown> {
  const root = getAtt('Api', 'RootResourceId')
  const custom = (authorizer: string) => ({ AuthorizationType: 'CUSTOM', AuthorizerId: ref(authorizer) })
  return {
    Parameters: {
      BootstrapVersion: {
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: '/cdk-bootstrap/hnb659fds/version',
      },
    },
    Resources: {
      LambdaRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
      Cache: {
        Type: 'AWS::ElastiCache::ReplicationGroup',
        Properties: {
          ReplicationGroupDescription: 'fixture',
          Engine: 'valkey',
          TransitEncryptionEnabled: true,
        },
      },
      PlainParam: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Name: '/Fixture/plain', Type: 'String', Value: 'plain-value' },
      },
      AuthFn: lambda(AUTHORIZER_ASSET, {
        Timeout: 1,
        Environment: { Variables: { TOKENS_PARAMETER_NAME: TOKENS_PARAMETER } },
        LoggingConfig: { LogFormat: 'JSON' },
      }),
      EchoFn: lambda(ECHO_ASSET, {
        Timeout: 2,
        MemorySize: 256,
        Environment: {
          Variables: {
            REDIS_HOST: getAtt('Cache', 'PrimaryEndPoint.Address'),
            REDIS_PORT: getAtt('Cache', 'PrimaryEndPoint.Port'),
            REDIS_TLS: 'true',
            REDIS_USERNAME: 'cubewalk-blocks',
            REDIS_IAM_AUTH_CACHE_NAME: ref('Cache'),
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
            GREETING: { 'Fn::Sub': 'hello from ${AWS::Region}' },
            PARAM_NAME: ref('PlainParam'),
          },
        },
      }),
      CappedFn: lambda(ECHO_ASSET, { Timeout: 5, ReservedConcurrentExecutions: 2 }),
      NoPermFn: lambda(ECHO_ASSET),
      LockedAuthFn: lambda(AUTHORIZER_ASSET, {
        Environment: { Variables: { TOKENS_PARAMETER_NAME: TOKENS_PARAMETER } },
      }),

      Api: {
        Type: 'AWS::ApiGateway::RestApi',
        Properties: { Name: 'fixture', BinaryMediaTypes: ['image/png'] },
      },
      ApiDeployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: ref('Api') } },
      ApiStage: {
        Type: 'AWS::ApiGateway::Stage',
        Properties: { RestApiId: ref('Api'), DeploymentId: ref('ApiDeployment'), StageName: 'prod' },
      },
      Tok: {
        Type: 'AWS::ApiGateway::Authorizer',
        Properties: {
          RestApiId: ref('Api'),
          Name: 'FixtureTok',
          Type: 'TOKEN',
          IdentitySource: 'method.request.header.token',
          IdentityValidationExpression: '^[a-z0-9-]{6,64}$',
          AuthorizerResultTtlInSeconds: 300,
          AuthorizerUri: join_(
            'arn:',
            { 'Fn::Select': [1, { 'Fn::Split': [':', getAtt('AuthFn', 'Arn')] }] },
            ':apigateway:',
            { 'Fn::Select': [3, { 'Fn::Split': [':', getAtt('AuthFn', 'Arn')] }] },
            ':lambda:path/2015-03-31/functions/',
            getAtt('AuthFn', 'Arn'),
            '/invocations',
          ),
        },
      },
      LockedTok: {
        Type: 'AWS::ApiGateway::Authorizer',
        Properties: {
          RestApiId: ref('Api'),
          Name: 'LockedTok',
          Type: 'TOKEN',
          IdentitySource: 'method.request.header.token',
          AuthorizerResultTtlInSeconds: 0,
          AuthorizerUri: invocationUri('LockedAuthFn'),
        },
      },
      Blocks: resource('Api', root, 'cubewalkblocks'),
      World: resource('Api', ref('Blocks'), '{world}'),
      Chunks: resource('Api', ref('World'), 'chunks'),
      Coords: resource('Api', ref('Chunks'), '{coords}'),
      Open: resource('Api', root, 'open'),
      Slow: resource('Api', root, 'slow'),
      Capped: resource('Api', root, 'capped'),
      NoPerm: resource('Api', root, 'noperm'),
      Locked: resource('Api', root, 'locked'),
      Files: resource('Api', root, 'files'),
      FilesProxy: resource('Api', ref('Files'), '{proxy+}'),
      BlocksGet: proxyMethod('Api', ref('Blocks'), 'GET', 'EchoFn', custom('Tok')),
      BlocksOptions: {
        Type: 'AWS::ApiGateway::Method',
        Properties: {
          RestApiId: ref('Api'),
          ResourceId: ref('Blocks'),
          HttpMethod: 'OPTIONS',
          AuthorizationType: 'NONE',
          Integration: {
            Type: 'MOCK',
            RequestTemplates: { 'application/json': '{ statusCode: 200 }' },
            IntegrationResponses: [
              {
                StatusCode: '204',
                ResponseParameters: {
                  'method.response.header.Access-Control-Allow-Origin': "'*'",
                  'method.response.header.Access-Control-Allow-Methods': "'OPTIONS,GET,PUT'",
                },
              },
            ],
          },
        },
      },
      CoordsGet: proxyMethod('Api', ref('Coords'), 'GET', 'EchoFn', custom('Tok')),
      CoordsPut: proxyMethod('Api', ref('Coords'), 'PUT', 'EchoFn', custom('Tok')),
      OpenGet: proxyMethod('Api', ref('Open'), 'GET', 'EchoFn'),
      SlowGet: proxyMethod('Api', ref('Slow'), 'GET', 'EchoFn', { Integration: { TimeoutInMillis: 300 } }),
      CappedGet: proxyMethod('Api', ref('Capped'), 'GET', 'CappedFn'),
      NoPermGet: proxyMethod('Api', ref('NoPerm'), 'GET', 'NoPermFn'),
      LockedGet: proxyMethod('Api', ref('Locked'), 'GET', 'EchoFn', custom('LockedTok')),
      FilesAny: proxyMethod('Api', ref('FilesProxy'), 'ANY', 'EchoFn'),
      AuthFnPermission: permission('AuthFn', executeApiArn('Api', '/authorizers/', ref('Tok'))),
      LockedAuthFnPermission: permission(
        'LockedAuthFn',
        executeApiArn('Api', '/authorizers/some-other-authorizer'),
      ),
      EchoFnPermission: permission('EchoFn', executeApiArn('Api', '/', ref('ApiStage'), '/*/*')),
      CappedFnPermission: permission('CappedFn', executeApiArn('Api', '/', ref('ApiStage'), '/GET/capped')),
      Unauthorized: gatewayResponse('UNAUTHORIZED'),
      AccessDenied: gatewayResponse('ACCESS_DENIED'),
      AuthorizerConfigurationError: gatewayResponse('AUTHORIZER_CONFIGURATION_ERROR', {
        'application/json': '{"message":"authorizer error","type":"$context.error.responseType"}',
      }),
      MissingAuthenticationToken: gatewayResponse('MISSING_AUTHENTICATION_TOKEN', {
        'application/json': '{"message":"no such route: $context.httpMethod $context.path"}',
      }),
      Default4xx: gatewayResponse('DEFAULT_4XX'),
      Default5xx: gatewayResponse('DEFAULT_5XX'),

      // A second API with no gateway responses: AWS's built-in answers.
      BareApi: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'bare' } },
      BareDeployment: {
        Type: 'AWS::ApiGateway::Deployment',
        Properties: { RestApiId: ref('BareApi'), StageName: 'bare' },
      },
      BareTok: {
        Type: 'AWS::ApiGateway::Authorizer',
        Properties: {
          RestApiId: ref('BareApi'),
          Name: 'BareTok',
          Type: 'TOKEN',
          IdentitySource: 'method.request.header.token',
          AuthorizerResultTtlInSeconds: 0,
          AuthorizerUri: invocationUri('AuthFn'),
        },
      },
      BareBlocks: resource('BareApi', getAtt('BareApi', 'RootResourceId'), 'cubewalkblocks'),
      BareBlocksGet: {
        ...proxyMethod('BareApi', ref('BareBlocks'), 'GET', 'EchoFn', {
          AuthorizationType: 'CUSTOM',
          AuthorizerId: ref('BareTok'),
        }),
      },
      BareAuthPermission: permission('AuthFn', executeApiArn('BareApi', '/authorizers/', ref('BareTok'))),
      BareEchoPermission: permission('EchoFn', executeApiArn('BareApi', '/*/*/*')),
    },
  }
}

export interface FixtureAssembly {
  dir: string
  remove(): void
}

/** Writes the fixture assembly into a fresh temp directory (outside the repo, like a CI cdk.out could be). */
export function writeFixtureAssembly(template: Record<string, unknown> = fixtureTemplate()): FixtureAssembly {
  const dir = mkdtempSync(join(tmpdir(), 'cubewalk-fixture-assembly-'))
  const assets: Record<string, unknown> = {}
  for (const [hash, source] of [
    [AUTHORIZER_ASSET, 'authorizer'],
    [ECHO_ASSET, 'echo'],
  ] as const) {
    const assetDir = join(dir, `asset.${hash}`)
    mkdirSync(assetDir)
    cpSync(join(fixtures, source, 'index.mjs'), join(assetDir, 'index.mjs'))
    assets[hash] = { source: { path: `asset.${hash}`, packaging: 'zip' }, destinations: {} }
  }
  writeFileSync(join(dir, `${FIXTURE_STACK}.template.json`), JSON.stringify(template, null, 1))
  writeFileSync(
    join(dir, `${FIXTURE_STACK}.assets.json`),
    JSON.stringify({ version: '55.0.0', files: assets }),
  )
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      version: '55.0.0',
      artifacts: {
        [`${FIXTURE_STACK}.assets`]: {
          type: 'cdk:asset-manifest',
          properties: { file: `${FIXTURE_STACK}.assets.json` },
        },
        [FIXTURE_STACK]: {
          type: 'aws:cloudformation:stack',
          environment: 'aws://unknown-account/unknown-region',
          properties: { templateFile: `${FIXTURE_STACK}.template.json` },
          dependencies: [`${FIXTURE_STACK}.assets`],
          displayName: FIXTURE_STACK,
        },
      },
    }),
  )
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
