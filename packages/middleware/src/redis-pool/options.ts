import type { ConnectionOptions } from 'node:tls'
import type { ClusterOptions, RedisOptions } from 'ioredis'
import { checkMetricsSink } from '../metrics/recorder.js'
import type { MetricsSink } from '../metrics.js'
import { checkKnownKeys, optionKeys } from '../options/check-known-keys.js'

/**
 * Returns the password (or token) to authenticate with. Called before every connection attempt, reconnects
 * included, so a short-lived credential such as an ElastiCache IAM auth token is always fresh.
 *
 * With `reauthenticateAfterMs`, the pool also sends `AUTH` with a fresh password on each live connection that
 * long after it became ready (and again after each such AUTH), without closing it: ElastiCache disconnects
 * IAM-authenticated connections after 12 hours. `elastiCacheIamAuth` (`@cubewalk/middleware/elasticache-iam`)
 * returns such a provider.
 *
 * With `refused`, the pool tells the provider when the server refused a password it returned (`WRONGPASS` to a
 * connection's AUTH or a re-AUTH), so that a provider which reuses its passwords (a token cache) stops handing
 * that one out and the next attempt gets a fresh one.
 */
export type RedisPasswordProvider = (() => string | Promise<string>) & {
  readonly reauthenticateAfterMs?: number | undefined
  readonly refused?: ((password: string) => void) | undefined
}

/** A seed node of a Redis Cluster. */
export interface RedisPoolNode {
  host: string
  port: number
}

export interface RedisPoolOptions<TKey extends string = 'redis'> {
  /**
   * `redis://[[user]:password@]host[:port][/db]` or `rediss://...` (TLS). Explicit options below take
   * precedence over the parts of the URL.
   */
  url?: string
  /** Host name or IP; required unless `url` is set. */
  host?: string
  /** Default 6379. */
  port?: number
  /** `true` or Node TLS options (`ca`, `servername`, `rejectUnauthorized`, ...); on by default for `rediss://`. */
  tls?: boolean | ConnectionOptions
  /** ACL user name (Redis 6+). Needs a password. */
  username?: string
  /** A string, or a provider called on every (re)connect, e.g. for ElastiCache IAM authentication. */
  password?: string | RedisPasswordProvider
  /** Database index (standalone only). Default 0. */
  db?: number
  /** Cluster mode (ElastiCache cluster mode enabled, ElastiCache Serverless). Default false. */
  cluster?: boolean
  /** Cluster mode: more seed nodes besides `url`/`host`. */
  nodes?: readonly RedisPoolNode[]
  /**
   * Longest time to get a usable connection, in ms (`before`'s wait with `awaitConnection`, and each connection
   * attempt). Counted like `commandTimeout`: in time the process had.
   */
  connectTimeout?: number
  /**
   * Longest time for one command, in ms, counted from when it is sent (or queued while the client connects) in
   * time the process actually had: time by which the event loop was late (blocked by synchronous work, a busy
   * burst, a cold start starved of CPU) is not counted, and the socket is read once more before the command fails
   * with `Command timed out`. So a healthy Redis never times out because the process was busy, while a dead or
   * hung one still fails after this budget. Both budgets are also capped, in wall-clock time, by the invocation's
   * remaining time minus `timeoutMargin`.
   */
  commandTimeout?: number
  /** Time kept in reserve before the Lambda deadline for the error response, in ms. */
  timeoutMargin?: number
  /** Reconnect attempts after a connection is lost before the client counts as dead and is replaced. */
  reconnectAttempts?: number
  /** Property of the Lambda context the client is put on. Default `redis`. */
  contextKey?: TKey
  /** Don't connect when the middleware is created (Lambda init); connect on the first invocation instead. */
  disablePrefetch?: boolean
  /**
   * `true` (default): `before` waits, up to `connectTimeout`, until the connection is ready. `false`: the client
   * is on the context at once and the handler's first command waits for the connection instead (ioredis's offline
   * queue), up to `commandTimeout`; a handler that rejects bad input first then answers it without waiting on
   * Redis, even while Redis is down.
   */
  awaitConnection?: boolean
  /** Escape hatch: extra ioredis options (every node's options in cluster mode). They win over the pool's. */
  redisOptions?: RedisOptions
  /** Escape hatch: extra ioredis Cluster options (cluster mode only). They win over the pool's. */
  clusterOptions?: ClusterOptions
  /**
   * Where to record the pool's metrics: `emfMetrics()` from `@cubewalk/middleware/metrics` or a Powertools
   * `Metrics`. Recorded, all without dimensions: `RedisUnavailable` (Count, each 503 answered because Redis could
   * not be used), `RedisCommandLatency` (Milliseconds, each command from send to reply, offline-queue wait
   * included), `RedisReconnects` (Count, each reconnect attempt and each replacement of an ended client). Published
   * once per invocation that recorded something (middy `after`/`onError`). Off by default.
   */
  metrics?: MetricsSink
}

