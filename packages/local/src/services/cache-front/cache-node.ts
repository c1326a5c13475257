// One redis-server of the local cache, the primary or a replica, set up as an ElastiCache node is: the template's
// ACL users (Redis does not replicate ACLs, so every node gets them), the default user off, in cluster mode every
// slot announced at the front's address, and the runner's admin user, which a replica also uses to reach its
// primary (with the default user off, replication has to authenticate: masteruser/masterauth). Every node gets the
// replication settings, since a failover turns the primary into a replica. Faults act on the redis-server process
// itself (its pid from INFO), never on the sh watchdog around it.

import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { type LocalRedis, startLocalRedis } from '../redis-server.js'
import { AdminConnection } from './admin-connection.js'
import type { CacheFrontAddress } from './cache-front.js'

/** The user the runner itself uses on its redis-servers (set-up, replication, faults); no function ever gets it. */
export const ADMIN_USER = 'cubewalk-local-admin'

export interface CacheNodeSetup {
  readonly bin?: string | undefined
  readonly adminPassword: string
  /** The template's users: each one's ACL SETUSER rules after its name. */
  readonly users: readonly { readonly name: string; readonly rules: readonly string[] }[]
  /** With users, ElastiCache's default user cannot do anything: a connection must authenticate first. */
  readonly defaultUserOff: boolean
  /** Cluster mode, announcing this address (the front's) in the slot map, so clients never go around the front. */
  readonly clusterAnnounce?: CacheFrontAddress | undefined
}

const field = (info: string, name: string): string | undefined =>
  new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether something accepts TCP connections on the port (a PING could not tell: the default user is off). */
const accepting = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

export class CacheNode {
  readonly host = '127.0.0.1'
  readonly port: number
  readonly #setup: CacheNodeSetup
  #redis: LocalRedis
  #pid: number
  #killed = false
  #frozen = false
  /** The node this one replicates; undefined for a primary. */
  #primary: CacheNode | undefined

  private constructor(setup: CacheNodeSetup, redis: LocalRedis, pid: number) {
    this.#setup = setup
    this.#redis = redis
    this.port = redis.port
    this.#pid = pid
  }

  /** A fresh node on a free port, a primary until told to {@link replicate} another. */
  static async start(setup: CacheNodeSetup): Promise<CacheNode> {
    const { redis, pid } = await CacheNode.#launch(setup, undefined, undefined)
    return new CacheNode(setup, redis, pid)
  }

