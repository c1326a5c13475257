// Starts the whole local system from a cloud assembly: the local API Gateway, a Lambda pool per function
// (created on first use), a private Redis (or REDIS_URL) when the template has an ElastiCache cache, and the
// local SSM endpoint; stops it all again. What is specific to the application comes in as a LocalWiring.

import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { MockIdentity } from './gateway/mock-identity.js'
import { LocalApi, type RequestRecord } from './gateway/server.js'
import { type InvocationReport, type Isolation, LambdaPool } from './lambda/lambda-pool.js'
import { type ApiGatewayEndpoint, startApiGatewayEndpoint } from './services/api-gateway-endpoint.js'
import { externalRedis, freePort, type LocalRedis, startLocalRedis } from './services/redis-server.js'
import { type SsmEndpoint, startSsmEndpoint } from './services/ssm-endpoint.js'
import { type ApiModel, buildApiModel, type FunctionModel } from './template/api-model.js'
import { loadStack } from './template/cloud-assembly.js'
import { type AttributeOverrides, IntrinsicResolver } from './template/intrinsics.js'
import { type CfnTemplate, DEFAULT_IDENTITY, type LocalAwsIdentity } from './template/template-types.js'
import type { LocalWiring } from './wiring.js'

export const DEFAULT_TOKEN = 'cubewalk-allow'
export const DEFAULT_PORT = 3000
/** Instances per function when neither the template (reserved concurrency) nor the user sets a cap. */
export const DEFAULT_CONCURRENCY = 8

export interface RunnerOptions {
  /** The cloud assembly (`cdk.out`). */
  assemblyDir: string
  stackName?: string
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** Tokens the local tokens parameter holds; the first is the one printed. */
  tokens?: string[]
  /** Use this Redis instead of starting a private redis-server (which starts only for a template with a cache). */
  redisUrl?: string
  redisServerBin?: string
  /** Instances per function; wins over the template's ReservedConcurrentExecutions. */
  concurrency?: number
  /** Where function instances run: a worker thread per function (default) or the runner's own thread. */
  isolation?: Isolation
  /** Replaces every method's integration timeout (the template's TimeoutInMillis, else 29 s). */
  integrationTimeoutMs?: number
  region?: string
  /**
   * Where functions' console output goes: this process's stdout/stderr (default), nowhere, or these streams (a test
   * that reads what the functions wrote). With `isolation: 'inline'` only `console` output is redirected: a
   * function's own `process.stdout.write` reaches this process's stdout.
   */
  functionOutput?: 'inherit' | 'ignore' | { readonly stdout: Writable; readonly stderr: Writable }
  onRequest?: (record: RequestRecord) => void
  onInvocation?: (report: InvocationReport) => void
  /** The runner's own notices (warnings about what is not emulated). */
  log?: (line: string) => void
  /** The application's part: function environment, seeded parameters, token checks. */
  wiring?: LocalWiring
  /**
   * Where bare imports a bundle leaves external (the AWS SDK, which Lambda's runtime provides) are resolved from:
   * a directory whose node_modules has them. Default: this package's own directory.
   */
  externalModulesFrom?: string
  /** Bypass the Lambda authorizers, allowing every request as this identity (`--no-authorizer`). Never the default. */
  mockIdentity?: MockIdentity
}

export interface Runner {
  /** `http://127.0.0.1:3000` */
  readonly origin: string
  readonly port: number
  /** The region in ARNs and the functions' AWS_REGION. */
  readonly region: string
  readonly stages: string[]
  readonly tokens: readonly string[]
  /** `undefined` when the template has no ElastiCache cache and no REDIS_URL was given. */
  readonly redisUrl: string | undefined
  readonly ssm: SsmEndpoint
  /** The API Gateway management endpoint: FlushStageAuthorizersCache against this runner's stages. */
  readonly apiGateway: ApiGatewayEndpoint
  /** The stack's outputs, resolved against the local stand-ins (those that cannot be resolved are left out). */
  readonly outputs: Readonly<Record<string, string>>
  readonly model: ApiModel
  readonly api: LocalApi
  /** The warm/cold pools, by function logical id (created on first invocation). */
  readonly pools: ReadonlyMap<string, LambdaPool>
  /** The function behind each REST API authorizer, by authorizer logical id. */
  authorizerFunctions(): string[]
  stop(): Promise<void>
}

const CACHE_ATTRIBUTES = [
  'AWS::ElastiCache::ReplicationGroup.PrimaryEndPoint',
  'AWS::ElastiCache::ReplicationGroup.ConfigurationEndPoint',
  'AWS::ElastiCache::ReplicationGroup.ReaderEndPoint',
  'AWS::ElastiCache::ServerlessCache.Endpoint',
  'AWS::ElastiCache::ServerlessCache.ReaderEndpoint',
  'AWS::ElastiCache::CacheCluster.RedisEndpoint',
  'AWS::ElastiCache::CacheCluster.ConfigurationEndpoint',
]

