// Environment variables of the two Lambdas: the contract with the stack (packages/stack sets these).
// Read once at cold start; a missing or malformed value fails the init with a message naming the variable,
// rather than turning into confusing errors on the first request.

/** Every variable either Lambda reads, by purpose. */
export const ENV = {
  /** Authorizer. Name (or ARN) of the SSM parameter holding the tokens: JSON {"<name>": "<token>", ...}. Required. */
  tokensParameterName: 'TOKENS_PARAMETER_NAME',
  /** Authorizer. Seconds the fetched tokens are reused before SSM is asked again. Default 300; 0 = every call. */
  tokensCacheTtlSeconds: 'TOKENS_CACHE_TTL_SECONDS',
  /** Authorizer. Optional regex every token must fully match; the same as the API Gateway identity validation. */
  tokenPattern: 'TOKEN_PATTERN',
  /** Blocks. `redis://host:port` or `rediss://host:port` (TLS). Either this or REDIS_HOST. */
  redisUrl: 'REDIS_URL',
  /** Blocks. Redis/Valkey endpoint host (ElastiCache primary or configuration endpoint). */
  redisHost: 'REDIS_HOST',
  /** Blocks. Default 6379. */
  redisPort: 'REDIS_PORT',
  /** Blocks. `true` for TLS (ElastiCache in-transit encryption, always on for Serverless). Default false. */
  redisTls: 'REDIS_TLS',
  /** Blocks. `true` for cluster mode (ElastiCache cluster mode enabled, ElastiCache Serverless). Default false. */
  redisCluster: 'REDIS_CLUSTER',
  /** Blocks. ElastiCache user id, sent with AUTH; needed with IAM authentication. */
  redisUsername: 'REDIS_USERNAME',
  /**
   * Blocks. Replication group id or serverless cache name. When set, every connection authenticates with a fresh
   * ElastiCache IAM token signed from the execution role (@cubewalk/middleware/elasticache-iam); no password exists.
   */
  redisIamAuthCacheName: 'REDIS_IAM_AUTH_CACHE_NAME',
  /** Blocks. `true` when that cache is ElastiCache Serverless. Default false. */
  redisIamAuthServerless: 'REDIS_IAM_AUTH_SERVERLESS',
  /** Blocks. Optional ms budgets for connecting and for one command (the pool's defaults otherwise). */
  redisConnectTimeoutMs: 'REDIS_CONNECT_TIMEOUT_MS',
  redisCommandTimeoutMs: 'REDIS_COMMAND_TIMEOUT_MS',
  /**
   * Blocks. Replicas that must confirm every write (Redis WAIT) before it is acknowledged; otherwise the write
   * answers 503. 0 or unset = off: replication stays asynchronous and an unplanned failover can lose acknowledged
   * writes. Not for ElastiCache Serverless, which does not accept WAIT.
   */
  redisDurableReplicas: 'REDIS_DURABLE_REPLICAS',
  /** Blocks. Longest wait for those confirmations, in ms (capped by the invocation's remaining time). Default 100. */
  redisDurableTimeoutMs: 'REDIS_DURABLE_TIMEOUT_MS',
  /** Blocks. Comma-separated origins allowed by CORS for browser builds, e.g. `https://game.example`. Default `*`. */
  corsAllowedOrigins: 'CORS_ALLOWED_ORIGINS',
  /**
   * Both. CloudWatch namespace of the metrics the function writes as EMF lines to its log
   * (@cubewalk/middleware/metrics), e.g. `Cubewalk`. Unset = no metrics.
   */
  metricsNamespace: 'METRICS_NAMESPACE',
  /** Both. The REST API's id, the `ApiId` dimension of those metrics (as in the stack's own). Optional. */
  metricsApiId: 'METRICS_API_ID',
} as const

export type Env = Readonly<Record<string, string | undefined>>

export class ConfigError extends Error {
  constructor(name: string, problem: string) {
    super(`environment variable ${name} ${problem}`)
    this.name = 'ConfigError'
  }
}

const text = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

const flag = (env: Env, name: string): boolean => {
  const value = text(env, name)?.toLowerCase()
  if (value === undefined || value === 'false' || value === '0') return false
  if (value === 'true' || value === '1') return true
  throw new ConfigError(name, `must be true or false, got ${JSON.stringify(value)}`)
}

const integer = (env: Env, name: string, min: number, max: number): number | undefined => {
  const value = text(env, name)
  if (value === undefined) return undefined
  const number = Number(value)
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return number
}

/** Where the function's metrics go: one namespace, fixed dimensions (never request input). */
export interface MetricsConfig {
  readonly namespace: string
  readonly dimensions: Readonly<Record<string, string>>
}

const readMetricsConfig = (env: Env): MetricsConfig | undefined => {
  const namespace = text(env, ENV.metricsNamespace)
  const apiId = text(env, ENV.metricsApiId)
  if (namespace === undefined) {
    if (apiId !== undefined) throw new ConfigError(ENV.metricsApiId, `needs ${ENV.metricsNamespace}`)
    return undefined
  }
  if (namespace.length > 255 || namespace.startsWith('AWS/')) {
    throw new ConfigError(ENV.metricsNamespace, 'must have at most 255 characters and not start with AWS/')
  }
  if (apiId !== undefined && !/^[A-Za-z0-9]{1,64}$/.test(apiId)) {
    throw new ConfigError(
      ENV.metricsApiId,
      `must be a REST API id such as a1b2c3d4e5, got ${JSON.stringify(apiId)}`,
    )
  }
  return { namespace, dimensions: apiId === undefined ? {} : { ApiId: apiId } }
}

