// Starts the whole local system from a cloud assembly: the local API Gateway, a Lambda pool per function
// (created on first use), a private Redis (or REDIS_URL) when the template has an ElastiCache cache, and the
// local SSM endpoint; stops it all again. What is specific to the application comes in as a LocalWiring.

import { basename, join } from 'node:path'
import type { Writable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { MockIdentity } from './gateway/mock-identity.js'
import { LocalApi, type RequestRecord } from './gateway/server.js'
import { DEBUG_TIMEOUT_MS, type InvocationReport, type Isolation, LambdaPool } from './lambda/lambda-pool.js'
import { type ApiGatewayEndpoint, startApiGatewayEndpoint } from './services/api-gateway-endpoint.js'
import type { CacheFrontEvent } from './services/cache-front/cache-front.js'
import { type CacheShape, readCacheShapes } from './services/cache-front/cache-template.js'
import { type LocalCache, startLocalCache } from './services/cache-front/local-cache.js'
import { externalRedis, freePort, type LocalRedis, startLocalRedis } from './services/redis-server.js'
import { type SsmEndpoint, startSsmEndpoint } from './services/ssm-endpoint.js'
import { type ApiModel, buildApiModel, type FunctionModel } from './template/api-model.js'
import { loadStack } from './template/cloud-assembly.js'
import { type AttributeOverrides, IntrinsicResolver } from './template/intrinsics.js'
import {
  type CfnTemplate,
  DEFAULT_IDENTITY,
  type LocalAwsIdentity,
  type StackArtifact,
} from './template/template-types.js'
import type { LocalCacheService, LocalWiring } from './wiring.js'

export const DEFAULT_TOKEN = 'cubewalk-allow'
export const DEFAULT_PORT = 3000
/** Instances per function when neither the template (reserved concurrency) nor the user sets a cap. */
export const DEFAULT_CONCURRENCY = 8

/**
 * The AWS credentials every function gets (fake: nothing local calls AWS). The faithful cache checks IAM tokens
 * against them, as ElastiCache checks them against the execution role.
 */
export const LOCAL_FUNCTION_CREDENTIALS = {
  accessKeyId: 'ASIALOCALNOTASECRET0',
  secretAccessKey: 'local-runner-fake-secret-key-not-a-secret',
  sessionToken: 'local-runner-fake-session-token-not-a-secret',
} as const

/**
 * How the template's ElastiCache cache is served. `faithful`: as deployed (TLS with a CA made at start, the
 * template's ACL users with the default user off, IAM tokens checked; cluster protocol for serverless caches).
 * `plain`: a plain redis-server without TLS or users, for a wiring that points functions at it as a bare URL.
 */
export type CacheMode = 'faithful' | 'plain'

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
  /** How the template's cache is served (default `plain`; the CLI's default is `faithful`). REDIS_URL means plain. */
  cache?: CacheMode
  /** The faithful cache closes IAM-authenticated connections this long after they authenticated (default 12 h). */
  iamConnectionLifetimeMs?: number
  /** What the faithful cache's front noticed (refused tokens, lifetime disconnects). */
  onCacheEvent?: (event: CacheFrontEvent) => void
  /** Instances per function; wins over the template's ReservedConcurrentExecutions. */
  concurrency?: number
  /** Where function instances run: a worker thread per function (default) or the runner's own thread. */
  isolation?: Isolation
  /** Replaces every method's integration timeout (the template's TimeoutInMillis, else 29 s). */
  integrationTimeoutMs?: number
  /**
   * A debugger may pause function code (`--inspect`): the integration, function and init timeouts become
   * DEBUG_TIMEOUT_MS (10 h), so that a function stopped at a breakpoint is answered once it resumes.
   */
  debugging?: boolean
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
  /** The faithful cache (its front's fault hooks, its redis-server), when the runner serves one. */
  readonly cache: LocalCache | undefined
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
  /**
   * Serves new code for one function (`--watch`): the next invocation starts a cold instance from `codeDir`;
   * invocations already running finish on the old code. Other functions keep their warm instances.
   */
  replaceCode(logicalId: string, codeDir: string): void
  /**
   * Serves a new synthesis of the stack (`--watch`): routes, authorizers, permissions and parameters follow it;
   * a function whose definition is unchanged keeps its warm instances (and code served by {@link replaceCode}).
   */
  reload(assemblyDir: string): ReloadReport
  stop(): Promise<void>
  /** Whether {@link stop} was called. */
  readonly stopped: boolean
}

