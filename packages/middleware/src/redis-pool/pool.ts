import { Cluster, type ClusterOptions, type Command, Redis, type RedisOptions } from 'ioredis'
import type { MetricsRecorder } from '../metrics/recorder.js'
import type { ResolvedRedisPoolConfig } from './options.js'
import { poolConnector } from './pool-connector.js'
import { ProcessTimeDeadline } from './process-time-deadline.js'
import { keepAuthenticated } from './reauthentication.js'

export type RedisPoolClient = Redis | Cluster

/** The connection did not become usable within the time the invocation could spend on it. */
export class RedisNotReadyError extends Error {
  readonly code = 'ETIMEDOUT'
  constructor(ms: number, cause: Error | undefined) {
    super(`Redis connection not ready within ${ms} ms`, cause === undefined ? undefined : { cause })
    this.name = 'RedisNotReadyError'
  }
}

const noop = (): void => {}

// The small helpers below are function declarations, not arrow constants: Stryker (npm run mutation) mutates an
// arrow constant once, when the module loads, which its per-test runs cannot switch; a body is mutated per call.
function closedError(): Error {
  return new Error('Connection is closed.')
}

/**
 * ioredis's "Failed to refresh slots cache." keeps the reason (refused, TLS, AUTH...) in `lastNodeError`; expose
 * it as `cause` too, which is what loggers (and the jsonResponse middleware) follow.
 */
const withNodeCause = (error: Error): Error => {
  const nodeError = (error as Error & { lastNodeError?: unknown }).lastNodeError
  // Equivalent when always true: an error without a node error would only get an own `cause: undefined`.
  // Stryker disable next-line ConditionalExpression: see above
  if (nodeError !== undefined) error.cause ??= nodeError
  return error
}

type SendCommand = (command: Command, ...rest: unknown[]) => unknown

/** The budget of one command: the pool's own timer instead of ioredis's wall-clock `commandTimeout`. */
function commandTimedOut(): Error {
  return new Error('Command timed out')
}

/**
 * The caller armed the command's own timeout (ioredis's public `Command#setTimeout`, e.g. a `WAIT` that may take
 * longer than the per-command budget): ioredis keeps the first timeout a command gets, and so does the pool.
 * ioredis keeps that timer in `_commandTimeoutTimer` until it fires or the command settles.
 */
function hasOwnTimeout(command: Command): boolean {
  return (command as unknown as { _commandTimeoutTimer?: unknown })._commandTimeoutTimer !== undefined
}

/** One registered client with the timeouts it currently runs with. */
export class PoolEntry {
  readonly client: RedisPoolClient
  /** Last connection error since the client was last ready; the cause a 503 reports. */
  lastError: Error | undefined
  /** Where command latencies and reconnects go: the recorder of the middleware that last used this entry. */
  metrics: MetricsRecorder | undefined
  private commandTimeout: number
  private connectTimeout: number
  /** `performance.now()` instant by which the current invocation must answer; Infinity outside an invocation. */
  private wallDeadline = Number.POSITIVE_INFINITY
  /** Commands that already have a deadline: ioredis sends a queued or retried command through sendCommand again. */
  private readonly timed = new WeakSet<Command>()

  constructor(client: RedisPoolClient, commandTimeout: number, connectTimeout: number) {
    this.client = client
    this.commandTimeout = commandTimeout
    this.connectTimeout = connectTimeout
    // A Cluster's own commands too: one that waits in the Cluster's offline queue (slots not known yet) is on
    // its budget from then on, not only once a node's connection takes it.
    this.timeCommands(client)
    // Without an 'error' listener ioredis prints every connection error to stderr.
    client.on('error', (error: Error) => {
      this.lastError = withNodeCause(error)
    })
    client.on('ready', () => {
      this.lastError = undefined
    })
    client.on('reconnecting', () => this.metrics?.count('RedisReconnects'))
    // Only a Cluster emits these two.
    client.on('node error', (error: Error) => {
      this.lastError = error
    })
    // Nodes are created lazily (after MOVED, slot refreshes): give them the budget in force now.
    client.on('+node', (node: Redis) => {
      node.options.connectTimeout = this.connectTimeout
      this.timeCommands(node)
    })
  }