/** The pool's defaults: Lambda-shaped, so a dead Redis turns into a 503 well within a second. */
export const redisPoolDefaults = {
  port: 6379,
  db: 0,
  cluster: false,
  connectTimeout: 500,
  commandTimeout: 500,
  timeoutMargin: 50,
  reconnectAttempts: 2,
  contextKey: 'redis',
  disablePrefetch: false,
  awaitConnection: true,
} as const satisfies Partial<RedisPoolOptions<'redis'>>

// Stryker disable BooleanLiteral: optionKeys reads only the keys; `true` is there for the compiler's completeness check.
const knownOptions = optionKeys<RedisPoolOptions<string>>({
  url: true,
  host: true,
  port: true,
  tls: true,
  username: true,
  password: true,
  db: true,
  cluster: true,
  nodes: true,
  connectTimeout: true,
  commandTimeout: true,
  timeoutMargin: true,
  reconnectAttempts: true,
  contextKey: true,
  disablePrefetch: true,
  awaitConnection: true,
  redisOptions: true,
  clusterOptions: true,
  metrics: true,
})
// Stryker restore BooleanLiteral

/** Options checked and resolved once, when the middleware (or accessor) is set up. */
export interface ResolvedRedisPoolConfig {
  /** Registry key: one client per distinct value per process. */
  readonly key: string
  readonly cluster: boolean
  readonly host: string
  readonly port: number
  readonly nodes: readonly RedisPoolNode[]
  readonly tls: ConnectionOptions | undefined
  readonly username: string | undefined
  readonly password: string | RedisPasswordProvider | undefined
  readonly db: number
  readonly connectTimeout: number
  readonly commandTimeout: number
  readonly timeoutMargin: number
  readonly reconnectAttempts: number
  readonly contextKey: string
  readonly disablePrefetch: boolean
  readonly awaitConnection: boolean
  readonly redisOptions: RedisOptions
  readonly clusterOptions: ClusterOptions
  readonly metrics: MetricsSink | undefined
}

export class RedisPoolConfigError extends TypeError {
  constructor(message: string) {
    super(`redisPool: ${message}`)
    this.name = 'RedisPoolConfigError'
  }
}

interface UrlParts {
  tls: boolean
  /** Empty for a url without one. */
  host: string
  port?: number
  username?: string
  password?: string
  db?: number
}

function parseUrl(url: string): UrlParts {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new RedisPoolConfigError('url is not a valid URL')
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisPoolConfigError(`url must start with redis:// or rediss://, not ${parsed.protocol}//`)
  }
  const { hostname } = parsed
  const parts: UrlParts = {
    tls: parsed.protocol === 'rediss:',
    // WHATWG URLs keep the brackets of an IPv6 literal; sockets want the bare address.
    host: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
  }
  if (parsed.port !== '') parts.port = Number(parsed.port)
  if (parsed.username !== '') parts.username = decodeURIComponent(parsed.username)
  if (parsed.password !== '') parts.password = decodeURIComponent(parsed.password)
  // Without the leading slash (a url without a path has an empty one).
  const path = parsed.pathname.slice(1)
  if (path !== '') {
    if (!/^\d+$/.test(path)) throw new RedisPoolConfigError('the url path must be a database number')
    parts.db = Number(path)
  }
  return parts
}

function checkInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RedisPoolConfigError(`${name} must be an integer ≥ ${min}, got ${String(value)}`)
  }
  return value
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RedisPoolConfigError(`port must be an integer in 1..65535, got ${String(port)}`)
  }
  return port
}

function tlsOptions(
  option: boolean | ConnectionOptions | undefined,
  fromUrl: boolean | undefined,
): ConnectionOptions | undefined {
  if (option === false && fromUrl) {
    throw new RedisPoolConfigError('tls: false contradicts a rediss:// url')
  }
  if (typeof option === 'object' && option !== null) return { ...option }
  return option === true || fromUrl ? {} : undefined
}

