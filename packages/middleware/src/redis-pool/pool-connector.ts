import type { Socket } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { AbstractConnector, type RedisOptions } from 'ioredis'
import { isWrongPasswordReply } from './errors.js'
import type { RedisPasswordProvider } from './options.js'
import { ProcessTimeDeadline } from './process-time-deadline.js'

// Fetched when a connection is opened, not imported: an ESM `import` of node:net/node:tls builds their ESM
// facades, ≈3 ms of every Lambda's cold start even though ioredis has already loaded them (docs/benchmarks.md).
function net(): typeof import('node:net') {
  return process.getBuiltinModule('node:net')
}
function tlsModule(): typeof import('node:tls') {
  return process.getBuiltinModule('node:tls')
}

type NetStream = Awaited<ReturnType<AbstractConnector['connect']>>
type ConnectorConstructor = NonNullable<RedisOptions['Connector']>

/** What ioredis hands a connector: the connection's own options (one node's, in cluster mode). */
interface ConnectorOptions {
  /** Node's default when unset: localhost. */
  host?: string
  port?: number
  /** A Unix socket instead of host and port (an escape-hatch option). */
  path?: string
  /** 4 or 6: the IP family of `host`'s lookup (an escape-hatch option). */
  family?: number
  tls?: ConnectionOptions
  connectTimeout?: number
  disconnectTimeout?: number
}

/** ioredis's own message when a connection closes before it is ready. */
function connectionClosed(): Error {
  return new Error('Connection is closed.')
}

function ignoreError(): void {}

class ConnectTimeoutError extends Error {
  readonly code = 'ETIMEDOUT'
  constructor(ms: number) {
    super(`connect ETIMEDOUT: no usable connection within ${ms} ms`)
    this.name = 'ConnectTimeoutError'
  }
}

/** The server's `-ERR ...` answer to AUTH, shaped like ioredis's ReplyError (same name, same message). */
class AuthReplyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReplyError'
  }
}

function bulk(value: string): string {
  return `$${Buffer.byteLength(value)}\r\n${value}\r\n`
}

function authCommand(username: string | undefined, password: string): string {
  return username === undefined
    ? `*2\r\n${bulk('AUTH')}${bulk(password)}`
    : `*3\r\n${bulk('AUTH')}${bulk(username)}${bulk(password)}`
}

/**
 * Resolves once the socket is connected (and the TLS handshake done); rejects on error or close. Either way it
 * removes its listeners: the stream goes to ioredis, whose handlers must be the only ones.
 */
function connected(stream: Socket, tls: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const event = tls ? 'secureConnect' : 'connect'
    // The `event` listener is gone once it fired; after an error or a close the stream is discarded with it.
    const done = (error?: Error): void => {
      stream.off('error', done)
      stream.off('close', onClose)
      if (error) reject(error)
      else resolve()
    }
    const onClose = (): void => done(connectionClosed())
    stream.once(event, () => done())
    stream.once('error', done)
    stream.once('close', onClose)
  })
}

/** Sends AUTH on the raw socket and reads the one-line reply, leaving the stream paused for ioredis. */
function authenticate(stream: Socket, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let reply = ''
    const done = (error?: Error): void => {
      stream.off('data', onData)
      stream.off('error', done)
      stream.off('close', onClose)
      // ioredis's data handler resumes the stream; nothing is sent before it runs the handshake.
      stream.pause()
      if (error) reject(error)
      else resolve()
    }
    const onData = (chunk: Buffer): void => {
      reply += chunk.toString('utf8')
      const end = reply.indexOf('\r\n')
      if (end === -1) return
      const line = reply.slice(0, end)
      if (line === '+OK') done()
      else done(new AuthReplyError(line.startsWith('-') ? line.slice(1) : `unexpected AUTH reply ${line}`))
    }
    const onClose = (): void => done(connectionClosed())
    stream.on('data', onData)
    stream.once('error', done)
    stream.once('close', onClose)
    stream.write(command)
  })
}

/**
 * `promise`, or a ConnectTimeoutError once `ms` of time the process had are spent: token signing or a TLS
 * handshake starved of CPU (a cold 128 MB Lambda) is slow because of the process, not the endpoint.
 */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  const timeout = Promise.withResolvers<never>()
  const deadline = new ProcessTimeDeadline(ms, Number.POSITIVE_INFINITY, () =>
    timeout.reject(new ConnectTimeoutError(ms)),
  )
  return Promise.race([promise, timeout.promise]).finally(deadline.cancel)
}