  static async #launch(
    setup: CacheNodeSetup,
    port: number | undefined,
    primary: CacheNode | undefined,
  ): Promise<{ redis: LocalRedis; pid: number }> {
    const args = ['--repl-diskless-sync-delay', '0']
    if (setup.clusterAnnounce) args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf')
    const redis = await startLocalRedis({
      args,
      ...(setup.bin ? { bin: setup.bin } : {}),
      ...(port === undefined ? {} : { port }),
    })
    try {
      // A fresh server: its default user is still on, with no password.
      const connection = await AdminConnection.open(redis.host, redis.port)
      try {
        const pid = await CacheNode.#setUp(connection, setup, primary)
        return { redis, pid }
      } finally {
        connection.close()
      }
    } catch (error) {
      await redis.stop()
      throw error
    }
  }

  static async #setUp(
    connection: AdminConnection,
    setup: CacheNodeSetup,
    primary: CacheNode | undefined,
  ): Promise<number> {
    const password = setup.adminPassword
    await connection.command('ACL', 'SETUSER', ADMIN_USER, 'reset', 'on', `>${password}`, '~*', '&*', '+@all')
    await connection.command('AUTH', ADMIN_USER, password)
    for (const user of setup.users)
      await connection.command('ACL', 'SETUSER', user.name, 'reset', ...user.rules)
    await connection.command('CONFIG', 'SET', 'masteruser', ADMIN_USER, 'masterauth', password)
    if (setup.clusterAnnounce) {
      await connection.command('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
      await connection.command('CONFIG', 'SET', 'cluster-announce-ip', setup.clusterAnnounce.host)
      await connection.command('CONFIG', 'SET', 'cluster-announce-port', String(setup.clusterAnnounce.port))
      const deadline = Date.now() + 10_000
      for (;;) {
        const info = await connection.command('CLUSTER', 'INFO')
        if (typeof info === 'string' && info.includes('cluster_state:ok')) break
        if (Date.now() > deadline)
          throw new Error(`the local cache's cluster did not become ready: ${String(info)}`)
        await sleep(50)
      }
    }
    if (primary) await connection.command('REPLICAOF', primary.host, String(primary.port))
    if (setup.defaultUserOff) await connection.command('ACL', 'SETUSER', 'default', 'off')
    const pid = Number(field(String(await connection.command('INFO', 'server')), 'process_id'))
    if (!Number.isInteger(pid) || pid <= 0) throw new Error('redis-server did not tell its process id')
    return pid
  }

  /** The redis-server process (a new one after each restart). */
  get redis(): LocalRedis {
    return this.#redis
  }

  /** `false` after {@link kill}, until {@link restart}. */
  get running(): boolean {
    return !this.#killed
  }

  get frozen(): boolean {
    return this.#frozen
  }

  /** The node this one replicates; undefined for a primary. */
  get primary(): CacheNode | undefined {
    return this.#primary
  }

  /** A new connection as the runner's admin user. */
  async admin(): Promise<AdminConnection> {
    const connection = await AdminConnection.open(this.host, this.port)
    try {
      await connection.command('AUTH', ADMIN_USER, this.#setup.adminPassword)
    } catch (error) {
      connection.close()
      throw error
    }
    return connection
  }

  async #adminCommand(...args: string[]) {
    const connection = await this.admin()
    try {
      return await connection.command(...args)
    } finally {
      connection.close()
    }
  }

  /** SIGKILL: the process dies at once, as a node that loses power (resolves once its port refuses connections). */
  async kill(): Promise<void> {
    if (this.#killed) return
    try {
      process.kill(this.#pid, 'SIGKILL')
    } catch (error) {
      // Already gone (it crashed by itself): the same outcome.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
    this.#killed = true
    this.#frozen = false
    // The watchdog reaps the process only when stopped; the kernel frees the port as soon as it is dead.
    const deadline = Date.now() + 5_000
    while (await accepting(this.host, this.port)) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} survived SIGKILL`)
      await sleep(10)
    }
  }

  /**
   * A fresh redis-server on the same port, set up as before (users, slots, the primary it replicates). Nothing is
   * persisted locally: it starts empty, as a node rebooted without a backup does, and a replica of it then syncs
   * that empty data set.
   */
  async restart(): Promise<void> {
    await this.kill()
    await this.#redis.stop()
    const { redis, pid } = await CacheNode.#launch(this.#setup, this.port, this.#primary)
    this.#redis = redis
    this.#pid = pid
    this.#killed = false
  }

  /** SIGSTOP: the process holds its connections and answers nothing, as a hung node. Resolves once it is stopped. */
  async freeze(): Promise<void> {
    if (this.#killed) throw new Error(`redis-server on port ${this.port} is not running`)
    process.kill(this.#pid, 'SIGSTOP')
    this.#frozen = true
    // Linux shows the stop in /proc (state T); elsewhere the signal is trusted.
    const stat = `/proc/${this.#pid}/stat`
    const deadline = Date.now() + 1_000
    while (existsSync(stat) && readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'T') {
      if (Date.now() > deadline) break
      await sleep(2)
    }
  }

  /** SIGCONT: a frozen node answers again (what it was sent meanwhile included). */
  thaw(): void {
    if (!this.#frozen) return
    this.#frozen = false
    if (!this.#killed) process.kill(this.#pid, 'SIGCONT')
  }

  /** Replicates `primary` from now on (REPLICAOF), or becomes a primary (REPLICAOF NO ONE) when undefined. */
  async replicate(primary: CacheNode | undefined): Promise<void> {
    this.#primary = primary
    if (this.#killed) return // applied when it restarts
    await this.#adminCommand('REPLICAOF', ...(primary ? [primary.host, String(primary.port)] : ['NO', 'ONE']))
  }

  /** What INFO replication says of this node's role, link to its primary and replication offset. */
  async replicationInfo(): Promise<{ role: string; linkUp: boolean; offset: number }> {
    const info = String(await this.#adminCommand('INFO', 'replication'))
    const role = field(info, 'role') ?? ''
    return {
      role,
      linkUp: field(info, 'master_link_status') === 'up',
      offset: Number(field(info, role === 'master' ? 'master_repl_offset' : 'slave_repl_offset') ?? -1),
    }
  }

  /** Resolves once this replica has synced with its primary. */
  async waitForSync(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.#primary && !(await this.replicationInfo()).linkUp) {
      if (Date.now() > deadline)
        throw new Error(`the replica on port ${this.port} did not sync with port ${this.#primary.port}`)
      await sleep(20)
    }
  }

  async stop(): Promise<void> {
    this.thaw()
    await this.#redis.stop()
  }
}
