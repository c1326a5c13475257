// The faithful local cache: a private redis-server set up as the template's cache (its ACL users, the default user
// off, one node owning every slot in cluster mode) behind a cache front that serves TLS with a CA made at start and
// checks IAM tokens. Functions reach the front at the endpoint the template's cache attributes resolve to.

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LocalRedis, startLocalRedis } from '../redis-server.js'
import { AdminConnection } from './admin-connection.js'
import { type CacheFront, type CacheFrontEvent, type CacheFrontUser, startCacheFront } from './cache-front.js'
import type { CacheShape } from './cache-template.js'
import { createLocalCertificates } from './certificates.js'
import type { LocalAwsCredentials } from './iam-token.js'

/** The user the runner itself uses on its redis-server (set-up and faults); no function ever gets it. */
export const ADMIN_USER = 'cubewalk-local-admin'

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

export interface LocalCache {
  readonly shape: CacheShape
  readonly front: CacheFront
  /** The redis-server behind the front (plain TCP, default user off). */
  readonly redis: LocalRedis
  /** The CA certificate file functions trust (NODE_EXTRA_CA_CERTS); undefined without transit encryption. */
  readonly caFile: string | undefined
  /** A new connection to the redis-server as the runner's admin user, for faults and tests. */
  admin(): Promise<AdminConnection>
  stop(): Promise<void>
}

const secret = (): string => randomBytes(24).toString('hex')

/** The ACL rules of `accessString` as ACL SETUSER arguments (ElastiCache's syntax is a subset of Redis's). */
const aclRules = (accessString: string): string[] => accessString.split(/\s+/).filter((rule) => rule !== '')

async function waitForClusterOk(admin: AdminConnection, deadline: number): Promise<void> {
  for (;;) {
    const info = await admin.command('CLUSTER', 'INFO')
    if (typeof info === 'string' && info.includes('cluster_state:ok')) return
    if (Date.now() > deadline)
      throw new Error(`the local cache's cluster did not become ready: ${String(info)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function startLocalCache(options: LocalCacheOptions): Promise<LocalCache> {
  const { shape } = options
  const host = options.host ?? '127.0.0.1'
  const redis = await startLocalRedis({
    ...(options.redisServerBin ? { bin: options.redisServerBin } : {}),
    ...(shape.clusterMode
      ? { args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] }
      : {}),
  })
  const dir = mkdtempSync(join(tmpdir(), 'cubewalk-local-cache-'))
  let front: CacheFront | undefined
  const stop = async () => {
    await front?.close()
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const adminPassword = secret()
    const users: CacheFrontUser[] = []
    const setup = await AdminConnection.open(redis.host, redis.port)
    try {
      await setup.command(
        'ACL',
        'SETUSER',
        ADMIN_USER,
        'reset',
        'on',
        `>${adminPassword}`,
        '~*',
        '&*',
        '+@all',
      )
      for (const user of shape.users) {
        const password = user.authentication === 'iam' ? secret() : undefined
        const credentials =
          user.authentication === 'iam'
            ? [`>${password}`]
            : user.authentication === 'no-password-required'
              ? ['nopass']
              : user.passwords.map((p) => `>${p}`)
        await setup.command(
          'ACL',
          'SETUSER',
          user.userName,
          'reset',
          ...aclRules(user.accessString),
          ...credentials,
        )
        users.push({ name: user.userName, iam: user.authentication === 'iam', password })
      }
      if (shape.clusterMode) {
        await setup.command('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
        // Slot maps must lead clients to the front, never around it to redis-server's own port.
        await setup.command('CONFIG', 'SET', 'cluster-announce-ip', host)
        await setup.command('CONFIG', 'SET', 'cluster-announce-port', String(options.port))
        await waitForClusterOk(setup, Date.now() + 10_000)
      }
      // With users, ElastiCache's default user cannot do anything: a connection must authenticate first.
      if (shape.users.length > 0) await setup.command('ACL', 'SETUSER', 'default', 'off')
    } finally {
      setup.close()
    }

    let caFile: string | undefined
    let tls: { cert: string; key: string } | undefined
    if (shape.transitEncryption) {
      const certificates = createLocalCertificates({ dnsNames: ['localhost'], ipAddresses: [host] })
      caFile = join(dir, 'local-cache-ca.pem')
      writeFileSync(caFile, certificates.caPem)
      tls = { cert: certificates.certPem, key: certificates.keyPem }
    }
    front = await startCacheFront({
      host,
      port: options.port,
      upstream: { host: redis.host, port: redis.port },
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
    const admin = async () => {
      const connection = await AdminConnection.open(redis.host, redis.port)
      await connection.command('AUTH', ADMIN_USER, adminPassword)
      return connection
    }
    return { shape, front, redis, caFile, admin, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
