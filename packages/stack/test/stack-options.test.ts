// The stack's options: ElastiCache Serverless and every non-default prop, in one synth that skips bundling (the
// default stack's test bundles the real code), plus the node type on a bare cache.

import { ENV } from '@cubewalk/handlers/config'
import { App, Duration, Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { RetentionDays } from 'aws-cdk-lib/aws-logs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cache } from '../src/cache.js'
import { IAM_AUTH_ENV } from '../src/handler-environment.js'
import { Network } from '../src/network.js'
import { cacheResourceNames } from '../src/resource-names.js'
import { resourcesOfType, type Synthesized, synthesize } from './support/synth.js'

let synth: Synthesized

beforeAll(() => {
  synth = synthesize({
    stackName: 'CubewalkServerless',
    context: { 'aws:cdk:bundling-stacks': [] },
    stackProps: {
      serverlessCache: true,
      serverlessMaxDataStorageGb: 2,
      serverlessMaxEcpuPerSecond: 5000,
      authorizerResultsCacheTtl: Duration.seconds(0),
      tokensCacheTtl: Duration.seconds(60),
      throttlingRateLimit: 10,
      throttlingBurstLimit: 20,
      corsAllowOrigins: ['https://game.example'],
      logRetention: RetentionDays.ONE_WEEK,
      tokensParameterName: '/games/cubewalk/tokens',
      initialTokenName: 'game-1',
      apiGatewayCloudWatchRole: false,
    },
  })
}, 120_000)

afterAll(() => synth?.dispose())

const variablesOf = (description: string): Record<string, unknown> => {
  const [[, fn] = []] = resourcesOfType(synth.json, 'AWS::Lambda::Function').filter(
    ([, f]) => f.Properties?.Description === description,
  )
  return (fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}
}

describe('ElastiCache Serverless', () => {
  it('replaces the replication group with a Valkey serverless cache in the isolated subnets, capped', () => {
    synth.template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0)
    synth.template.resourceCountIs('AWS::ElastiCache::SubnetGroup', 0)
    synth.template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1)
    const subnets = resourcesOfType(synth.json, 'AWS::EC2::Subnet').map(([id]) => ({ Ref: id }))
    synth.template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
      MajorEngineVersion: '8',
      ServerlessCacheName: 'cubewalkserverless-cache',
      ConnectionType: 'vpc',
      UserGroupId: 'cubewalkserverless-users',
      SubnetIds: Match.arrayEquals(subnets),
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^CacheSecurityGroup'), 'GroupId'] }],
      CacheUsageLimits: { DataStorage: { Maximum: 2, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
    })
  })

  it('tells the blocks function to use cluster mode and to sign serverless IAM tokens', () => {
    const variables = variablesOf('cubewalk blocks API (world chunks in Valkey)')
    expect(variables).toMatchObject({
      [ENV.redisCluster]: 'true',
      [ENV.redisTls]: 'true',
      [ENV.corsAllowedOrigins]: 'https://game.example',
      [IAM_AUTH_ENV.redisUsername]: 'cubewalkserverless-blocks',
      [IAM_AUTH_ENV.redisIamAuthCacheName]: 'cubewalkserverless-cache',
      [IAM_AUTH_ENV.redisIamAuthServerless]: 'true',
    })
    // ElastiCache Serverless does not accept WAIT: no durable writes.
    expect(variables[ENV.redisDurableReplicas]).toBeUndefined()
    expect(variables[ENV.redisDurableTimeoutMs]).toBeUndefined()
    expect(variables[ENV.redisHost]).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^CacheServerlessCache/), 'Endpoint.Address'],
    })
  })

  it('grants elasticache:Connect on the serverless cache ARN', () => {
    synth.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'elasticache:Connect',
            Effect: 'Allow',
            Resource: [
              { 'Fn::Join': ['', Match.arrayWith([':serverlesscache:cubewalkserverless-cache'])] },
              { 'Fn::Join': ['', Match.arrayWith([':user:cubewalkserverless-blocks'])] },
            ],
          },
        ]),
      },
    })
  })

  it('passes cdk-nag with no finding left', () => {
    expect(synth.validationReport.pluginReports.flatMap((report) => report.violations)).toEqual([])
  })
})

describe('API and token options', () => {
  it('apply the authorizer cache TTL (0 turns caching off) and the stage throttling', () => {
    synth.template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 })
    synth.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })],
    })
  })

  it('use the configured CORS origin in preflight answers and gateway responses', () => {
    synth.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: Match.objectLike({
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://game.example'",
      }),
    })
    synth.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      Integration: {
        IntegrationResponses: [
          Match.objectLike({
            ResponseParameters: Match.objectLike({
              'method.response.header.Access-Control-Allow-Origin': "'https://game.example'",
            }),
          }),
        ],
      },
    })
  })

  it('name the tokens parameter and the first token as configured', () => {
    synth.template.hasResourceProperties('Custom::CubewalkTokensParameter', {
      ParameterName: '/games/cubewalk/tokens',
      TokenName: 'game-1',
    })
    expect(variablesOf('cubewalk TOKEN authorizer (tokens from SSM)')).toMatchObject({
      [ENV.tokensParameterName]: '/games/cubewalk/tokens',
      [ENV.tokensCacheTtlSeconds]: '60',
    })
    expect(JSON.stringify(synth.json.Outputs?.ReadTokenCommand?.Value)).toContain(
      '--name /games/cubewalk/tokens --with-decryption --region ',
    )
    expect(JSON.stringify(synth.json.Outputs?.ReadTokenCommand?.Value)).toContain(`jq -r '.[\\"game-1\\"]'`)
  })

  it('set every log group to the configured retention, and can leave the account logging role alone', () => {
    for (const [, group] of resourcesOfType(synth.json, 'AWS::Logs::LogGroup')) {
      expect(group.Properties?.RetentionInDays).toBe(7)
    }
    synth.template.resourceCountIs('AWS::ApiGateway::Account', 0)
  })
})

describe('cache node type', () => {
  it('is a prop of the replication group', () => {
    const stack = new Stack(new App(), 'NodeType')
    const { vpc } = new Network(stack, 'Network', { logRetention: RetentionDays.ONE_DAY })
    new Cache(stack, 'Cache', {
      vpc,
      names: cacheResourceNames('NodeType'),
      serverless: false,
      nodeType: 'cache.r7g.large',
      engineVersion: '8.0',
      serverlessMajorEngineVersion: '8',
      serverlessMaxDataStorageGb: 1,
      serverlessMaxEcpuPerSecond: 1000,
      snapshotRetentionDays: 0,
      accessString: 'on ~cubewalk:* +@all',
    })
    const template = Template.fromStack(stack)
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      CacheNodeType: 'cache.r7g.large',
      SnapshotRetentionLimit: Match.absent(),
    })
  })
})

describe('resource names', () => {
  it('derive valid, distinct ElastiCache ids from any stack name', () => {
    for (const stackName of ['Cubewalk', 'my-Game_Stack-2', '9lives', `Very${'Long'.repeat(20)}Name`]) {
      const names = cacheResourceNames(stackName)
      for (const id of Object.values(names)) {
        expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/)
        expect(id.length).toBeLessThanOrEqual(40)
      }
      expect(new Set(Object.values(names)).size).toBe(4)
    }
    expect(cacheResourceNames('Cubewalk').cacheId).toBe('cubewalk-cache')
  })
})
