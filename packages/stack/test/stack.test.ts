// The default stack, synthesized once (with the real handler code bundled by local esbuild) and checked point by
// point against the stack issue: network, cache, functions, API, tokens, outputs, and cdk-nag.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { routes as blocksRoutes } from '@cubewalk/handlers/blocks/router'
import { cacheAccessString } from '@cubewalk/handlers/cache-access'
import { ENV } from '@cubewalk/handlers/config'
import { CfnElement } from 'aws-cdk-lib'
import { Match } from 'aws-cdk-lib/assertions'
import type { IConstruct } from 'constructs'
import { type BuildOptions, build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handlerBundlingModule } from '../src/handler-bundling.js'
import { IAM_AUTH_ENV } from '../src/handler-environment.js'
import { nagAcknowledgements } from '../src/nag-acknowledgements.js'
import { repoRoot } from '../src/paths.js'
import { tokenValidationRegex } from '../src/token-pattern.js'
import { referencedIds, resourcesOfType, type Synthesized, synthesize } from './support/synth.js'

let synth: Synthesized

beforeAll(() => {
  synth = synthesize()
}, 120_000)

afterAll(() => synth?.dispose())

/** The logical id of an L1 construct, or of an L2 construct's default child. */
const logicalIdOf = (construct: IConstruct): string => {
  const element = construct.node.defaultChild ?? construct
  if (!(element instanceof CfnElement))
    throw new Error(`${construct.node.path} has no CloudFormation element`)
  return synth.stack.getLogicalId(element)
}

const functionProps = (id: string): Record<string, unknown> =>
  synth.json.Resources[id]?.Properties as Record<string, unknown>

/** The statements of an AWS::IAM::Policy resource. */
const statementsOf = (
  policy: { Properties?: Record<string, unknown> } | undefined,
): Array<Record<string, unknown>> =>
  (policy?.Properties?.PolicyDocument as { Statement?: Array<Record<string, unknown>> } | undefined)
    ?.Statement ?? []

const blocksId = (): string => logicalIdOf(synth.stack.blocks.function)
const authorizerId = (): string => logicalIdOf(synth.stack.authorizer.function)

/** The directory of a function's bundled code, via the asset manifest (as the local runner finds it). */
const assetDirOf = (functionId: string): string => {
  const assets = JSON.parse(
    readFileSync(join(synth.outdir, `${synth.stack.stackName}.assets.json`), 'utf8'),
  ) as {
    files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>
  }
  const code = functionProps(functionId).Code as { S3Key: string }
  const entry = Object.values(assets.files).find((file) =>
    Object.values(file.destinations).some((destination) => destination.objectKey === code.S3Key),
  )
  if (entry === undefined) throw new Error(`no asset for ${functionId}`)
  return join(synth.outdir, entry.source.path)
}

describe('synthesis', () => {
  it('is environment-agnostic and needs no context lookups', () => {
    const artifact = synth.assembly.getStackByName(synth.stack.stackName)
    expect(artifact.environment.account).toBe('unknown-account')
    expect(artifact.environment.region).toBe('unknown-region')
    expect(synth.assembly.manifest.missing ?? []).toEqual([])
  })

  it('bundles the real handlers with local esbuild: ESM, minified, with linked source maps', () => {
    for (const [id, marker, internalName] of [
      [blocksId(), '"cubewalk:"', 'readBlocksConfig'],
      [authorizerId(), 'Unauthorized', 'readAuthorizerConfig'],
    ] as const) {
      expect(functionProps(id).Handler).toBe('index.handler')
      const dir = assetDirOf(id)
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8')
      // The banner of packages/handlers/bundling.mjs, then ESM imports and minified code.
      expect(code.startsWith("import { createRequire } from 'node:module'")).toBe(true)
      expect(code).toContain(marker)
      // Minified: internal names are gone and the code sits on long lines.
      expect(code).not.toContain(internalName)
      expect(code.length / code.split('\n').length).toBeGreaterThan(300)
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/)
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true)
      // The AWS SDK comes from the Lambda runtime, not the bundle.
      expect(code).not.toContain('@aws-sdk/client-ssm/package.json')
    }
  })

  it('deploys byte for byte what esbuild builds from packages/handlers/bundling.mjs', async () => {
    const shared = (await import(handlerBundlingModule)) as {
      esbuildOptions: BuildOptions
      entryPoints: Record<'authorizer' | 'blocks', string>
    }
    for (const [name, id] of [
      ['blocks', blocksId()],
      ['authorizer', authorizerId()],
    ] as const) {
      const built = await build({
        ...shared.esbuildOptions,
        entryPoints: [shared.entryPoints[name]],
        outfile: join(synth.outdir, 'esbuild-reference', 'index.mjs'),
        absWorkingDir: repoRoot,
        write: false,
      })
      const code = built.outputFiles.find((file) => file.path.endsWith('index.mjs'))?.text
      expect(code).toBeDefined()
      expect(readFileSync(join(assetDirOf(id), 'index.mjs'), 'utf8')).toBe(code)
    }
  })
})

