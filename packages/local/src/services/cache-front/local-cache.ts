// The faithful local cache: private redis-servers set up as the template's cache (its ACL users, the default user
// off, one node owning every slot in cluster mode; a node-based cache's replicas as replica servers) behind a cache
// front that serves TLS with a CA made at start and checks IAM tokens. Functions reach the front at the endpoint
// the template's cache attributes resolve to. The faults a developer injects (kill, restart, freeze, failover,
// heal) act on these servers and on the front, the way the same event looks to a client of ElastiCache.

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LocalRedis } from '../redis-server.js'
import type { AdminConnection } from './admin-connection.js'
import {
  type CacheFront,
  type CacheFrontAddress,
  type CacheFrontEvent,
  type CacheFrontUser,
  startCacheFront,
} from './cache-front.js'
import { CacheNode, type CacheNodeSetup } from './cache-node.js'
import type { CacheShape } from './cache-template.js'
import { createLocalCertificates } from './certificates.js'
import type { LocalAwsCredentials } from './iam-token.js'

/** Replica servers at most: ElastiCache's own limit per shard, so a valid template never asks for more. */
export const MAX_LOCAL_REPLICAS = 5
/** How long a planned failover may hold writes while the replica catches up (a safety net: loopback takes ms). */
const FAILOVER_PAUSE_MS = 10_000

export interface LocalCacheOptions {
  readonly shape: CacheShape
  /** The port the front listens on (the endpoint the functions were given). */
  readonly port: number
  readonly host?: string
  readonly region: string
  /** The credentials the functions sign IAM tokens with. */
  readonly credentials: LocalAwsCredentials
  readonly redisServerBin?: string
  readonly iamConnectionLifetimeMs?: number
  readonly now?: () => Date
  readonly onEvent?: (event: CacheFrontEvent) => void
}

/** A replica server of the local cache. */
export interface LocalCacheReplica {
  readonly host: string
  readonly port: number
  /** `false` while it is down (its primary was killed, then failed over from); {@link LocalCache.heal} restarts it. */
  readonly running: boolean
}

/** The faults in force, for a caller that reports them. */
export interface LocalCacheFaultState {
  /** The primary's redis-server is dead ({@link LocalCache.kill}) until a restart or heal. */
  readonly killed: boolean
  /** When a {@link LocalCache.freeze} of the primary ends; undefined when it is not frozen. */
  readonly frozenUntil: Date | undefined
  /** The front's added latency per command (0: none). */
  readonly latencyMs: number
  /** The server the front's endpoint leads to; another one after a failover. */
  readonly primary: CacheFrontAddress
  readonly replicas: readonly LocalCacheReplica[]
}

export interface LocalCache {
  readonly shape: CacheShape
  readonly front: CacheFront
  /** The primary redis-server behind the front (plain TCP, default user off); another one after a failover. */
  readonly redis: LocalRedis
  /**
   * Replica servers this cache runs: the template's count (at most {@link MAX_LOCAL_REPLICAS}) for a node-based
   * cache without cluster mode, 0 otherwise (serverless hides its replicas; a cluster-mode group runs none locally).
   * They replicate the primary as ElastiCache's do, asynchronously, and confirm writes to Redis `WAIT`.
   */
  readonly replicas: number
  /** The CA certificate file functions trust (NODE_EXTRA_CA_CERTS); undefined without transit encryption. */
  readonly caFile: string | undefined
  /** A new connection to the primary redis-server as the runner's admin user, for faults and tests. */
  admin(): Promise<AdminConnection>
  /**
   * The primary redis-server dies at once (SIGKILL) and stays down until {@link restart} or {@link heal}: connections
   * through the front close, new ones are closed as soon as they open. Replicas keep their data. Does nothing when
   * it is already down.
   */
  kill(): Promise<void>
  /**
   * Kills the primary if it runs, then starts a fresh redis-server on the same port with the same set-up (ACL
   * users, cluster slots, its replicas). Nothing is persisted locally, so it starts **empty**, as an ElastiCache node
   * rebooted without a backup, and its replicas, syncing from it, drop their copy too. Resolves once the replicas
   * have synced again.
   */
  restart(): Promise<void>
  /**
   * Freezes the primary redis-server (SIGSTOP on the server process) for `ms`, then lets it run on (SIGCONT). It keeps
   * its connections and accepts new ones but answers nothing, as a hung node; queued commands are answered after.
   * Resolves once the process is stopped. A second freeze replaces the first one's end. {@link stop} still works.
   */
  freeze(ms: number): Promise<void>
  /** Ends a freeze early. */
  thaw(): Promise<void>
  /**
   * Fails over as ElastiCache does. With a replica: a planned failover (writes wait while the replica catches up, so
   * no acknowledged write is lost), the replica promoted, the front's endpoint moved to it for new connections,
   * then the old primary demoted to a replica of it, so connections still open to it get `READONLY` on writes. After
   * {@link kill}, an unplanned failover: the replica is promoted as it is, and the dead node comes back as a replica
   * on {@link heal}. A serverless cache hides its replicas: a client sees a node replacement as its connections
   * closing, with the data kept, and that is what happens. Rejects, changing nothing, for a cache with no replica
   * (a node-based cache without one, or in cluster mode) and for a frozen primary.
   */
  failover(): Promise<void>
  /** Undoes every fault in force: latency back to 0, tokens expired early accepted again, a freeze ended, every dead
   * server restarted (the primary first, empty; see {@link restart}). Resolves once replicas have synced. */
  heal(): Promise<void>
  faultState(): LocalCacheFaultState
  /** Stops the front and every server, after the fault running now (if any); later faults reject. */
  stop(): Promise<void>
}