  /**
   * Gives every command sent on `connection` a {@link ProcessTimeDeadline}: `commandTimeout` ms of time the process
   * had, counted from the first send (a command waiting in the offline queue for a cold connection included), one
   * more look at the socket before giving up, and never past the invocation's deadline. It rejects with ioredis's
   * own `Command timed out`, so callers and the error classification see the same error as before. A Cluster
   * hands its commands on to its nodes' connections, where they already have their deadline.
   */
  private timeCommands(connection: RedisPoolClient): void {
    const send = connection.sendCommand.bind(connection) as SendCommand
    // Every argument passes through: a Cluster's third one routes the command (a slot or a node).
    connection.sendCommand = (command: Command, ...rest: unknown[]): unknown => {
      const sent = send(command, ...rest)
      if (!command.isSettled && !this.timed.has(command) && !hasOwnTimeout(command)) {
        this.timed.add(command)
        const now = performance.now()
        const settled = (): void => {
          deadline.cancel()
          // Microsecond precision is plenty and keeps the EMF line short.
          this.metrics?.milliseconds(
            'RedisCommandLatency',
            Math.round((performance.now() - now) * 1000) / 1000,
          )
        }
        const deadline = new ProcessTimeDeadline(
          this.commandTimeout,
          // A command outside an invocation (a reconnect's handshake between invocations) has only its budget.
          // Stryker disable next-line EqualityOperator: `>=` differs only when the deadline is this very instant.
          this.wallDeadline > now ? this.wallDeadline : Number.POSITIVE_INFINITY,
          () => command.reject(commandTimedOut()),
        )
        command.promise.then(settled, settled)
      }
      return sent
    }
  }

  /** Ended clients never reconnect: the registry replaces them. */
  get dead(): boolean {
    return this.client.status === 'end'
  }

  /**
   * Sets the budget of the commands sent from now on, the connect timeout ioredis reads on every connect, and the
   * invocation's wall-clock deadline (`performance.now()` instant; Infinity without one).
   */
  setTimeouts(commandTimeout: number, connectTimeout: number, wallDeadline = Number.POSITIVE_INFINITY): void {
    this.commandTimeout = commandTimeout
    this.wallDeadline = wallDeadline
    // Equivalent when mutated: it only spares the hot path rewriting every node's option with the same value.
    // Stryker disable next-line ConditionalExpression: see above
    if (connectTimeout === this.connectTimeout) return
    this.connectTimeout = connectTimeout
    const client = this.client
    if (client instanceof Cluster) {
      for (const node of client.nodes('all')) node.options.connectTimeout = connectTimeout
    } else {
      client.options.connectTimeout = connectTimeout
    }
  }

  /**
   * For a client that is neither ready nor ended (the middleware's cold path checks that just before): resolves
   * when it becomes ready; rejects when it ends, or once `ms` of time the process had (see
   * {@link ProcessTimeDeadline}) or the invocation's deadline pass first.
   */
  ready(ms: number): Promise<void> {
    const client = this.client
    // A client made lazy by the escape hatch; one that is reconnecting keeps its retry strategy's delay.
    if (client.status === 'wait') client.connect().catch(noop)
    return new Promise((resolve, reject) => {
      const finish = (error?: Error): void => {
        deadline.cancel()
        client.off('ready', onReady)
        client.off('end', onEnd)
        if (error) reject(error)
        else resolve()
      }
      const onReady = (): void => finish()
      const onEnd = (): void => finish(this.lastError ?? closedError())
      const deadline = new ProcessTimeDeadline(ms, this.wallDeadline, () =>
        finish(new RedisNotReadyError(ms, this.lastError)),
      )
      client.once('ready', onReady)
      client.once('end', onEnd)
    })
  }

  /**
   * A command timed out: the socket may be half-open (peer gone without FIN/RST, as after a long Lambda freeze).
   * Destroying it makes ioredis reconnect now instead of waiting for TCP to notice, so the next invocation gets
   * a fresh connection. Cluster clients recover through their own MOVED/refresh logic.
   */
  recycle(): void {
    const client = this.client
    if (!(client instanceof Cluster) && client.status === 'ready') client.stream.destroy()
  }

  /** QUIT when connected (bounded wait), otherwise disconnect; either way nothing reconnects afterwards. */
  async close(timeoutMs = 1000): Promise<void> {
    const client = this.client
    if (client.status === 'end') return
    if (client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined
      const ended = new Promise<boolean>((resolve) => {
        client.once('end', () => resolve(true))
        timer = setTimeout(() => resolve(false), timeoutMs)
      })
      client.quit().catch(noop)
      const clean = await ended
      clearTimeout(timer)
      if (clean) return
    }
    // Not ready (a client between reconnect attempts has no socket to close and may never emit 'end'), or its
    // QUIT went unanswered: disconnect() stops every reconnect, of each node too in cluster mode.
    client.disconnect()
    // ioredis's disconnect() half-closes the socket and destroys it only after another 2 s (its
    // disconnectTimeout) when the peer never answers: drop it now, so the client ends now, not 2 s later.
    // Stryker disable next-line ConditionalExpression: equivalent; a Cluster has no `stream`, which `?.` skips.
    if (client instanceof Redis) client.stream?.destroy()
  }
}