describe('network', () => {
  it('has two isolated subnets and no way to or from the internet', () => {
    synth.template.resourceCountIs('AWS::EC2::VPC', 1)
    synth.template.resourceCountIs('AWS::EC2::Subnet', 2)
    synth.template.resourceCountIs('AWS::EC2::NatGateway', 0)
    synth.template.resourceCountIs('AWS::EC2::InternetGateway', 0)
    synth.template.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 0)
    synth.template.resourceCountIs('AWS::EC2::EIP', 0)
    synth.template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false })
    synth.template.resourceCountIs('AWS::EC2::Route', 0)
    const azs = resourcesOfType(synth.json, 'AWS::EC2::Subnet').map(([, subnet]) =>
      JSON.stringify(subnet.Properties?.AvailabilityZone),
    )
    expect(new Set(azs).size).toBe(2)
  })

  it('logs all VPC traffic to a log group with retention', () => {
    const [vpcId] = resourcesOfType(synth.json, 'AWS::EC2::VPC')[0] ?? []
    synth.template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceId: { Ref: vpcId },
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    })
  })
})

describe('cache', () => {
  it('is a Valkey replication group with both encryptions, Multi-AZ and automatic failover', () => {
    synth.template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 1)
    synth.template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 0)
    synth.template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      CacheNodeType: 'cache.t4g.micro',
      NumCacheClusters: 2,
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      ReplicationGroupId: 'cubewalk-cache',
      CacheSubnetGroupName: 'cubewalk-subnets',
      UserGroupIds: ['cubewalk-users'],
      AuthToken: Match.absent(),
    })
  })

  it('puts its subnet group in the isolated subnets', () => {
    const subnetIds = resourcesOfType(synth.json, 'AWS::EC2::Subnet').map(([id]) => id)
    const [[, group] = []] = resourcesOfType(synth.json, 'AWS::ElastiCache::SubnetGroup')
    expect(referencedIds(group?.Properties?.SubnetIds).sort()).toEqual(subnetIds.sort())
  })

  it('authenticates with IAM only: one IAM user, and a user group without a passwordless default user', () => {
    synth.template.resourceCountIs('AWS::ElastiCache::User', 1)
    synth.template.hasResourceProperties('AWS::ElastiCache::User', {
      Engine: 'valkey',
      UserId: 'cubewalk-blocks',
      UserName: 'cubewalk-blocks',
      AuthenticationMode: { Type: 'iam' },
      AccessString: cacheAccessString({ clusterMode: false, waitForReplicas: false }),
      Passwords: Match.absent(),
      NoPasswordRequired: Match.absent(),
    })
    synth.template.hasResourceProperties('AWS::ElastiCache::UserGroup', {
      Engine: 'valkey',
      UserGroupId: 'cubewalk-users',
      UserIds: ['cubewalk-blocks'],
    })
  })

  it('lets the blocks role connect to exactly this cache as exactly this user', () => {
    const policy = JSON.stringify(synth.json.Resources)
    const connects = [...policy.matchAll(/elasticache:Connect/g)]
    expect(connects).toHaveLength(1)
    synth.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(synth.stack.blocks.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'elasticache:Connect',
            Effect: 'Allow',
            Resource: [
              { 'Fn::Join': ['', Match.arrayWith([':replicationgroup:cubewalk-cache'])] },
              { 'Fn::Join': ['', Match.arrayWith([':user:cubewalk-blocks'])] },
            ],
          },
        ]),
      },
    })
  })
})