export interface AuthorizerConfig {
  readonly tokensParameterName: string
  /** For @middy/ssm's cacheExpiry, which takes milliseconds. */
  readonly tokensCacheExpiryMs: number
  readonly tokenPattern: RegExp | undefined
  /** Set when the function writes metrics (refusals by reason, token map failures). */
  readonly metrics?: MetricsConfig | undefined
}

export const DEFAULT_TOKENS_CACHE_TTL_SECONDS = 300

/**
 * A token the authorizer's cached copy of the parameter accepts is checked against a fresh read when that copy is
 * older than this; an unknown token never is. It bounds how long a warm authorizer can keep allowing a revoked
 * token once API Gateway asks it again, so `cubewalk-tokens revoke --now` waits this long (plus a margin) before
 * it flushes API Gateway's cache. docs/deploy.md#revoking-a-token-at-once.
 */
export const TOKENS_REVALIDATE_AFTER_SECONDS = 5

export const readAuthorizerConfig = (env: Env): AuthorizerConfig => {
  const tokensParameterName = text(env, ENV.tokensParameterName)
  if (tokensParameterName === undefined) {
    throw new ConfigError(ENV.tokensParameterName, 'must name the SSM parameter that holds the tokens')
  }
  const ttl = integer(env, ENV.tokensCacheTtlSeconds, 0, 86_400) ?? DEFAULT_TOKENS_CACHE_TTL_SECONDS
  const pattern = text(env, ENV.tokenPattern)
  let tokenPattern: RegExp | undefined
  try {
    tokenPattern = pattern === undefined ? undefined : new RegExp(pattern)
  } catch {
    throw new ConfigError(ENV.tokenPattern, 'is not a valid regular expression')
  }
  const metrics = readMetricsConfig(env)
  return {
    tokensParameterName,
    tokensCacheExpiryMs: ttl * 1000,
    tokenPattern,
    ...(metrics === undefined ? {} : { metrics }),
  }
}

/** The parts of redisPool's options the environment controls. */
export interface RedisEndpointConfig {
  url?: string
  host?: string
  port?: number
  tls?: boolean
  cluster: boolean
  username?: string
  connectTimeout?: number
  commandTimeout?: number
}

export interface IamAuthConfig {
  readonly cacheName: string
  readonly userId: string
  readonly serverless: boolean
}

/** Options for @cubewalk/middleware's durableWrites: WAIT for `replicas` within `timeout` ms after each write. */
export interface DurableWritesConfig {
  readonly replicas: number
  readonly timeout: number
}

export const DEFAULT_DURABLE_TIMEOUT_MS = 100

export interface BlocksConfig {
  readonly redis: RedisEndpointConfig
  /** Set when connections authenticate with ElastiCache IAM tokens. */
  readonly iamAuth: IamAuthConfig | undefined
  readonly corsOrigins: readonly string[]
  /** Set when writes must be confirmed by replicas before they are acknowledged. */
  readonly durableWrites?: DurableWritesConfig | undefined
  /** Set when the function writes metrics (503s for want of Redis, command latency, reconnects). */
  readonly metrics?: MetricsConfig | undefined
}

const readDurableWrites = (env: Env, serverless: boolean): DurableWritesConfig | undefined => {
  const replicas = integer(env, ENV.redisDurableReplicas, 0, 5) ?? 0
  const timeout = integer(env, ENV.redisDurableTimeoutMs, 1, 60_000) ?? DEFAULT_DURABLE_TIMEOUT_MS
  if (replicas === 0) return undefined
  if (serverless) {
    throw new ConfigError(
      ENV.redisDurableReplicas,
      'must be 0 with ElastiCache Serverless, which does not accept WAIT',
    )
  }
  return { replicas, timeout }
}

export const readBlocksConfig = (env: Env): BlocksConfig => {
  const url = text(env, ENV.redisUrl)
  const host = text(env, ENV.redisHost)
  if (url === undefined && host === undefined) {
    throw new ConfigError(ENV.redisHost, `or ${ENV.redisUrl} must point at the Redis/Valkey endpoint`)
  }
  const redis: RedisEndpointConfig = { cluster: flag(env, ENV.redisCluster) }
  if (url !== undefined) redis.url = url
  if (host !== undefined) redis.host = host
  const port = integer(env, ENV.redisPort, 1, 65_535)
  if (port !== undefined) redis.port = port
  // Only an explicit REDIS_TLS=true adds TLS; a rediss:// URL turns it on by itself.
  if (flag(env, ENV.redisTls)) redis.tls = true
  const username = text(env, ENV.redisUsername)
  if (username !== undefined) redis.username = username
  const cacheName = text(env, ENV.redisIamAuthCacheName)
  if (cacheName !== undefined && username === undefined) {
    throw new ConfigError(
      ENV.redisUsername,
      `must be set with ${ENV.redisIamAuthCacheName} (the IAM-enabled user id)`,
    )
  }
  const iamAuth =
    cacheName === undefined || username === undefined
      ? undefined
      : { cacheName, userId: username, serverless: flag(env, ENV.redisIamAuthServerless) }
  const connectTimeout = integer(env, ENV.redisConnectTimeoutMs, 1, 60_000)
  if (connectTimeout !== undefined) redis.connectTimeout = connectTimeout
  const commandTimeout = integer(env, ENV.redisCommandTimeoutMs, 1, 60_000)
  if (commandTimeout !== undefined) redis.commandTimeout = commandTimeout
  const origins = (text(env, ENV.corsAllowedOrigins) ?? '*')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
  const durableWrites = readDurableWrites(env, flag(env, ENV.redisIamAuthServerless))
  const metrics = readMetricsConfig(env)
  return {
    redis,
    iamAuth,
    corsOrigins: origins.length > 0 ? origins : ['*'],
    ...(durableWrites === undefined ? {} : { durableWrites }),
    ...(metrics === undefined ? {} : { metrics }),
  }
}