/** What a {@link Runner.reload} changed. */
export interface ReloadReport {
  /** Functions whose next invocation starts cold on the new definition or code. */
  readonly replacedFunctions: readonly string[]
  readonly addedRoutes: readonly string[]
  readonly removedRoutes: readonly string[]
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
    AWS_ACCESS_KEY_ID: LOCAL_FUNCTION_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_FUNCTION_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: LOCAL_FUNCTION_CREDENTIALS.sessionToken,
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

  const firstStack = loadStack(options.assemblyDir, options.stackName)
  // A stack synthesized for a concrete account and region has them as literals in its ARNs (Lambda permissions'
  // SourceArn): the local identity must be that one, or no permission would ever match.
  const identity: LocalAwsIdentity = {
    ...DEFAULT_IDENTITY,
    ...firstStack.environment,
    ...(options.region ? { region: options.region } : {}),
  }
  const redisUrl = options.redisUrl
  const wiring = options.wiring ?? {}
  const wantsRedis = redisUrl !== undefined || hasCache(firstStack.template)
  const plannedRedisPort = redisUrl || !wantsRedis ? undefined : await freePort()
  const redisTarget = redisUrl ? externalRedis(redisUrl) : undefined
  const cacheAttributes = wantsRedis
    ? cacheOverrides(redisTarget?.host ?? '127.0.0.1', redisTarget?.port ?? (plannedRedisPort as number))
    : {}
  const modelOf = (stack: StackArtifact) => {
    const resolver = new IntrinsicResolver(stack.template, stack.stackName, identity, cacheAttributes)
    return { stack, resolver, model: buildApiModel(stack, resolver) }
  }
  let current = modelOf(firstStack)
  let model = current.model
  /** Code served by replaceCode instead of the synthesized asset, by function logical id. */
  const replacedCode = new Map<string, { codeDir: string; synthesized: string | undefined }>()
  // The faithful cache stands in for the template's first cache (its users, TLS, cluster shape).
  let cacheShape: CacheShape | undefined
  if (options.cache === 'faithful' && plannedRedisPort !== undefined) {
    const shapes = readCacheShapes(firstStack.template, current.resolver)
    cacheShape = shapes[0]
    if (shapes.length > 1)
      log(
        `warning: ${shapes.length} caches in the template; all resolve to one local cache, set up as ${cacheShape?.logicalId}`,
      )
    if (!cacheShape)
      log('warning: no ElastiCache replication group or serverless cache to emulate; serving a plain Redis')
  } else if (options.cache === 'faithful' && redisUrl) {
    log('note: REDIS_URL / --redis-url is served as is: no TLS, ACL user or IAM tokens (the plain cache)')
  }