function nodeKey(node: RedisPoolNode): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`
}

/** Checks the options and resolves URL, defaults and the registry key. Throws {@link RedisPoolConfigError}. */
export function resolveRedisPoolConfig(options: RedisPoolOptions<string>): ResolvedRedisPoolConfig {
  if (typeof options !== 'object' || options === null) {
    throw new RedisPoolConfigError('options must be an object with at least url or host')
  }
  checkKnownKeys(options, knownOptions, (message) => new RedisPoolConfigError(message))
  const fromUrl: Partial<UrlParts> = options.url === undefined ? {} : parseUrl(options.url)
  const host = options.host ?? fromUrl.host
  if (host === undefined || host === '') {
    throw new RedisPoolConfigError('set url (redis:// or rediss://) or host; neither was given')
  }
  const port = checkPort(options.port ?? fromUrl.port ?? redisPoolDefaults.port)
  const cluster = options.cluster ?? redisPoolDefaults.cluster
  const db = options.db ?? fromUrl.db ?? redisPoolDefaults.db
  if (!Number.isInteger(db) || db < 0) throw new RedisPoolConfigError('db must be an integer ≥ 0')
  if (cluster && db !== 0) throw new RedisPoolConfigError('Redis Cluster has only database 0')
  const username = options.username ?? fromUrl.username
  const password = options.password ?? fromUrl.password
  if (password !== undefined && typeof password !== 'string' && typeof password !== 'function') {
    throw new RedisPoolConfigError('password must be a string or a function returning one')
  }
  if (typeof password === 'function' && password.reauthenticateAfterMs !== undefined) {
    const after = password.reauthenticateAfterMs
    // setTimeout holds at most 2^31 - 1 ms; a longer delay would fire at once.
    if (!(Number.isInteger(after) && after > 0 && after <= 2_147_483_647)) {
      throw new RedisPoolConfigError(
        `password.reauthenticateAfterMs must be an integer from 1 to 2147483647 ms, got ${String(after)}`,
      )
    }
  }
  // ioredis would send `AUTH user undefined`; an ACL user always comes with a password (or a token).
  if (username !== undefined && password === undefined) {
    throw new RedisPoolConfigError('username needs a password (or a password provider)')
  }
  const tls = tlsOptions(options.tls, fromUrl.tls)
  const seeds: RedisPoolNode[] = [{ host, port }]
  for (const node of options.nodes ?? []) {
    if (typeof node?.host !== 'string' || node.host === '') {
      throw new RedisPoolConfigError('every node needs a host')
    }
    seeds.push({ host: node.host, port: checkPort(node.port) })
  }
  if (!cluster && seeds.length > 1) throw new RedisPoolConfigError('nodes is for cluster mode only')
  const contextKey = options.contextKey ?? redisPoolDefaults.contextKey
  if (typeof contextKey !== 'string' || contextKey === '') {
    throw new RedisPoolConfigError('contextKey must be a non-empty string')
  }
  const nodes = cluster ? [...new Map(seeds.map((n) => [nodeKey(n), n])).values()] : seeds
  const endpoint = cluster ? nodes.map(nodeKey).sort().join(',') : `${nodeKey({ host, port })}/${db}`
  // Credentials stay out of the key: it names an endpoint and a user, never a secret.
  const key = `${cluster ? 'cluster' : 'standalone'}|${tls ? 'tls' : 'tcp'}|${encodeURIComponent(username ?? '')}@${endpoint}`
  return {
    key,
    cluster,
    host,
    port,
    nodes,
    tls,
    username,
    password,
    db,
    // The escape hatch may carry the timeouts too; they are the configured maximum either way.
    connectTimeout: checkInt(
      'connectTimeout',
      options.connectTimeout ?? options.redisOptions?.connectTimeout ?? redisPoolDefaults.connectTimeout,
      1,
    ),
    commandTimeout: checkInt(
      'commandTimeout',
      options.commandTimeout ?? options.redisOptions?.commandTimeout ?? redisPoolDefaults.commandTimeout,
      1,
    ),
    timeoutMargin: checkInt('timeoutMargin', options.timeoutMargin ?? redisPoolDefaults.timeoutMargin, 0),
    reconnectAttempts: checkInt(
      'reconnectAttempts',
      options.reconnectAttempts ?? redisPoolDefaults.reconnectAttempts,
      0,
    ),
    contextKey,
    disablePrefetch: options.disablePrefetch ?? redisPoolDefaults.disablePrefetch,
    awaitConnection: options.awaitConnection ?? redisPoolDefaults.awaitConnection,
    redisOptions: { ...options.redisOptions },
    clusterOptions: { ...options.clusterOptions },
    metrics:
      options.metrics === undefined
        ? undefined
        : checkMetricsSink(options.metrics, (message) => new RedisPoolConfigError(message)),
  }
}
