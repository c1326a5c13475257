// Private redis-server processes for tests: each on a free port, in its own temp dir, always stopped.
// Tests that kill, restart, demote or cluster Redis use these and never touch a shared server.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server'
export const REDIS_CLI_BIN = process.env.REDIS_CLI_BIN ?? 'redis-cli'

export class RedisServerMissingError extends Error {
  constructor(bin: string) {
    super(
      `"${bin}" was not found on PATH. cubewalk's tests start private Redis servers. ` +
        'Install Redis 7+ (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), ' +
        'set REDIS_SERVER_BIN to its path, or set REDIS_URL to use an existing server for the plain tests.',
    )
    this.name = 'RedisServerMissingError'
  }
}

/** Throws a {@link RedisServerMissingError} with install advice when the binary cannot run. */
export function assertRedisServerAvailable(bin = REDIS_SERVER_BIN): void {
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) throw new RedisServerMissingError(bin)
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface RedisTlsFiles {
  certFile: string
  keyFile: string
  caFile: string
}

export interface StartRedisOptions {
  /** Port to listen on; a free one by default. With `tls`, this is the TLS port and plain TCP is off. */
  port?: number
  /** Extra `redis-server` arguments, e.g. `['--requirepass', 'x']` or `['--cluster-enabled', 'yes']`. */
  args?: string[]
  tls?: RedisTlsFiles
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number
}

export interface RedisProcess {
  readonly host: string
  readonly port: number
  /** `redis://127.0.0.1:port` or `rediss://127.0.0.1:port` with TLS. */
  readonly url: string
  readonly dir: string
  readonly pid: number | undefined
  /** Runs `redis-cli` against this server and returns its trimmed output. */
  cli(...args: string[]): Promise<string>
  /** SIGKILL, as a crash would; the port stays free for {@link restart}. */
  kill(): Promise<void>
  /** Starts the server again on the same port with the same arguments. */
  restart(): Promise<void>
  /** Graceful stop and removal of its temp dir. Safe to call twice. */
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Last resort for crashed test workers: never leave an orphan redis-server behind.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

async function waitForPing(port: number, tls: RedisTlsFiles | undefined, deadline: number): Promise<void> {
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      await cliRun(port, tls, ['PING'])
      return
    } catch (error) {
      // A server started with a password answers NOAUTH: it is up.
      if (error instanceof Error && error.message.startsWith('NOAUTH')) return
      lastError = error
      await new Promise((r) => setTimeout(r, 25))
    }
  }
  throw new Error(`redis-server on port ${port} did not answer PING in time: ${String(lastError)}`)
}

function tlsCliArgs(tls: RedisTlsFiles | undefined): string[] {
  return tls ? ['--tls', '--cert', tls.certFile, '--key', tls.keyFile, '--cacert', tls.caFile] : []
}

async function cliRun(port: number, tls: RedisTlsFiles | undefined, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(
    REDIS_CLI_BIN,
    ['-h', '127.0.0.1', '-p', String(port), ...tlsCliArgs(tls), ...args],
    { timeout: 10_000 },
  )
  const out = stdout.trim()
  // redis-cli prints server errors on stdout and exits 0; an answer like NOAUTH must not pass for data.
  if (/^(Could not connect|ERR|Error:|NOAUTH|WRONGPASS|NOPERM)/.test(out)) {
    throw new Error(out)
  }
  return out
}

/** Starts a private `redis-server` that keeps nothing on disk beyond its temp dir. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisProcess> {
  assertRedisServerAvailable()
  installExitHook()
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), `cubewalk-redis-${port}-`))
  const tls = options.tls
  const portArgs = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        tls.certFile,
        '--tls-key-file',
        tls.keyFile,
        '--tls-ca-cert-file',
        tls.caFile,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)]
  const argv = [
    ...portArgs,
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    ...(options.args ?? []),
  ]
  let child: ChildProcess | undefined
  let stopped = false

  const launch = async (): Promise<void> => {
    const proc = spawn(REDIS_SERVER_BIN, argv, { stdio: ['ignore', 'ignore', 'pipe'] })
    child = proc
    live.add(proc)
    let stderr = ''
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    proc.on('exit', () => live.delete(proc))
    const exited = new Promise<never>((_, reject) => {
      proc.once('exit', (code) =>
        reject(new Error(`redis-server on port ${port} exited early (code ${code}): ${stderr.trim()}`)),
      )
    })
    exited.catch(() => {})
    try {
      await Promise.race([waitForPing(port, tls, Date.now() + (options.startTimeoutMs ?? 10_000)), exited])
    } catch (error) {
      // Never leave a half-started server behind: nothing else holds a handle to it.
      proc.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
      throw error
    }
  }

  const killChild = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const gone = new Promise<void>((r) => proc.once('exit', () => r()))
    // A test may have frozen it with SIGSTOP; a stopped process would hold SIGTERM until resumed.
    if (signal !== 'SIGKILL') proc.kill('SIGCONT')
    proc.kill(signal)
    await gone
  }

  await launch()

  return {
    host: '127.0.0.1',
    port,
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    dir,
    get pid() {
      return child?.pid
    },
    cli: (...args) => cliRun(port, tls, args),
    kill: () => killChild('SIGKILL'),
    restart: async () => {
      await killChild('SIGKILL')
      await launch()
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      await killChild('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface RedisCluster {
  readonly nodes: RedisProcess[]
  /** Seed addresses for a cluster client. */
  readonly startupNodes: Array<{ host: string; port: number }>
  /** redis-cli against one node, authenticated when the cluster has a password. */
  cli(node: RedisProcess, ...args: string[]): Promise<string>
  stop(): Promise<void>
}