/** A private Redis is worth starting only for a template that has a cache for it to stand in for. */
function hasCache(template: CfnTemplate): boolean {
  return Object.values(template.Resources).some((resource) => resource.Type.startsWith('AWS::ElastiCache::'))
}

/** Every ElastiCache endpoint attribute resolves to the local Redis, so endpoint variables follow it. */
function cacheOverrides(host: string, port: number): AttributeOverrides {
  const overrides: AttributeOverrides = {}
  for (const attribute of CACHE_ATTRIBUTES) {
    overrides[`${attribute}.Address`] = host
    overrides[`${attribute}.Port`] = String(port)
  }
  overrides['AWS::ElastiCache::ReplicationGroup.ReadEndPoint.Addresses'] = host
  overrides['AWS::ElastiCache::ReplicationGroup.ReadEndPoint.Ports'] = String(port)
  overrides['AWS::ElastiCache::ReplicationGroup.ReadEndPoint.Addresses.List'] = [host]
  overrides['AWS::ElastiCache::ReplicationGroup.ReadEndPoint.Ports.List'] = [String(port)]
  return overrides
}

/** Lambda's reserved variables, with fake credentials so the SDK never looks for real ones. */
function lambdaEnvironment(
  fn: FunctionModel,
  identity: LocalAwsIdentity,
  ssmUrl: string,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    AWS_REGION: identity.region,
    AWS_DEFAULT_REGION: identity.region,
    AWS_ACCESS_KEY_ID: 'ASIALOCALNOTASECRET0',
    AWS_SECRET_ACCESS_KEY: 'local-runner-fake-secret-key-not-a-secret',
    AWS_SESSION_TOKEN: 'local-runner-fake-session-token-not-a-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SSM: ssmUrl,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroup,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: fn.codeDir ?? '',
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    ...(fn.logFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
  }
}