describe('security groups', () => {
  const cacheGroupId = (): string => logicalIdOf(synth.stack.cache.securityGroup)
  const blocksGroupId = (): string => {
    const vpcConfig = functionProps(blocksId()).VpcConfig as { SecurityGroupIds: unknown }
    const [id] = referencedIds(vpcConfig.SecurityGroupIds)
    return id as string
  }

  it("admits traffic to the cache only from the blocks function's group, on the cache port", () => {
    const cacheGroup = synth.json.Resources[cacheGroupId()]
    expect(cacheGroup?.Properties?.SecurityGroupIngress ?? []).toEqual([])
    const ingress = resourcesOfType(synth.json, 'AWS::EC2::SecurityGroupIngress').filter(([, rule]) =>
      referencedIds(rule.Properties?.GroupId).includes(cacheGroupId()),
    )
    expect(ingress).toHaveLength(1)
    expect(ingress[0]?.[1].Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379 })
    expect(referencedIds(ingress[0]?.[1].Properties?.SourceSecurityGroupId)).toEqual([blocksGroupId()])
  })

  it('lets the blocks function out to the cache port and nowhere else', () => {
    const blocksGroup = synth.json.Resources[blocksGroupId()]
    expect(blocksGroup?.Properties?.SecurityGroupEgress ?? []).toEqual([])
    const egress = resourcesOfType(synth.json, 'AWS::EC2::SecurityGroupEgress').filter(([, rule]) =>
      referencedIds(rule.Properties?.GroupId).includes(blocksGroupId()),
    )
    expect(egress).toHaveLength(1)
    expect(egress[0]?.[1].Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379 })
    expect(referencedIds(egress[0]?.[1].Properties?.DestinationSecurityGroupId)).toEqual([cacheGroupId()])
  })

  it('has no security group that admits 0.0.0.0/0 or ::/0', () => {
    const inline = resourcesOfType(synth.json, 'AWS::EC2::SecurityGroup').flatMap(
      ([, group]) =>
        (group.Properties?.SecurityGroupIngress as Array<Record<string, unknown>> | undefined) ?? [],
    )
    const standalone = resourcesOfType(synth.json, 'AWS::EC2::SecurityGroupIngress').map(
      ([, rule]) => rule.Properties ?? {},
    )
    for (const rule of [...inline, ...standalone]) {
      expect(rule.CidrIp).not.toBe('0.0.0.0/0')
      expect(rule.CidrIpv6).not.toBe('::/0')
    }
    expect(inline.length + standalone.length).toBe(1)
  })
})