export interface StartClusterOptions {
  /** TLS only, for clients and the cluster bus alike. */
  tls?: RedisTlsFiles
  /** `requirepass` and `masterauth` on every node. */
  password?: string
  /** Extra `redis-server` arguments for every node, e.g. how nodes announce themselves. */
  args?: string[]
}

/** Starts `masters` cluster-enabled servers and joins them with `redis-cli --cluster create`. */
export async function startCluster(masters = 3, options: StartClusterOptions = {}): Promise<RedisCluster> {
  const { tls, password } = options
  const auth = password === undefined ? [] : ['-a', password, '--no-auth-warning']
  const cli = (node: RedisProcess, ...args: string[]): Promise<string> => node.cli(...auth, ...args)
  const nodeArgs = [
    '--cluster-enabled',
    'yes',
    '--cluster-node-timeout',
    '2000',
    ...(tls ? ['--tls-cluster', 'yes', '--tls-replication', 'yes'] : []),
    ...(password === undefined ? [] : ['--requirepass', password, '--masterauth', password]),
    ...(options.args ?? []),
  ]
  const nodes: RedisProcess[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()))
  }
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(await startRedis({ args: nodeArgs, ...(tls ? { tls } : {}) }))
    }
    await execFileAsync(
      REDIS_CLI_BIN,
      [
        ...tlsCliArgs(tls),
        ...auth,
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    )
    const deadline = Date.now() + 15_000
    for (const node of nodes) {
      while (!(await cli(node, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error('Redis Cluster did not reach cluster_state:ok')
        await new Promise((r) => setTimeout(r, 50))
      }
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {
    nodes,
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    cli,
    stop,
  }
}

/** Counts the server's connected clients, excluding the connection that asks. */
export async function connectedClients(server: Pick<RedisProcess, 'cli'>): Promise<number> {
  const info = await server.cli('INFO', 'clients')
  const match = /connected_clients:(\d+)/.exec(info)
  if (!match) throw new Error(`INFO clients gave no connected_clients: ${info.slice(0, 200)}`)
  return Number(match[1]) - 1
}

/** Resolves once a TCP connection to host:port is refused, i.e. nothing listens any more. */
export async function waitUntilClosed(port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port })
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (!open) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`port ${port} still accepts connections`)
}

/**
 * Resolves once `replicas` replicas acknowledge a fresh write on `primary`. Right after a replica has synced, its
 * first acknowledgement can wait for its once-a-second `REPLCONF ACK`, so a `WAIT` with a short timeout may count
 * 0 replicas for up to a second although the link is up: tests of `WAIT` start from here.
 */
export async function waitForReplicaAcks(
  primary: Pick<RedisProcess, 'port'>,
  replicas = 1,
  timeoutMs = 5_000,
): Promise<void> {
  // One redis-cli session, so WAIT counts the write made on the same connection just before it.
  const answer = await new Promise<string>((resolve, reject) => {
    const proc = spawn(REDIS_CLI_BIN, ['-h', '127.0.0.1', '-p', String(primary.port)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    proc.on('error', reject)
    proc.on('close', () => resolve(out.trim()))
    proc.stdin.end(`SET __harness:replica-probe ${Date.now()}\nWAIT ${replicas} ${timeoutMs}\n`)
  })
  const confirmed = Number(answer.split('\n').at(-1))
  if (!(confirmed >= replicas)) {
    throw new Error(
      `${replicas} replica(s) did not acknowledge a write within ${timeoutMs} ms (got ${answer})`,
    )
  }
}