export async function startRunner(options: RunnerOptions): Promise<Runner> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const tokens = options.tokens && options.tokens.length > 0 ? options.tokens : [DEFAULT_TOKEN]
  const host = options.host ?? '127.0.0.1'

  const stack = loadStack(options.assemblyDir, options.stackName)
  // A stack synthesized for a concrete account and region has them as literals in its ARNs (Lambda permissions'
  // SourceArn): the local identity must be that one, or no permission would ever match.
  const identity: LocalAwsIdentity = {
    ...DEFAULT_IDENTITY,
    ...stack.environment,
    ...(options.region ? { region: options.region } : {}),
  }
  const redisUrl = options.redisUrl
  const wiring = options.wiring ?? {}
  const wantsRedis = redisUrl !== undefined || hasCache(stack.template)
  const plannedRedisPort = redisUrl || !wantsRedis ? undefined : await freePort()
  const redisTarget = redisUrl ? externalRedis(redisUrl) : undefined
  const resolver = new IntrinsicResolver(
    stack.template,
    stack.stackName,
    identity,
    wantsRedis
      ? cacheOverrides(redisTarget?.host ?? '127.0.0.1', redisTarget?.port ?? (plannedRedisPort as number))
      : {},
  )
  const model = buildApiModel(stack, resolver)

  const pools = new Map<string, LambdaPool>()
  let ssm: SsmEndpoint | undefined
  let apiGateway: ApiGatewayEndpoint | undefined
  let redis: LocalRedis | undefined
  const output = options.functionOutput ?? 'inherit'
  const stdout: Writable | null =
    output === 'ignore' ? null : output === 'inherit' ? process.stdout : output.stdout
  const stderr: Writable | null =
    output === 'ignore' ? null : output === 'inherit' ? process.stderr : output.stderr
  // Bare imports a bundle leaves external (the AWS SDK, as Lambda's runtime provides it) resolve from here.
  const fallbackResolveFrom = pathToFileURL(
    options.externalModulesFrom
      ? join(options.externalModulesFrom, 'package.json')
      : fileURLToPath(new URL('../package.json', import.meta.url)),
  ).href

  const poolFor = (logicalId: string): LambdaPool | undefined => {
    const existing = pools.get(logicalId)
    if (existing) return existing
    const fn = model.functions.get(logicalId)
    if (!fn?.codeDir || !ssm) return undefined
    const environment: Record<string, string> = {
      ...lambdaEnvironment(fn, identity, ssm.url),
      ...fn.environment,
    }
    const overrides = wiring.environment?.(fn, { redisUrl: redis?.url }) ?? {}
    for (const [name, value] of Object.entries(overrides)) {
      if (value === null) delete environment[name]
      else environment[name] = value
    }
    const pool = new LambdaPool(fn, {
      concurrency: options.concurrency ?? fn.reservedConcurrency ?? DEFAULT_CONCURRENCY,
      isolation: options.isolation ?? 'thread',
      environment,
      stdout,
      stderr,
      fallbackResolveFrom,
      ...(options.onInvocation ? { onReport: options.onInvocation } : {}),
    })
    pools.set(logicalId, pool)
    return pool
  }

  const api = new LocalApi({
    model,
    identity,
    poolFor,
    host,
    port: options.port ?? DEFAULT_PORT,
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    ...(options.integrationTimeoutMs === undefined
      ? {}
      : { integrationTimeoutMs: options.integrationTimeoutMs }),
    ...(options.mockIdentity ? { mockIdentity: options.mockIdentity } : {}),
  })
  // Bind first: a taken port fails before anything else is started.
  const port = await api.listen()

  const stop = async () => {
    await api.close()
    await Promise.all([...pools.values()].map((pool) => pool.close()))
    await ssm?.close()
    await apiGateway?.close()
    await redis?.stop()
  }

  try {
    const [startedRedis, startedSsm, startedApiGateway] = await Promise.all([
      redisTarget ??
        (wantsRedis
          ? startLocalRedis({
              ...(options.redisServerBin ? { bin: options.redisServerBin } : {}),
              ...(plannedRedisPort ? { port: plannedRedisPort } : {}),
            })
          : undefined),
      startSsmEndpoint(identity, host),
      startApiGatewayEndpoint(
        {
          flushStageAuthorizersCache: (restApiId, stageName) =>
            api.flushStageAuthorizers(restApiId, stageName),
        },
        host,
      ),
    ])
    redis = startedRedis
    ssm = startedSsm
    apiGateway = startedApiGateway
  } catch (error) {
    await stop()
    throw error
  }

  const authorizerFunctionIds = new Set<string>()
  for (const api of model.apis) {
    for (const authorizer of api.authorizers.values()) {
      if (authorizer.functionLogicalId) authorizerFunctionIds.add(authorizer.functionLogicalId)
    }
  }
  for (const parameter of wiring.parameters?.(model, tokens) ?? []) {
    ssm.put(parameter.name, parameter.value, parameter.type)
  }
  for (const warning of wiring.checkTokens?.(model, tokens) ?? []) log(`warning: ${warning}`)
  for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
    if (resource.Type !== 'AWS::SSM::Parameter') continue
    const value = resolver.resolve(resource.Properties?.Value)
    const type = resolver.resolve(resource.Properties?.Type)
    if (typeof value === 'string') {
      ssm.put(resolver.physicalId(logicalId), value, type === 'StringList' ? 'StringList' : 'String')
    }
  }
  for (const api of model.apis) {
    for (const authorizer of api.authorizers.values()) {
      if (!authorizer.validationExpression) continue
      const regex = new RegExp(`^(?:${authorizer.validationExpression})$`)
      for (const token of tokens) {
        if (!regex.test(token)) {
          log(
            `warning: token "${token}" fails authorizer ${authorizer.logicalId}'s identity validation expression`,
          )
        }
      }
    }
  }
  for (const fn of model.functions.values()) {
    const served = [...authorizerFunctionIds].includes(fn.logicalId) || isIntegration(model, fn.logicalId)
    if (!served) continue
    if (!fn.runtime.startsWith('nodejs'))
      model.warnings.push(`${fn.logicalId}: runtime ${fn.runtime} cannot run locally`)
    if (!fn.codeDir) model.warnings.push(`${fn.logicalId}: no bundled asset found in the cloud assembly`)
  }
  for (const warning of model.warnings) log(`warning: ${warning}`)

  api.open()
  let stopped: Promise<void> | undefined
  return {
    origin: `http://${host}:${port}`,
    port,
    region: identity.region,
    stages: api.stageNames,
    tokens,
    redisUrl: redis?.url,
    ssm,
    apiGateway,
    outputs: resolveOutputs(stack.template, resolver),
    model,
    api,
    pools,
    authorizerFunctions: () => [...authorizerFunctionIds],
    stop: () => {
      stopped ??= stop()
      return stopped
    },
  }
}

function resolveOutputs(template: CfnTemplate, resolver: IntrinsicResolver): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    try {
      const value = resolver.resolve((output as { Value?: unknown } | undefined)?.Value)
      if (typeof value === 'string' || typeof value === 'number') outputs[key] = String(value)
    } catch {
      // An output built from something the runner does not emulate is simply not offered.
    }
  }
  return outputs
}

function isIntegration(model: ApiModel, logicalId: string): boolean {
  for (const api of model.apis) {
    const stack = [api.root]
    while (stack.length > 0) {
      const node = stack.pop()
      if (!node) break
      for (const method of node.methods.values()) {
        if (method.integration.type === 'AWS_PROXY' && method.integration.functionLogicalId === logicalId)
          return true
      }
      stack.push(...node.literal.values())
      if (node.param) stack.push(node.param.node)
      if (node.greedy) stack.push(node.greedy.node)
    }
  }
  return false
}