function reconnectOnReadOnly(error: Error): 2 | false {
  // After a failover the old primary answers writes with READONLY: reconnect (the endpoint's DNS name now
  // leads to the new primary) and send the failed command again there. Any other error reply is the command's.
  return error.message.startsWith('READONLY') ? 2 : false
}

/**
 * The escape hatch's options minus `commandTimeout`: the resolved config already took its value as the budget,
 * and an ioredis timer beside the pool's would bring back the wall-clock timeouts the pool avoids.
 */
const withoutCommandTimeout = (options: RedisOptions | undefined): RedisOptions => {
  const copy: RedisOptions = { ...options }
  delete copy.commandTimeout
  return copy
}

/** Options every connection gets (each node's, in cluster mode). */
const connectionOptions = (config: ResolvedRedisPoolConfig): RedisOptions => {
  const options: RedisOptions = {
    connectTimeout: config.connectTimeout,
    // No `commandTimeout`: PoolEntry times commands itself (ioredis's timer counts time the process never had).
    // Fail a queued command after one failed reconnect; the client ends after `reconnectAttempts` anyway.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    tls: config.tls,
  }
  const { password, username } = config
  // Every connection opens through the pool's connector: its connect budget counts time the process had.
  options.Connector = poolConnector(typeof password === 'function' ? password : undefined, username)
  if (typeof password === 'string') {
    options.password = password
    options.username = username
  }
  return options
}

/** With a provider that asks for it, every connection (each node's, in cluster mode) authenticates again in time. */
const withReauthentication = (config: ResolvedRedisPoolConfig, client: RedisPoolClient): RedisPoolClient => {
  const { password, username } = config
  if (typeof password !== 'function' || password.reauthenticateAfterMs === undefined) return client
  const afterMs = password.reauthenticateAfterMs
  if (client instanceof Cluster) {
    client.on('+node', (node: Redis) => keepAuthenticated(node, password, username, afterMs))
  } else {
    keepAuthenticated(client, password, username, afterMs)
  }
  return client
}

const createConnection = (config: ResolvedRedisPoolConfig): RedisPoolClient => {
  const attempts = config.reconnectAttempts
  if (!config.cluster) {
    return new Redis({
      host: config.host,
      port: config.port,
      db: config.db,
      ...connectionOptions(config),
      // Reconnect at once (a Lambda thaws to a dropped socket), then give up quickly: an ended client is
      // replaced by a fresh one on the next invocation, so nothing keeps retrying in the background.
      retryStrategy: (times: number) => (times > attempts ? null : (times - 1) * 50),
      reconnectOnError: reconnectOnReadOnly,
      ...withoutCommandTimeout(config.redisOptions),
    })
  }
  const clusterOptions: ClusterOptions = {
    clusterRetryStrategy: (times: number) => (times > attempts ? null : times * 100),
    slotsRefreshTimeout: Math.max(1000, config.connectTimeout),
    enableOfflineQueue: true,
    ...config.clusterOptions,
    redisOptions: {
      ...connectionOptions(config),
      ...withoutCommandTimeout(config.redisOptions),
      ...withoutCommandTimeout(config.clusterOptions.redisOptions),
    },
  }
  // ElastiCache with TLS announces nodes by host name and its certificates name those hosts: resolving them to
  // IPs first would fail the certificate check, so hand the names to the TLS socket unchanged.
  if (config.tls !== undefined && config.clusterOptions.dnsLookup === undefined) {
    clusterOptions.dnsLookup = (address, callback) => callback(null, address)
  }
  return new Cluster(
    config.nodes.map((node) => ({ host: node.host, port: node.port })),
    clusterOptions,
  )
}

const createClient = (config: ResolvedRedisPoolConfig): RedisPoolClient =>
  withReauthentication(config, createConnection(config))

// One entry per endpoint for the whole process: module scope outlives invocations in a warm Lambda container.
const registry = new Map<string, PoolEntry>()

/** The live entry for `key`, if any (the middleware's hot path). */
export function lookupEntry(key: string): PoolEntry | undefined {
  return registry.get(key)
}

/** The entry for this endpoint: the registered one while it lives, otherwise a new client. */
export const obtainEntry = (config: ResolvedRedisPoolConfig): PoolEntry => {
  const existing = registry.get(config.key)
  if (existing !== undefined && !existing.dead) return existing
  const entry = new PoolEntry(createClient(config), config.commandTimeout, config.connectTimeout)
  // An ended client being replaced is a reconnect too, the one ioredis no longer attempts.
  entry.metrics = existing?.metrics
  entry.metrics?.count('RedisReconnects')
  registry.set(config.key, entry)
  return entry
}

/** Empties the registry and closes every client in it. */
export const closeAllEntries = async (): Promise<void> => {
  const entries = [...registry.values()]
  registry.clear()
  await Promise.all(entries.map((entry) => entry.close()))
}