describe('functions', () => {
  it('run Node.js 24 on arm64 with JSON logs into their own log groups with retention', () => {
    const functions = resourcesOfType(synth.json, 'AWS::Lambda::Function')
    expect(functions).toHaveLength(3)
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        LoggingConfig: { LogFormat: 'JSON' },
      })
      const [logGroupId] = referencedIds(
        (fn.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup,
      )
      expect(synth.json.Resources[logGroupId as string]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      })
    }
  })

  it('runs the blocks function in the isolated subnets, and the authorizer outside the VPC', () => {
    const subnetIds = resourcesOfType(synth.json, 'AWS::EC2::Subnet').map(([id]) => id)
    const vpcConfig = functionProps(blocksId()).VpcConfig as { SubnetIds: unknown }
    expect(referencedIds(vpcConfig.SubnetIds).sort()).toEqual(subnetIds.sort())
    expect(functionProps(authorizerId()).VpcConfig).toBeUndefined()
  })

  it('configures the blocks function with the variables packages/handlers/src/config.ts reads, and no secret', () => {
    const variables = (functionProps(blocksId()).Environment as { Variables: Record<string, unknown> })
      .Variables
    expect(variables).toMatchObject({
      [ENV.redisTls]: 'true',
      [ENV.redisCluster]: 'false',
      [ENV.corsAllowedOrigins]: '*',
      [IAM_AUTH_ENV.redisUsername]: 'cubewalk-blocks',
      [IAM_AUTH_ENV.redisIamAuthCacheName]: 'cubewalk-cache',
      [IAM_AUTH_ENV.redisIamAuthServerless]: 'false',
      NODE_OPTIONS: '--enable-source-maps',
    })
    const cacheId = logicalIdOf(synth.stack.cache.node.findChild('ReplicationGroup'))
    expect(variables[ENV.redisHost]).toEqual({ 'Fn::GetAtt': [cacheId, 'PrimaryEndPoint.Address'] })
    expect(variables[ENV.redisPort]).toEqual({ 'Fn::GetAtt': [cacheId, 'PrimaryEndPoint.Port'] })
    expect(Object.keys(variables).some((name) => /PASSWORD|SECRET|TOKEN/i.test(name))).toBe(false)
    expect(variables[ENV.redisUrl]).toBeUndefined()
    // Durable writes are opt-in (prop durableWriteReplicas): off by default.
    expect(variables[ENV.redisDurableReplicas]).toBeUndefined()
    expect(variables[ENV.redisDurableTimeoutMs]).toBeUndefined()
  })

  it('sets no variable the handlers do not read (packages/handlers/src/config.ts is the contract)', () => {
    const known = new Set<string>([...Object.values(ENV), 'NODE_OPTIONS'])
    for (const id of [blocksId(), authorizerId()]) {
      const variables = (functionProps(id).Environment as { Variables: Record<string, unknown> }).Variables
      expect(Object.keys(variables).filter((name) => !known.has(name))).toEqual([])
    }
  })

  it('gives the authorizer its parameter, cache TTL and token pattern', () => {
    const variables = (functionProps(authorizerId()).Environment as { Variables: Record<string, unknown> })
      .Variables
    expect(variables).toEqual({
      [ENV.tokensParameterName]: '/Cubewalk/tokens',
      [ENV.tokensCacheTtlSeconds]: '300',
      [ENV.tokenPattern]: tokenValidationRegex,
      // Monitoring is on by default: the refusal metrics go to its namespace, on the API's id.
      [ENV.metricsNamespace]: 'Cubewalk',
      [ENV.metricsApiId]: { Ref: logicalIdOf(synth.stack.api.api) },
      NODE_OPTIONS: '--enable-source-maps',
    })
  })

  it('lets the authorizer read exactly the tokens parameter and nothing else', () => {
    const [[, policy] = []] = resourcesOfType(synth.json, 'AWS::IAM::Policy').filter(([, p]) =>
      referencedIds(p.Properties?.Roles).includes(logicalIdOf(synth.stack.authorizer.role)),
    )
    const document = policy?.Properties?.PolicyDocument as { Statement?: unknown } | undefined
    const statements = document?.Statement
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(synth.stack.authorizer.logGroup), 'Arn'] },
      },
      {
        Action: ['ssm:GetParameter', 'ssm:GetParameters'],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ssm:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':parameter/Cubewalk/tokens',
            ],
          ],
        },
      },
    ])
    const role = synth.json.Resources[logicalIdOf(synth.stack.authorizer.role)]
    expect(role?.Properties?.ManagedPolicyArns).toBeUndefined()
  })

  it('lets the blocks role manage its network interfaces, scoped, instead of AWSLambdaVPCAccessExecutionRole', () => {
    const roleId = logicalIdOf(synth.stack.blocks.role)
    expect(synth.json.Resources[roleId]?.Properties?.ManagedPolicyArns).toBeUndefined()
    expect(synth.json.Resources[roleId]?.Properties?.Policies).toBeUndefined()
    const policies = resourcesOfType(synth.json, 'AWS::IAM::Policy').filter(([, p]) =>
      referencedIds(p.Properties?.Roles).includes(roleId),
    )
    expect(policies).toHaveLength(1)
    const [[policyId, policy] = []] = policies
    const statements = statementsOf(policy)
    const arnOf = (resource: string, name: unknown) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ec2:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:${resource}/${typeof name === 'string' ? name : ''}`,
          ...(typeof name === 'string' ? [] : [name]),
        ],
      ],
    })
    const anyNetworkInterface = arnOf('network-interface', '*')
    const subnetIds = resourcesOfType(synth.json, 'AWS::EC2::Subnet').map(([id]) => id)
    const groupId = logicalIdOf(synth.stack.blocks.function.connections.securityGroups[0] as IConstruct)
    expect(statements.filter((statement) => String(statement.Action).includes('ec2:'))).toEqual([
      {
        Action: 'ec2:CreateNetworkInterface',
        Effect: 'Allow',
        Resource: [
          anyNetworkInterface,
          arnOf('security-group', { 'Fn::GetAtt': [groupId, 'GroupId'] }),
          ...subnetIds.sort().map((id) => arnOf('subnet', { Ref: id })),
        ],
      },
      {
        Action: [
          'ec2:AssignPrivateIpAddresses',
          'ec2:DeleteNetworkInterface',
          'ec2:UnassignPrivateIpAddresses',
        ],
        Effect: 'Allow',
        Resource: anyNetworkInterface,
      },
      { Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], Effect: 'Allow', Resource: '*' },
    ])
    // Logs only to its own log group: none of the managed policy's log actions on every group.
    const logStatements = statements.filter((statement) => JSON.stringify(statement.Action).includes('logs:'))
    expect(logStatements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(synth.stack.blocks.logGroup), 'Arn'] },
      },
    ])
    // Lambda deletes the interfaces with this role after the function is gone: the policy must be created before
    // the function and deleted after it, which a DependsOn from the function gives.
    expect(synth.json.Resources[blocksId()]?.DependsOn).toEqual(expect.arrayContaining([policyId, roleId]))
  })

  it('writes no policy statement on * but the two EC2 Describe actions, and no role uses an AWSLambda policy', () => {
    const onAnything = (resource: unknown): boolean =>
      resource === '*' || (Array.isArray(resource) && resource.includes('*'))
    const wildcard = resourcesOfType(synth.json, 'AWS::IAM::Policy').flatMap(([, policy]) =>
      statementsOf(policy)
        .filter((statement) => onAnything(statement.Resource))
        .map((statement) => statement.Action),
    )
    expect(wildcard).toEqual([['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets']])
    for (const [, role] of resourcesOfType(synth.json, 'AWS::IAM::Role')) {
      expect(JSON.stringify(role.Properties?.ManagedPolicyArns ?? [])).not.toContain('AWSLambda')
    }
  })
})

describe('API', () => {
  it('has a TOKEN authorizer on the token header with an anchored regex and a 300 s cache', () => {
    synth.template.resourceCountIs('AWS::ApiGateway::Authorizer', 1)
    synth.template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.token',
      IdentityValidationExpression: tokenValidationRegex,
      AuthorizerResultTtlInSeconds: 300,
    })
  })

  it('validates tokens with a regex that passes the seed token and generated ones and refuses `arere`', () => {
    expect(tokenValidationRegex.startsWith('^')).toBe(true)
    expect(tokenValidationRegex.endsWith('$')).toBe(true)
    const regex = new RegExp(tokenValidationRegex)
    expect(regex.test('cubewalk-allow')).toBe(true)
    expect(regex.test('cubewalk_q2Zx8Vb1oPxkTzY0lUeKj3mW-AaR9nDfGhJkLs5tQ_0')).toBe(true)
    expect(regex.test('3f2b8c1e-9d4a-4b6e-8f0a-1c2d3e4f5a6b')).toBe(true)
    expect(regex.test('arere')).toBe(false)
    expect(regex.test('')).toBe(false)
    expect(regex.test('cubewalk-allow extra')).toBe(false)
    expect(regex.test('Bearer cubewalk-allow')).toBe(false)
    expect(regex.test('cubewalk-allow\n')).toBe(false)
  })

  it("lets API Gateway invoke the authorizer from this API's authorizer ARN", () => {
    const [authorizerResourceId] = resourcesOfType(synth.json, 'AWS::ApiGateway::Authorizer')[0] ?? []
    const restApiId = logicalIdOf(synth.stack.api.api)
    synth.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [authorizerId(), 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
      SourceArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':execute-api:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':',
            { Ref: restApiId },
            '/authorizers/',
            { Ref: authorizerResourceId },
          ],
        ],
      },
    })
  })

  it('deploys stage prod with JSON access logs, throttling and error-only execution logs', () => {
    synth.template.resourceCountIs('AWS::ApiGateway::Stage', 1)
    synth.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: true,
        },
      ],
    })
    const [[, stage] = []] = resourcesOfType(synth.json, 'AWS::ApiGateway::Stage')
    const format = String((stage?.Properties?.AccessLogSetting as { Format?: string } | undefined)?.Format)
    const fields = JSON.parse(format) as Record<string, string>
    expect(fields).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      principalId: '$context.authorizer.principalId',
      authorizerError: '$context.authorizer.error',
    })
    expect(format).not.toMatch(/header|token/i)
  })

  it('routes the blocks table to the blocks function, every method behind the authorizer', () => {
    const resources = new Map(
      resourcesOfType(synth.json, 'AWS::ApiGateway::Resource').map(([id, r]) => [id, r.Properties ?? {}]),
    )
    const restApiId = logicalIdOf(synth.stack.api.api)
    const pathOf = (resourceId: unknown): string => {
      const [id] = referencedIds(resourceId)
      const resource = resources.get(id as string)
      if (resource === undefined) return ''
      return `${pathOf(resource.ParentId)}/${String(resource.PathPart)}`
    }
    const [authorizerResourceId] = resourcesOfType(synth.json, 'AWS::ApiGateway::Authorizer')[0] ?? []
    const routes: string[] = []
    for (const [, method] of resourcesOfType(synth.json, 'AWS::ApiGateway::Method')) {
      const props = method.Properties ?? {}
      const parent = referencedIds(props.ResourceId)[0] === restApiId ? '' : pathOf(props.ResourceId)
      const route = `${String(props.HttpMethod)} ${parent || '/'}`
      if (props.HttpMethod === 'OPTIONS') {
        expect(props).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'MOCK' } })
        continue
      }
      routes.push(route)
      expect(props.AuthorizationType).toBe('CUSTOM')
      expect(referencedIds(props.AuthorizerId)).toEqual([authorizerResourceId])
      expect(props.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' })
      expect(JSON.stringify(props.Integration)).toContain(blocksId())
    }
    expect(routes.sort()).toEqual(
      [
        'GET /cubewalkblocks',
        'GET /cubewalkblocks/{world}/chunks',
        'GET /cubewalkblocks/{world}/chunks/{chunk}',
        'PUT /cubewalkblocks/{world}/chunks/{chunk}',
        'PATCH /cubewalkblocks/{world}/chunks/{chunk}',
        'DELETE /cubewalkblocks/{world}/chunks/{chunk}',
      ].sort(),
    )
    // Exactly the routes the blocks function's router serves, parameter names included.
    expect(routes.sort()).toEqual(blocksRoutes.map((route) => `${route.method} ${route.path}`).sort())
  })

  it('answers every gateway error as JSON {"message"} with CORS headers', () => {
    const types = [
      'UNAUTHORIZED',
      'ACCESS_DENIED',
      'AUTHORIZER_FAILURE',
      'AUTHORIZER_CONFIGURATION_ERROR',
      'MISSING_AUTHENTICATION_TOKEN',
      'THROTTLED',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
    ]
    synth.template.resourceCountIs('AWS::ApiGateway::GatewayResponse', types.length)
    for (const type of types) {
      synth.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: Match.absent(),
        ResponseTemplates: {
          'application/json': type.startsWith('AUTHORIZER_')
            ? '{"message":"Internal server error"}'
            : '{"message":$context.error.messageString}',
        },
        ResponseParameters: {
          'gatewayresponse.header.Access-Control-Allow-Origin': "'*'",
          'gatewayresponse.header.Access-Control-Allow-Headers':
            "'Content-Type,token,If-Match,If-None-Match'",
        },
      })
    }
    // What API Gateway substitutes for $context.error.messageString is a quoted JSON string.
    const body = '{"message":$context.error.messageString}'.replace(
      '$context.error.messageString',
      '"Unauthorized"',
    )
    expect(JSON.parse(body)).toEqual({ message: 'Unauthorized' })
  })
})

describe('tokens', () => {
  it('creates the SecureString parameter through a custom resource that carries no token', () => {
    synth.template.resourceCountIs('AWS::SSM::Parameter', 0)
    synth.template.resourceCountIs('Custom::CubewalkTokensParameter', 1)
    synth.template.hasResourceProperties('Custom::CubewalkTokensParameter', {
      ParameterName: '/Cubewalk/tokens',
      TokenName: 'initial',
    })
    const [[, resource] = []] = resourcesOfType(synth.json, 'Custom::CubewalkTokensParameter')
    expect(Object.keys(resource?.Properties ?? {}).sort()).toEqual([
      'Description',
      'ParameterName',
      'ServiceToken',
      'TokenName',
    ])
  })

  it('lets the custom resource write and delete that one parameter only', () => {
    synth.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['ssm:DeleteParameter', 'ssm:PutParameter'],
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', Match.arrayWith([':parameter/Cubewalk/tokens'])] },
          },
        ]),
      },
    })
  })

  it('puts no token anywhere in the template or its outputs', () => {
    const text = JSON.stringify(synth.json)
    expect(text).not.toContain('cubewalk-allow')
    expect(text).not.toMatch(/cubewalk_[A-Za-z0-9_-]{43}/)
  })
})

describe('outputs', () => {
  it('give the blocks URL, a ready curl command and the command that reads the token', () => {
    const outputs = synth.json.Outputs ?? {}
    const flat = (value: unknown): string =>
      JSON.stringify(value).replace(/\{"Ref":"AWS::Region"\}/g, 'REGION')
    expect(flat(outputs.BlocksUrl?.Value)).toMatch(/\/cubewalkblocks"\]\]\}$/)
    expect(flat(outputs.BlocksUrl?.Value)).toContain(logicalIdOf(synth.stack.api.api.deploymentStage))
    const read = flat(outputs.ReadTokenCommand?.Value)
    expect(read).toContain('aws ssm get-parameter --name /Cubewalk/tokens --with-decryption --region ')
    expect(read).toContain(`jq -r '.[\\"initial\\"]'`)
    const curl = flat(outputs.CurlCommand?.Value)
    expect(curl).toContain('curl -H \\"token: $(aws ssm get-parameter --name /Cubewalk/tokens')
    expect(curl).toContain('/cubewalkblocks')
  })
})

describe('cdk-nag AwsSolutions', () => {
  it('leaves no finding unacknowledged', () => {
    const violations = synth.validationReport.pluginReports.flatMap((report) =>
      report.violations.map((violation) => `${report.pluginName}: ${violation.ruleName}`),
    )
    expect(violations).toEqual([])
  })

  it('acknowledges only these findings, each on its construct with a specific reason', () => {
    const acknowledged = nagAcknowledgements(synth.stack).map(([construct, { id, reason }]) => {
      expect(reason.length).toBeGreaterThan(120)
      return `${construct.node.path} ${id}`
    })
    expect(acknowledged.sort()).toEqual(
      [
        'Cubewalk/Blocks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
        'Cubewalk/Blocks/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
        'Cubewalk/Api/RestApi AwsSolutions-APIG2',
        'Cubewalk/Api/RestApi AwsSolutions-COG4',
        'Cubewalk/Api/RestApi/DeploymentStage.prod AwsSolutions-APIG3',
        'Cubewalk/Api/RestApi/CloudWatchRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'Cubewalk/Cache/ReplicationGroup AwsSolutions-AEC6',
      ].sort(),
    )
  })
})