const secret = (): string => randomBytes(24).toString('hex')

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The ACL rules of `accessString` as ACL SETUSER arguments (ElastiCache's syntax is a subset of Redis's). */
const aclRules = (accessString: string): string[] => accessString.split(/\s+/).filter((rule) => rule !== '')

export async function startLocalCache(options: LocalCacheOptions): Promise<LocalCache> {
  const { shape } = options
  const host = options.host ?? '127.0.0.1'
  const dir = mkdtempSync(join(tmpdir(), 'cubewalk-local-cache-'))
  const nodes: CacheNode[] = []
  let front: CacheFront | undefined
  let freezeTimer: NodeJS.Timeout | undefined
  let frozenUntil: Date | undefined
  const endFreeze = (): void => {
    clearTimeout(freezeTimer)
    freezeTimer = undefined
    frozenUntil = undefined
    for (const node of nodes) node.thaw()
  }
  // One fault at a time: a restart half done must not meet a failover, nor a stop.
  let queue: Promise<unknown> = Promise.resolve()
  let stopped = false
  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = queue.then(() => {
      if (stopped) throw new Error('the local cache is stopped')
      return operation()
    })
    queue = result.catch(() => {})
    return result
  }
  const stop = async () => {
    stopped = true
    await queue
    endFreeze()
    await front?.close()
    await Promise.all(nodes.map((node) => node.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const users: CacheFrontUser[] = []
    const setup: CacheNodeSetup = {
      bin: options.redisServerBin,
      adminPassword: secret(),
      users: shape.users.map((user) => {
        const password = user.authentication === 'iam' ? secret() : undefined
        users.push({ name: user.userName, iam: user.authentication === 'iam', password })
        const credentials =
          user.authentication === 'iam'
            ? [`>${password}`]
            : user.authentication === 'no-password-required'
              ? ['nopass']
              : user.passwords.map((p) => `>${p}`)
        return { name: user.userName, rules: [...aclRules(user.accessString), ...credentials] }
      }),
      defaultUserOff: shape.users.length > 0,
      clusterAnnounce: shape.clusterMode ? { host, port: options.port } : undefined,
    }
    const replicaCount = shape.clusterMode ? 0 : Math.min(Math.max(shape.replicas, 0), MAX_LOCAL_REPLICAS)
    // All servers start at once; replicas are pointed at the primary once it is set up (they log in as the admin).
    const started = await Promise.allSettled(
      Array.from({ length: 1 + replicaCount }, () => CacheNode.start(setup)),
    )
    for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value)
    const failed = started.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    const [first, ...replicas] = nodes as [CacheNode, ...CacheNode[]]
    await Promise.all(replicas.map((replica) => replica.replicate(first)))
    await Promise.all(replicas.map((replica) => replica.waitForSync()))

    let caFile: string | undefined
    let tls: { cert: string; key: string } | undefined
    if (shape.transitEncryption) {
      const certificates = createLocalCertificates({ dnsNames: ['localhost'], ipAddresses: [host] })
      caFile = join(dir, 'local-cache-ca.pem')
      writeFileSync(caFile, certificates.caPem)
      tls = { cert: certificates.certPem, key: certificates.keyPem }
    }
    const cacheFront = await startCacheFront({
      host,
      port: options.port,
      upstream: { host: first.host, port: first.port },
      tls,
      users,
      iam: {
        cacheName: shape.cacheName,
        serverless: shape.serverless,
        region: options.region,
        credentials: options.credentials,
      },
      ...(options.iamConnectionLifetimeMs === undefined
        ? {}
        : { iamConnectionLifetimeMs: options.iamConnectionLifetimeMs }),
      ...(options.now ? { now: options.now } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    })
    front = cacheFront

    let primary = first
    const replicaNodes = () => nodes.filter((node) => node !== primary)
    const syncReplicas = () =>
      Promise.all(replicaNodes().map((node) => (node.running ? node.waitForSync() : undefined)))

    const promote = async (target: CacheNode) => {
      await target.replicate(undefined)
      cacheFront.switchUpstream(target.host, target.port)
      primary = target
      // The old primary is demoted only now, so no new connection ever meets a cache without a primary.
      for (const node of replicaNodes()) await node.replicate(target)
    }

    const plannedFailover = async (old: CacheNode, target: CacheNode) => {
      const connection = await old.admin()
      try {
        // Writes wait from here; once the old primary is a replica they run and get READONLY. So everything it
        // acknowledged is on the replica before the replica is promoted.
        await connection.command('CLIENT', 'PAUSE', String(FAILOVER_PAUSE_MS), 'WRITE')
        try {
          const deadline = Date.now() + FAILOVER_PAUSE_MS / 2
          for (;;) {
            const [source, copy] = await Promise.all([old.replicationInfo(), target.replicationInfo()])
            if (copy.linkUp && copy.offset === source.offset) break
            if (Date.now() > deadline)
              throw new Error(
                `failover(): the replica on port ${target.port} did not catch up with the primary; nothing changed`,
              )
            await sleep(5)
          }
          await promote(target)
        } finally {
          await connection.send('CLIENT', 'UNPAUSE')
        }
      } finally {
        connection.close()
      }
    }

    const failover = async () => {
      if (shape.serverless) {
        cacheFront.dropConnections()
        return
      }
      if (nodes.length === 1)
        throw new Error(
          shape.clusterMode
            ? `failover(): the local cache runs no replica for the cluster-mode cache ${shape.logicalId}; kill() and restart() are its faults`
            : `failover(): the cache ${shape.logicalId} has no replica in the template: there is nothing to fail over to`,
        )
      if (primary.frozen)
        throw new Error(
          'failover(): the primary is frozen; thaw() it first, or kill() it for an unplanned failover',
        )
      const target = replicaNodes().find((node) => node.running)
      if (!target) throw new Error('failover(): no replica is running; heal() restarts them')
      const old = primary
      if (old.running) await plannedFailover(old, target)
      else await promote(target)
    }

    return {
      shape,
      front: cacheFront,
      get redis() {
        return primary.redis
      },
      replicas: replicaCount,
      caFile,
      admin: () => primary.admin(),
      kill: () =>
        serial(async () => {
          endFreeze()
          await primary.kill()
        }),
      restart: () =>
        serial(async () => {
          endFreeze()
          await primary.restart()
          await syncReplicas()
        }),
      freeze: (ms: number) => {
        if (!(Number.isFinite(ms) && ms > 0))
          return Promise.reject(new RangeError('freeze: ms must be a number > 0'))
        return serial(async () => {
          const node = primary
          if (!node.running)
            throw new Error('freeze(): the primary is not running (killed); restart() or heal() first')
          await node.freeze()
          clearTimeout(freezeTimer)
          frozenUntil = new Date(Date.now() + ms)
          freezeTimer = setTimeout(() => {
            freezeTimer = undefined
            frozenUntil = undefined
            node.thaw()
          }, ms)
          freezeTimer.unref()
        })
      },
      thaw: () => serial(async () => endFreeze()),
      failover: () => serial(failover),
      heal: () =>
        serial(async () => {
          cacheFront.setLatency(0)
          cacheFront.restoreTokens()
          endFreeze()
          if (!primary.running) await primary.restart()
          for (const node of replicaNodes()) if (!node.running) await node.restart()
          await syncReplicas()
        }),
      faultState: () => ({
        killed: !primary.running,
        frozenUntil,
        latencyMs: cacheFront.latencyMs,
        primary: { host: primary.host, port: primary.port },
        replicas: replicaNodes().map((node) => ({ host: node.host, port: node.port, running: node.running })),
      }),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
