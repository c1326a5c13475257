// The private redis-server the runner starts for a template's ElastiCache cache: a free port, a throwaway
// directory, nothing persisted. It is started through a tiny `sh` watchdog that holds the read end of a pipe
// from this process: when the runner exits in any way (even SIGKILL) the pipe closes and the watchdog stops
// redis-server, so no orphan survives.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export class RedisServerMissingError extends Error {
  readonly bin: string

  constructor(bin: string) {
    super(
      `"${bin}" was not found. The template has an ElastiCache cache, served locally by a private redis-server.\n` +
        '  Install Redis 7 or newer (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis),\n' +
        '  or point the runner at a server you already have: REDIS_URL=redis://127.0.0.1:6379 (or --redis-url)\n' +
        '  (REDIS_SERVER_BIN=/path/to/redis-server picks a binary that is not on PATH).',
    )
    this.name = 'RedisServerMissingError'
    this.bin = bin
  }
}

export interface LocalRedis {
  readonly url: string
  readonly host: string
  readonly port: number
  /** `true` when this runner started the server (and stops it). */
  readonly owned: boolean
  stop(): Promise<void>
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** One PING over a raw socket: no client library, no redis-cli needed. */
export function pingRedis(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    let reply = ''
    const finish = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => finish(false))
    socket.once('error', () => finish(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'))
    })
  })
}

/** A server someone else runs (REDIS_URL): used as is, never stopped. */
export function externalRedis(url: string): LocalRedis {
  const parsed = new URL(url)
  return {
    url,
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    owned: false,
    stop: async () => {},
  }
}

export interface StartLocalRedisOptions {
  bin?: string
  /** A free port picked earlier (so the endpoint is known before the server runs); a new one otherwise. */
  port?: number
  startTimeoutMs?: number
  /** More redis-server arguments (the faithful cache's cluster mode). */
  args?: readonly string[]
}

export async function startLocalRedis(options: StartLocalRedisOptions = {}): Promise<LocalRedis> {
  const bin = options.bin ?? process.env.REDIS_SERVER_BIN ?? 'redis-server'
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) throw new RedisServerMissingError(bin)

  const host = '127.0.0.1'
  const port = options.port ?? (await freePort(host))
  const dir = mkdtempSync(join(tmpdir(), 'cubewalk-local-redis-'))
  const args = ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', dir]
  args.push('--loglevel', 'warning', ...(options.args ?? []))
  // $0 is redis-server; the watchdog waits for EOF on stdin, then stops it and removes its directory. SIGCONT after
  // the SIGTERM: a server frozen by a fault (SIGSTOP) would otherwise hold the signal pending and never exit.
  const script =
    '"$0" "$@" & pid=$!; read _ignored; kill $pid 2>/dev/null; kill -CONT $pid 2>/dev/null; wait $pid; rm -rf "$CUBEWALK_REDIS_DIR"'
  const child: ChildProcess = spawn('sh', ['-c', script, bin, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, CUBEWALK_REDIS_DIR: dir },
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  let exited = false
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true
      resolve()
    }),
  )

  const stop = async () => {
    if (!exited) {
      child.stdin?.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
      await exit
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000)
  while (!(await pingRedis(host, port))) {
    if (Date.now() > deadline || exited) {
      await stop()
      throw new Error(`redis-server did not start on port ${port}: ${output.trim() || 'no output'}`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  return { url: `redis://${host}:${port}`, host, port, owned: true, stop }
}