/**
 * The ioredis connector of every pooled connection: it opens the socket (TCP or TLS) within `connectTimeout` ms
 * of time the process had, and hands ioredis a connected stream.
 *
 * ioredis's own connector arms a wall-clock socket timer that runs before the loop polls sockets, so a process
 * that was stalled (a cold start starved of CPU) while a healthy server accepted the connection gives up on it
 * and connects again: one more TLS handshake and one more token on the same starved CPU, and a queued command
 * fails after two such closes. Handing ioredis an already connected stream leaves its timer unarmed; the budget
 * is a {@link ProcessTimeDeadline} here instead.
 *
 * With a password `provider`: ioredis 6 computes its AUTH arguments from `options.password` synchronously, before
 * any connector runs, so an async credential cannot reach its handshake. This connector owns that step instead: it
 * awaits the provider, and sends `AUTH [username] password` on the connected socket before handing it over;
 * ioredis then runs its usual HELLO/SELECT/ready check without credentials. Because ioredis passes the
 * `Connector` option on to cluster nodes and to its own duplicate connections (slot refreshers), every
 * connection of a cluster connects and authenticates the same way. Without a provider, ioredis authenticates
 * with a static password itself, as usual.
 *
 * A failure (provider, network, AUTH reply, timeout) is reported like a refused TCP connection: a destroyed
 * stream with `firstError` set, so ioredis emits the error and applies its retry strategy as usual.
 */
export function poolConnector(
  provider: RedisPasswordProvider | undefined,
  username: string | undefined,
): ConnectorConstructor {
  return class PoolConnector extends AbstractConnector {
    private readonly options: ConnectorOptions

    constructor(options: unknown) {
      const connectorOptions = options as ConnectorOptions
      super(connectorOptions.disconnectTimeout ?? 2000)
      this.options = connectorOptions
    }

    connect(): Promise<NetStream> {
      this.connecting = true
      return this.open()
    }

    private async open(): Promise<NetStream> {
      const { host, port = 6379, path, family, tls, connectTimeout = 10_000 } = this.options
      const target = path ? { path } : family ? { host, port, family } : { host, port }
      this.firstError = undefined
      // A holder, not a `let`: the attempt below assigns it from inside a closure.
      const state: { stream?: Socket; abandoned?: true } = {}
      const attempt = async (): Promise<void> => {
        const password = provider === undefined ? undefined : await provider()
        if (provider !== undefined && typeof password !== 'string') {
          throw new TypeError('the password provider must return a string')
        }
        // Gave up (timeout) or disconnect() was called while the provider ran: open no socket at all.
        if (state.abandoned || !this.connecting) return
        const stream = tls ? tlsModule().connect({ ...target, ...tls }) : net().connect(target)
        // ioredis listens for a stream's first 'error' only (`once`), and a TLS socket can emit a second one (the
        // peer's alert after a reset): unheard, that would be an uncaught exception, which ends a Lambda. The
        // first error still reaches ioredis (or the steps below), and 'close' follows either way.
        stream.on('error', ignoreError)
        state.stream = stream
        this.stream = stream
        await connected(stream, tls !== undefined)
        if (password !== undefined) {
          try {
            await authenticate(stream, authCommand(username, password))
          } catch (error) {
            // A password comes only from a provider: `provider?.` is for the type checker.
            // Stryker disable next-line OptionalChaining: see above
            if (isWrongPasswordReply(error)) provider?.refused?.(password)
            throw error
          }
        }
      }
      try {
        await withTimeout(attempt(), connectTimeout)
      } catch (error) {
        // A timed-out attempt may still be awaiting its provider: it must open no socket when that returns.
        state.abandoned = true
        if (this.connecting) this.firstError = error instanceof Error ? error : new Error(String(error))
        state.stream?.destroy()
      }
      const { stream } = state
      // disconnect() was called while connecting: like ioredis's own connector, report the closed connection.
      if (!this.connecting) {
        stream?.destroy()
        throw connectionClosed()
      }
      if (stream === undefined || stream.destroyed) {
        const dead = stream ?? new (net().Socket)()
        dead.destroy()
        return dead
      }
      return stream
    }
  }
}
