import type { Socket } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { AbstractConnector, type RedisOptions } from 'ioredis'
import type { RedisPasswordProvider } from './options.js'
import { ProcessTimeDeadline } from './process-time-deadline.js'

// Fetched when a connection is opened, not imported: an ESM `import` of node:net/node:tls builds their ESM
// facades, ≈3 ms of every Lambda's cold start even though ioredis has already loaded them (docs/benchmarks.md).
const net = () => process.getBuiltinModule('node:net')
const tlsModule = () => process.getBuiltinModule('node:tls')

type NetStream = Awaited<ReturnType<AbstractConnector['connect']>>
type ConnectorConstructor = NonNullable<RedisOptions['Connector']>

/** What ioredis hands a connector: the connection's own options (one node's, in cluster mode). */
interface ConnectorOptions {
  host?: string
  port?: number
  tls?: ConnectionOptions
  connectTimeout?: number
  disconnectTimeout?: number
}

const closedMessage = 'Connection is closed.'

class ConnectTimeoutError extends Error {
  readonly code = 'ETIMEDOUT'
  constructor(ms: number) {
    super(`connect ETIMEDOUT: no authenticated connection within ${ms} ms`)
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

const bulk = (value: string): string => `$${Buffer.byteLength(value)}\r\n${value}\r\n`

const authCommand = (username: string | undefined, password: string): string =>
  username === undefined
    ? `*2\r\n${bulk('AUTH')}${bulk(password)}`
    : `*3\r\n${bulk('AUTH')}${bulk(username)}${bulk(password)}`

/** Resolves once the socket is connected (and the TLS handshake done); rejects on error or close. */
const connected = (stream: Socket, tls: boolean): Promise<void> =>
  new Promise((resolve, reject) => {
    const event = tls ? 'secureConnect' : 'connect'
    const done = (error?: Error): void => {
      stream.off(event, onConnect)
      stream.off('error', done)
      stream.off('close', onClose)
      if (error) reject(error)
      else resolve()
    }
    const onConnect = (): void => done()
    const onClose = (): void => done(new Error(closedMessage))
    stream.once(event, onConnect)
    stream.once('error', done)
    stream.once('close', onClose)
  })

/** Sends AUTH on the raw socket and reads the one-line reply, leaving the stream paused for ioredis. */
const authenticate = (stream: Socket, command: string): Promise<void> =>
  new Promise((resolve, reject) => {
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
    const onClose = (): void => done(new Error(closedMessage))
    stream.on('data', onData)
    stream.once('error', done)
    stream.once('close', onClose)
    stream.write(command)
  })

/**
 * `promise`, or a ConnectTimeoutError once `ms` of time the process had are spent: token signing or a TLS
 * handshake starved of CPU (a cold 128 MB Lambda) is slow because of the process, not the endpoint.
 */
const withTimeout = <T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> => {
  let done = false
  let deadline: ProcessTimeDeadline | undefined
  const timeout = new Promise<never>((_, reject) => {
    deadline = new ProcessTimeDeadline(
      ms,
      Number.POSITIVE_INFINITY,
      () => done,
      () => {
        onTimeout()
        reject(new ConnectTimeoutError(ms))
      },
    )
  })
  return Promise.race([promise, timeout]).finally(() => {
    done = true
    deadline?.cancel()
  })
}

/**
 * An ioredis connector that authenticates with a freshly provided password on every connection attempt.
 *
 * ioredis 6 computes its AUTH arguments from `options.password` synchronously, before any connector runs, so an
 * async credential cannot reach its handshake. This connector owns that step instead: it awaits the provider,
 * opens the socket (TCP or TLS), sends `AUTH [username] password` and hands ioredis a connected, authenticated
 * stream; ioredis then runs its usual HELLO/SELECT/ready check without credentials. Because ioredis passes the
 * `Connector` option on to cluster nodes and to its own duplicate connections (slot refreshers), every
 * connection of a cluster authenticates the same way.
 *
 * A failure (provider, network, AUTH reply, timeout) is reported like a refused TCP connection: a destroyed
 * stream with `firstError` set, so ioredis emits the error and applies its retry strategy as usual.
 */
export const credentialConnector = (
  provider: RedisPasswordProvider,
  username: string | undefined,
): ConnectorConstructor =>
  class CredentialConnector extends AbstractConnector {
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
      const { host = 'localhost', port = 6379, tls, connectTimeout = 10_000 } = this.options
      this.firstError = undefined
      // A holder, not a `let`: the attempt below assigns it from inside a closure.
      const state: { stream?: Socket; timedOut: boolean } = { timedOut: false }
      const attempt = async (): Promise<void> => {
        const password = await provider()
        if (typeof password !== 'string') throw new TypeError('the password provider must return a string')
        // Gave up (timeout) or disconnect() was called while the provider ran: open no socket at all.
        if (state.timedOut || !this.connecting) return
        const stream = tls ? tlsModule().connect({ host, port, ...tls }) : net().connect({ host, port })
        state.stream = stream
        this.stream = stream
        await connected(stream, tls !== undefined)
        await authenticate(stream, authCommand(username, password))
      }
      try {
        await withTimeout(attempt(), connectTimeout, () => {
          state.timedOut = true
          state.stream?.destroy()
        })
      } catch (error) {
        if (this.connecting) this.firstError = error instanceof Error ? error : new Error(String(error))
        state.stream?.destroy()
      }
      const { stream } = state
      // disconnect() was called while connecting: like ioredis's own connector, report the closed connection.
      if (!this.connecting) {
        stream?.destroy()
        throw new Error(closedMessage)
      }
      if (stream === undefined || stream.destroyed) {
        const dead = stream ?? new (net().Socket)()
        dead.destroy()
        return dead
      }
      return stream
    }
  }
