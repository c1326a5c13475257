// The cache front: what a function connects to in place of ElastiCache. It terminates TLS with the local CA's
// certificate, checks ElastiCache IAM tokens (which Redis cannot), and forwards everything else, byte for byte, to
// the private redis-server, where the ACL user of the template decides what each command may do.
//
// AUTH and HELLO ... AUTH are the only commands it reads: for an IAM user it verifies the token and sends Redis
// the same command with the user's local password instead, or, for a token it refuses, with a password no user
// has, so Redis itself answers ElastiCache's refusal (`WRONGPASS invalid username-password pair or user is
// disabled.`) in its place among the connection's pipelined replies. No reply is ever parsed or reordered.
//
// It also closes an IAM-authenticated connection when its authentication is `iamConnectionLifetimeMs` old (12
// hours, as ElastiCache; a fresh AUTH or HELLO with a valid token starts the period again), and offers the hooks a
// fault injector needs: latency, dropped connections, tokens expired early, a switch of the server behind it.

import { randomBytes } from 'node:crypto'
import { connect as connectTcp, createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { type IamTokenExpectation, iamTokenSignedAt, verifyIamToken } from './iam-token.js'
import { encodeCommand, type RespCommand, RespCommandReader, RespProtocolError } from './resp.js'

/** ElastiCache closes an IAM-authenticated connection 12 hours after it authenticated. */
export const IAM_CONNECTION_LIFETIME_MS = 12 * 60 * 60 * 1000

export interface CacheFrontUser {
  /** The user name clients send with AUTH (for IAM users, the user id too). */
  readonly name: string
  /** Authenticates with IAM tokens; the front then logs in to Redis with `password` on the client's behalf. */
  readonly iam: boolean
  /** The user's password in the local redis-server (never known to clients of IAM users). */
  readonly password?: string | undefined
}

export interface CacheFrontAddress {
  readonly host: string
  readonly port: number
}

/** What the front noticed, for the runner's log and for tests. */
export type CacheFrontEvent =
  | { readonly type: 'auth-refused'; readonly user: string; readonly reason: string }
  | { readonly type: 'iam-authenticated'; readonly user: string }
  | { readonly type: 'lifetime-disconnect'; readonly user: string }

export interface CacheFrontOptions {
  /** Where the front listens (default 127.0.0.1, port 0 = a free one). */
  readonly host?: string
  readonly port?: number
  /** The redis-server behind it. */
  readonly upstream: CacheFrontAddress
  /** Certificate and key (PEM) to serve TLS with; plain TCP without. */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined
  readonly users: readonly CacheFrontUser[]
  /** What IAM tokens must name and be signed with; required when a user has `iam`. */
  readonly iam?: IamTokenExpectation | undefined
  /** After how long an IAM-authenticated connection is closed (default 12 hours); shorter for tests. */
  readonly iamConnectionLifetimeMs?: number
  /** The clock tokens are checked against (default: the system clock). */
  readonly now?: () => Date
  readonly onEvent?: (event: CacheFrontEvent) => void
}

export interface CacheFrontStats {
  /** Connections open now. */
  readonly connections: number
  readonly iamAuthentications: number
  readonly refusedAuthentications: number
  readonly lifetimeDisconnects: number
}

/** A running front, with the hooks faults are made of. */
export interface CacheFront {
  readonly host: string
  readonly port: number
  readonly tls: boolean
  /** Where new connections are forwarded to. */
  readonly upstream: CacheFrontAddress
  stats(): CacheFrontStats
  /** The delay {@link setLatency} set (0: none). */
  readonly latencyMs: number
  /** Every command reaches Redis `ms` later from now on (0 removes the delay). Order is kept. */
  setLatency(ms: number): void
  /** Closes every client connection at once, as a network failure would. Returns how many were closed. */
  dropConnections(): number
  /** Every token signed until now is refused from now on (as if it had expired); new tokens pass. */
  expireTokens(): void
  /** Undoes {@link expireTokens}: tokens pass again while their own 15 minutes last. */
  restoreTokens(): void
  /**
   * New connections go to this server from now on (a failover: the endpoint now leads to another node).
   * Connections already open stay with the old one, as they do in ElastiCache until they are closed.
   */
  switchUpstream(host: string, port: number): void
  close(): Promise<void>
}

interface Connection {
  readonly client: Socket
  readonly upstream: Socket
  lifetime: NodeJS.Timeout | undefined
  /** Chunks held back by the latency fault, in order, with the time each is due. */
  readonly delayed: { due: number; bytes: Buffer }[]
  delayTimer: NodeJS.Timeout | undefined
}

const lower = (arg: Buffer | undefined): string =>
  arg === undefined ? '' : arg.toString('latin1').toLowerCase()

export async function startCacheFront(options: CacheFrontOptions): Promise<CacheFront> {
  const host = options.host ?? '127.0.0.1'
  const lifetimeMs = options.iamConnectionLifetimeMs ?? IAM_CONNECTION_LIFETIME_MS
  const now = options.now ?? (() => new Date())
  const users = new Map(options.users.map((user) => [user.name, user]))
  if (options.users.some((user) => user.iam) && options.iam === undefined)
    throw new TypeError('startCacheFront: IAM users need the `iam` token expectation')
  const emit = options.onEvent ?? (() => {})
  let upstream: CacheFrontAddress = { ...options.upstream }
  let latencyMs = 0
  let tokensValidAfter: number | undefined
  const connections = new Set<Connection>()
  const counters = { iamAuthentications: 0, refusedAuthentications: 0, lifetimeDisconnects: 0 }

  const close = (connection: Connection): void => {
    if (!connections.delete(connection)) return
    clearTimeout(connection.lifetime)
    clearTimeout(connection.delayTimer)
    connection.client.destroy()
    connection.upstream.destroy()
  }

  /** The password Redis gets for `user` presenting `token`: the real one, or one that makes Redis refuse. */
  const passwordFor = (connection: Connection, user: CacheFrontUser, token: Buffer): string => {
    const text = token.toString('utf8')
    let verdict = verifyIamToken(text, user.name, options.iam as IamTokenExpectation, now())
    if (verdict.ok && tokensValidAfter !== undefined) {
      const signedAt = iamTokenSignedAt(text)?.getTime() ?? 0
      if (signedAt <= tokensValidAfter) verdict = { ok: false, reason: 'expired early (expireTokens)' }
    }
    if (!verdict.ok) {
      counters.refusedAuthentications++
      emit({ type: 'auth-refused', user: user.name, reason: verdict.reason })
      // No user has this password: Redis answers WRONGPASS, and an authenticated connection stays as it was.
      return `refused-${randomBytes(16).toString('hex')}`
    }
    counters.iamAuthentications++
    emit({ type: 'iam-authenticated', user: user.name })
    clearTimeout(connection.lifetime)
    connection.lifetime = setTimeout(() => {
      counters.lifetimeDisconnects++
      emit({ type: 'lifetime-disconnect', user: user.name })
      close(connection)
    }, lifetimeMs)
    connection.lifetime.unref()
    return user.password ?? ''
  }

  /** `command` as Redis must see it: AUTH and HELLO ... AUTH of IAM users rewritten, anything else as sent. */
  const rewrite = (connection: Connection, command: RespCommand): Buffer => {
    const { args } = command
    const name = args[0] as Buffer
    // Only AUTH (4 letters) and HELLO (5) matter: skip the others without decoding them.
    if (name.length !== 4 && name.length !== 5) return command.raw
    const verb = lower(name)
    let userIndex = -1
    if (verb === 'auth' && args.length === 3) userIndex = 1
    else if (verb === 'hello') {
      for (let i = 2; i + 2 < args.length; i++) {
        if (lower(args[i]) === 'auth') {
          userIndex = i + 1
          break
        }
      }
    }
    if (userIndex === -1) return command.raw
    const user = users.get((args[userIndex] as Buffer).toString('utf8'))
    if (!user?.iam) return command.raw
    const rewritten = [...args]
    rewritten[userIndex + 1] = Buffer.from(
      passwordFor(connection, user, args[userIndex + 1] as Buffer),
      'utf8',
    )
    return encodeCommand(rewritten)
  }

  const flushDelayed = (connection: Connection): void => {
    connection.delayTimer = undefined
    const time = Date.now()
    while (connection.delayed.length > 0 && (connection.delayed[0]?.due ?? 0) <= time) {
      connection.upstream.write((connection.delayed.shift() as { bytes: Buffer }).bytes)
    }
    const next = connection.delayed[0]
    if (next) connection.delayTimer = setTimeout(() => flushDelayed(connection), next.due - time)
  }

  const send = (connection: Connection, bytes: Buffer): void => {
    if (latencyMs === 0 && connection.delayed.length === 0) {
      connection.upstream.write(bytes)
      return
    }
    const last = connection.delayed.at(-1)?.due ?? 0
    connection.delayed.push({ due: Math.max(Date.now() + latencyMs, last), bytes })
    if (connection.delayTimer === undefined) {
      connection.delayTimer = setTimeout(
        () => flushDelayed(connection),
        (connection.delayed[0]?.due ?? 0) - Date.now(),
      )
    }
  }

  const accept = (client: Socket): void => {
    const target = upstream
    const connection: Connection = {
      client,
      upstream: connectTcp({ host: target.host, port: target.port }),
      lifetime: undefined,
      delayed: [],
      delayTimer: undefined,
    }
    connections.add(connection)
    client.setNoDelay(true)
    connection.upstream.setNoDelay(true)
    const reader = new RespCommandReader()
    // After bytes Redis would refuse as a protocol error, the rest goes through unread: Redis answers the error and
    // closes the connection. Nothing can authenticate that way: no client knows a password Redis accepts.
    let unread = false
    client.on('data', (chunk: Buffer) => {
      if (unread) return send(connection, chunk)
      let commands: RespCommand[]
      try {
        commands = reader.push(chunk)
      } catch (error) {
        if (!(error instanceof RespProtocolError)) throw error
        unread = true
        return send(connection, chunk)
      }
      if (commands.length === 0) return
      const out = commands.map((command) => rewrite(connection, command))
      send(connection, out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out))
    })
    connection.upstream.on('data', (chunk: Buffer) => client.write(chunk))
    for (const socket of [client, connection.upstream]) {
      socket.on('error', () => close(connection))
      socket.on('close', () => close(connection))
    }
  }

  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, accept)
    : createTcpServer(accept)
  // A client that fails the handshake (it does not trust the CA) is its own problem, not the runner's.
  server.on('tlsClientError', () => {})
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })

  return {
    host,
    port,
    tls: options.tls !== undefined,
    get upstream() {
      return upstream
    },
    stats: () => ({ connections: connections.size, ...counters }),
    get latencyMs() {
      return latencyMs
    },
    setLatency(ms: number) {
      if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError('setLatency: ms must be a number >= 0')
      latencyMs = ms
    },
    dropConnections() {
      const count = connections.size
      for (const connection of [...connections]) close(connection)
      return count
    },
    expireTokens() {
      tokensValidAfter = now().getTime()
    },
    restoreTokens() {
      tokensValidAfter = undefined
    },
    switchUpstream(newHost: string, newPort: number) {
      upstream = { host: newHost, port: newPort }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const connection of [...connections]) close(connection)
        server.close(() => resolve())
      }),
  }
}