  const pools = new Map<string, LambdaPool>()
  /** Pools whose code was replaced, finishing what they run (see replaceCode). */
  const retiring = new Set<LambdaPool>()
  let ssm: SsmEndpoint | undefined
  let apiGateway: ApiGatewayEndpoint | undefined
  let redis: LocalRedis | undefined
  let cache: LocalCache | undefined
  const cacheService = (): LocalCacheService | undefined =>
    cache && {
      host: cache.front.host,
      port: cache.front.port,
      tls: cache.front.tls,
      clusterMode: cache.shape.clusterMode,
      serverless: cache.shape.serverless,
      cacheName: cache.shape.cacheName,
      replicas: cache.replicas,
    }
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
    // Node reads it at start only; the Lambda hosts apply it to the function's thread (extra-ca-certificates.ts).
    if (cache?.caFile) environment.NODE_EXTRA_CA_CERTS = cache.caFile
    const overrides =
      wiring.environment?.(
        fn,
        cache ? { redisUrl: undefined, cache: cacheService() } : { redisUrl: redis?.url },
      ) ?? {}
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
      debugging: options.debugging === true,
      ...(options.onInvocation ? { onReport: options.onInvocation } : {}),
    })
    pools.set(logicalId, pool)
    return pool
  }

  const integrationTimeoutMs =
    options.integrationTimeoutMs ?? (options.debugging ? DEBUG_TIMEOUT_MS : undefined)
  const api = new LocalApi({
    model,
    identity,
    poolFor,
    host,
    port: options.port ?? DEFAULT_PORT,
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    ...(integrationTimeoutMs === undefined ? {} : { integrationTimeoutMs }),
    ...(options.mockIdentity ? { mockIdentity: options.mockIdentity } : {}),
  })
  // Bind first: a taken port fails before anything else is started.
  const port = await api.listen()

  const stop = async () => {
    await api.close()
    await Promise.all([...pools.values(), ...retiring].map((pool) => pool.close()))
    await ssm?.close()
    await apiGateway?.close()
    await (cache ?? redis)?.stop()
  }

  // Each piece is recorded as soon as it runs, and every start is awaited before a failure is reported, so stop()
  // also stops what started beside a piece that failed.
  const startCache = async (): Promise<void> => {
    if (redisTarget) redis = redisTarget
    else if (cacheShape && plannedRedisPort) {
      cache = await startLocalCache({
        shape: cacheShape,
        port: plannedRedisPort,
        host: '127.0.0.1',
        region: identity.region,
        credentials: LOCAL_FUNCTION_CREDENTIALS,
        ...(options.redisServerBin ? { redisServerBin: options.redisServerBin } : {}),
        ...(options.iamConnectionLifetimeMs === undefined
          ? {}
          : { iamConnectionLifetimeMs: options.iamConnectionLifetimeMs }),
        ...(options.onCacheEvent ? { onEvent: options.onCacheEvent } : {}),
      })
      redis = cache.redis
    } else if (wantsRedis) {
      redis = await startLocalRedis({
        ...(options.redisServerBin ? { bin: options.redisServerBin } : {}),
        ...(plannedRedisPort ? { port: plannedRedisPort } : {}),
      })
    }
  }
  const started = await Promise.allSettled([
    startCache(),
    startSsmEndpoint(identity, host).then((endpoint) => {
      ssm = endpoint
    }),
    startApiGatewayEndpoint(
      {
        flushStageAuthorizersCache: (restApiId, stageName) => api.flushStageAuthorizers(restApiId, stageName),
      },
      host,
    ).then((endpoint) => {
      apiGateway = endpoint
    }),
  ])
  const failed = started.find((result) => result.status === 'rejected')
  if (failed || !ssm || !apiGateway) {
    await stop()
    throw failed?.reason ?? new Error('a local service did not start')
  }

  const parameterStore = ssm
  let authorizerFunctionIds = new Set<string>()
  /** What follows the stack: parameters, checks of the tokens against it, warnings. */
  const prepare = ({ stack, resolver, model }: ReturnType<typeof modelOf>) => {
    authorizerFunctionIds = authorizerFunctionsOf(model)
    seedParameters(parameterStore, stack, resolver, model)
    warn(model)
  }
  const seedParameters = (
    ssm: SsmEndpoint,
    stack: StackArtifact,
    resolver: IntrinsicResolver,
    model: ApiModel,
  ) => {
    for (const parameter of wiring.parameters?.(model, tokens) ?? []) {
      ssm.put(parameter.name, parameter.value, parameter.type)
    }
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::SSM::Parameter') continue
      const value = resolver.resolve(resource.Properties?.Value)
      const type = resolver.resolve(resource.Properties?.Type)
      if (typeof value === 'string') {
        ssm.put(resolver.physicalId(logicalId), value, type === 'StringList' ? 'StringList' : 'String')
      }
    }
  }
  const warn = (model: ApiModel) => {
    for (const warning of wiring.checkTokens?.(model, tokens) ?? []) log(`warning: ${warning}`)
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
      const served = authorizerFunctionIds.has(fn.logicalId) || isIntegration(model, fn.logicalId)
      if (!served) continue
      if (!fn.runtime.startsWith('nodejs'))
        model.warnings.push(`${fn.logicalId}: runtime ${fn.runtime} cannot run locally`)
      if (!fn.codeDir) model.warnings.push(`${fn.logicalId}: no bundled asset found in the cloud assembly`)
    }
    for (const warning of model.warnings) log(`warning: ${warning}`)
  }
  prepare(current)

  /** The function's pool no longer serves: what runs there finishes, new invocations go to a new pool. */
  const retirePool = (logicalId: string) => {
    const pool = pools.get(logicalId)
    if (!pool) return
    pools.delete(logicalId)
    retiring.add(pool)
    void pool.retire().finally(() => retiring.delete(pool))
    if (authorizerFunctionIds.has(logicalId)) api.flushAuthorizerCaches()
  }

  const replaceCode = (logicalId: string, codeDir: string) => {
    const fn = model.functions.get(logicalId)
    if (!fn) throw new Error(`no function ${logicalId} in stack ${model.stackName}`)
    replacedCode.set(logicalId, {
      codeDir,
      synthesized: replacedCode.get(logicalId)?.synthesized ?? fn.codeDir,
    })
    model.functions.set(logicalId, { ...fn, codeDir })
    retirePool(logicalId)
  }

  const reload = (assemblyDir: string): ReloadReport => {
    const next = modelOf(loadStack(assemblyDir, options.stackName ?? current.stack.stackName))
    if (!wantsRedis && hasCache(next.stack.template))
      log('warning: the stack now has an ElastiCache cache: restart to get a local Redis for it')
    const replacedFunctions: string[] = []
    for (const [logicalId, served] of current.model.functions) {
      const after = next.model.functions.get(logicalId)
      const code = replacedCode.get(logicalId)
      const before = code ? { ...served, codeDir: code.synthesized } : served
      if (after && sameDefinition(after, before)) {
        if (code) next.model.functions.set(logicalId, { ...after, codeDir: code.codeDir })
        continue
      }
      replacedCode.delete(logicalId)
      if (pools.has(logicalId)) replacedFunctions.push(logicalId)
      retirePool(logicalId)
    }
    const routesBefore = routesOf(current.model)
    const routesAfter = routesOf(next.model)
    current = next
    model = next.model
    prepare(next)
    api.reload(model)
    return {
      replacedFunctions,
      addedRoutes: [...routesAfter].filter((route) => !routesBefore.has(route)),
      removedRoutes: [...routesBefore].filter((route) => !routesAfter.has(route)),
    }
  }

  api.open()
  let stopped: Promise<void> | undefined
  return {
    origin: `http://${host}:${port}`,
    port,
    region: identity.region,
    get stages() {
      return api.stageNames
    },
    tokens,
    redisUrl: cache ? undefined : redis?.url,
    cache,
    ssm,
    apiGateway,
    get outputs() {
      return resolveOutputs(current.stack.template, current.resolver)
    },
    get model() {
      return model
    },
    api,
    pools,
    authorizerFunctions: () => [...authorizerFunctionIds],
    replaceCode,
    reload,
    stop: () => {
      stopped ??= stop()
      return stopped
    },
    get stopped() {
      return stopped !== undefined
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

/** Same settings and same asset: asset directories are named by the hash of their content, wherever they are. */
function sameDefinition(a: FunctionModel, b: FunctionModel): boolean {
  const asset = (fn: FunctionModel) => (fn.codeDir === undefined ? undefined : basename(fn.codeDir))
  return JSON.stringify({ ...a, codeDir: asset(a) }) === JSON.stringify({ ...b, codeDir: asset(b) })
}

function authorizerFunctionsOf(model: ApiModel): Set<string> {
  const ids = new Set<string>()
  for (const api of model.apis) {
    for (const authorizer of api.authorizers.values()) {
      if (authorizer.functionLogicalId) ids.add(authorizer.functionLogicalId)
    }
  }
  return ids
}

/** `GET /v1/notes/{id}` for every method of every stage, to tell what a reload added or removed. */
function routesOf(model: ApiModel): Set<string> {
  const routes = new Set<string>()
  for (const api of model.apis) {
    const nodes = [api.root]
    for (let node = nodes.pop(); node; node = nodes.pop()) {
      for (const stage of api.stages) {
        for (const method of node.methods.keys())
          routes.add(`${method} /${stage.name}${node.path === '/' ? '' : node.path}`)
      }
      nodes.push(...node.literal.values())
      if (node.param) nodes.push(node.param.node)
      if (node.greedy) nodes.push(node.greedy.node)
    }
  }
  return routes
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
