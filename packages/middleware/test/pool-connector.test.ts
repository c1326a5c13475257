// The pool's ioredis connector against a stand-in server that answers AUTH as told: the exact command it sends,
// a reply split across packets, each way AUTH can fail (an -ERR reply, an unexpected reply, the server closing or
// resetting, a provider returning no string), the connect budget and disconnect() while connecting, reported as
// ioredis expects: a destroyed stream with `firstError`, or a rejection once disconnect() was called.
// The redis-pool tests cover the same connector against a real redis-server.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AbstractConnector } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { poolConnector } from '../src/redis-pool/pool-connector.js'

interface StandIn {
  port: number
  received: () => string
  connections: () => number
}

let server: Server | undefined
/** The stand-in's side of every connection: a half-open one would otherwise keep `server.close()` waiting. */
const sockets = new Set<Socket>()

/** Stops the stand-in: no new connections, and every open one dropped. */
async function stopStandIn(): Promise<void> {
  const closed = new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  for (const socket of sockets) socket.destroy()
  sockets.clear()
  await closed
}

afterEach(async () => {
  await stopStandIn()
  server = undefined
})

/**
 * A server that answers the first command with `reply` (sent in the pieces given; `[]`: never answers), closes on
 * `null`, or resets the connection on `'reset'`. It listens on `listen` (a Unix socket path or a host) when given;
 * with `allowHalfOpen` it keeps a connection the client ended open, as a server that does not answer would.
 */
async function standIn(
  reply: string[] | null | 'reset',
  { listen = '127.0.0.1', allowHalfOpen = false } = {},
): Promise<StandIn> {
  let received = ''
  let connections = 0
  server = createServer({ allowHalfOpen }, (socket) => {
    connections++
    sockets.add(socket)
    socket.on('data', async (chunk) => {
      received += chunk.toString()
      if (reply === null) {
        socket.destroy()
        return
      }
      if (reply === 'reset') {
        socket.resetAndDestroy()
        return
      }
      for (const piece of reply) {
        socket.write(piece)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) =>
    listen.startsWith('/') ? server?.listen(listen, resolve) : server?.listen(0, listen, resolve),
  )
  const { port } = (server.address() ?? {}) as { port: number }
  return { port, received: () => received, connections: () => connections }
}

/** ioredis passes an error emitter; this connector reports through `firstError` instead. */
const emitNothing = () => {}

type TestConnector = AbstractConnector & { firstError?: Error }

function connector(
  port: number,
  provider: (() => Promise<unknown>) | undefined,
  username?: string,
  options: Record<string, unknown> = { host: '127.0.0.1', port, connectTimeout: 2_000 },
): TestConnector {
  const Connector = poolConnector(provider as (() => Promise<string>) | undefined, username)
  return new Connector(options) as TestConnector
}

/** A connector to a stand-in that accepts TCP but never answers the TLS handshake nor closes what the client ends. */
async function silentTlsConnector(options: Record<string, unknown> = {}): Promise<TestConnector> {
  const { port } = await standIn([], { allowHalfOpen: true })
  return connector(port, undefined, undefined, {
    host: '127.0.0.1',
    port,
    tls: {},
    connectTimeout: 10_000,
    ...options,
  })
}

/** The stream goes to ioredis, which adds its own handlers: the connector's must all be gone. */
function expectOnlyTheErrorGuard(stream: Socket): void {
  for (const event of ['data', 'close', 'connect', 'secureConnect']) {
    expect(stream.listenerCount(event), event).toBe(0)
  }
  // The guard against a TLS socket's second error (ioredis listens for the first one only).
  expect(stream.listenerCount('error')).toBe(1)
}

describe('poolConnector with a password provider', () => {
  it('sends AUTH username password and hands over a live, paused stream once +OK arrives, even split', async () => {
    const { port, received } = await standIn(['+O', 'K\r\n'])
    const c = connector(port, async () => 's3cret', 'iam-user')
    const stream = await c.connect(emitNothing)
    expect(received()).toBe('*3\r\n$4\r\nAUTH\r\n$8\r\niam-user\r\n$6\r\ns3cret\r\n')
    expect(c.firstError).toBeUndefined()
    expect(stream.destroyed).toBe(false)
    expect((stream as Socket).isPaused()).toBe(true)
    expectOnlyTheErrorGuard(stream as Socket)
    stream.destroy()
  })

  it('without a username, AUTH carries the password alone', async () => {
    const { port, received } = await standIn(['+OK\r\n'])
    const stream = await connector(port, async () => 'only-password').connect(emitNothing)
    expect(received()).toBe('*2\r\n$4\r\nAUTH\r\n$13\r\nonly-password\r\n')
    stream.destroy()
  })

  it.each([
    [
      ['-WRONGPASS invalid username-password pair or user is disabled.\r\n'],
      'ReplyError',
      'WRONGPASS invalid username-password pair or user is disabled.',
    ],
    [[':1\r\n'], 'ReplyError', 'unexpected AUTH reply :1'],
    [null, 'Error', 'Connection is closed.'],
  ])('AUTH answered %j: a destroyed stream, firstError %s: %s', async (reply, name, message) => {
    const { port } = await standIn(reply)
    const c = connector(port, async () => 'stale-token', 'iam-user')
    const stream = await c.connect(emitNothing)
    expect(stream.destroyed).toBe(true)
    expect(c.firstError).toMatchObject({ name, message })
  })

  it.each([
    ['-WRONGPASS invalid username-password pair or user is disabled.\r\n', ['stale-token']],
    ['-ERR max number of clients reached\r\n', []],
    [':1\r\n', []],
  ])(
    'AUTH answered %j: the provider hears of a refused password, and only of that: %j',
    async (reply, refused) => {
      const { port } = await standIn([reply])
      const heard: string[] = []
      const provider = Object.assign(async () => 'stale-token', {
        refused: (password: string) => heard.push(password),
      })
      const stream = await connector(port, provider, 'iam-user').connect(emitNothing)
      expect(stream.destroyed).toBe(true)
      expect(heard).toEqual(refused)
    },
  )

  it('a provider returning no string fails without opening a socket', async () => {
    const { port, connections } = await standIn(['+OK\r\n'])
    const c = connector(port, async () => undefined, 'iam-user')
    const stream = await c.connect(emitNothing)
    expect(stream.destroyed).toBe(true)
    expect(c.firstError).toMatchObject({
      name: 'TypeError',
      message: 'the password provider must return a string',
    })
    expect(connections()).toBe(0)
  })
})

describe('poolConnector: where it connects', () => {
  it('without a provider it hands over the connected stream with no AUTH sent and no listeners of its own', async () => {
    const { port, received } = await standIn(['+OK\r\n'])
    const c = connector(port, undefined)
    const stream = (await c.connect(emitNothing)) as Socket
    expect(c.firstError).toBeUndefined()
    expect(stream.destroyed).toBe(false)
    expectOnlyTheErrorGuard(stream)
    await sleep(20)
    expect(received()).toBe('')
    stream.destroy()
  })

  it('a Unix socket `path` instead of host and port', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pool-connector-'))
    try {
      const path = join(directory, 'redis.sock')
      const { received } = await standIn(['+OK\r\n'], { listen: path })
      const c = connector(0, async () => 'unix-password', undefined, { path, connectTimeout: 2_000 })
      const stream = await c.connect(emitNothing)
      expect(c.firstError).toBeUndefined()
      expect(received()).toBe('*2\r\n$4\r\nAUTH\r\n$13\r\nunix-password\r\n')
      stream.destroy()
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })

  it('host defaults to localhost', async () => {
    const { port, received } = await standIn(['+OK\r\n'], { listen: 'localhost' })
    const c = connector(port, async () => 'local-password', undefined, { port, connectTimeout: 2_000 })
    const stream = await c.connect(emitNothing)
    expect(c.firstError).toBeUndefined()
    expect(received()).toContain('local-password')
    stream.destroy()
  })
})

describe('poolConnector: failures keep their own error', () => {
  it('a refused connection reports ECONNREFUSED, not a closed connection', async () => {
    const { port } = await standIn(['+OK\r\n'])
    await stopStandIn()
    const c = connector(port, async () => 'any-password')
    const stream = await c.connect(emitNothing)
    expect(stream.destroyed).toBe(true)
    expect(c.firstError).toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('a connection reset while AUTH is answered reports ECONNRESET', async () => {
    const { port } = await standIn('reset')
    const c = connector(port, async () => 'any-password')
    const stream = await c.connect(emitNothing)
    expect(stream.destroyed).toBe(true)
    expect(c.firstError).toMatchObject({ code: 'ECONNRESET' })
  })
})

describe('poolConnector: the connect budget', () => {
  it('a server that never answers AUTH: ConnectTimeoutError after connectTimeout, the socket closed', async () => {
    let closed = false
    const { port } = await standIn([])
    server?.on('connection', (socket) => socket.on('close', () => (closed = true)))
    const c = connector(port, async () => 'any-password', undefined, {
      host: '127.0.0.1',
      port,
      connectTimeout: 150,
    })
    const started = performance.now()
    const stream = await c.connect(emitNothing)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(performance.now() - started).toBeLessThan(1_500)
    expect(stream.destroyed).toBe(true)
    expect(c.firstError).toMatchObject({
      name: 'ConnectTimeoutError',
      code: 'ETIMEDOUT',
      message: 'connect ETIMEDOUT: no usable connection within 150 ms',
    })
    await sleep(50)
    expect(closed).toBe(true)
  })

  it('a provider slower than connectTimeout: the timeout, and no socket opened once the provider returns', async () => {
    const { port, connections } = await standIn(['+OK\r\n'])
    const c = connector(
      port,
      async () => {
        await sleep(300)
        return 'late-password'
      },
      undefined,
      { host: '127.0.0.1', port, connectTimeout: 100 },
    )
    const stream = await c.connect(emitNothing)
    expect(stream.destroyed).toBe(true)
    expect(c.firstError).toMatchObject({ name: 'ConnectTimeoutError' })
    await sleep(400)
    expect(connections()).toBe(0)
  })
})

describe('poolConnector: disconnect() while connecting', () => {
  it('while the provider runs: connect() rejects as closed, no error reported, no socket opened', async () => {
    const { port, connections } = await standIn(['+OK\r\n'])
    const c = connector(port, async () => {
      await sleep(100)
      return 'any-password'
    })
    const connecting = c.connect(emitNothing)
    c.disconnect()
    await expect(connecting).rejects.toThrow('Connection is closed.')
    expect(c.firstError).toBeUndefined()
    await sleep(50)
    expect(connections()).toBe(0)
  })

  it('during a TLS handshake the server never answers: rejects once disconnectTimeout destroys the socket', async () => {
    const c = await silentTlsConnector({ disconnectTimeout: 50 })
    const connecting = c.connect(emitNothing)
    await sleep(50)
    const started = performance.now()
    c.disconnect()
    await expect(connecting).rejects.toThrow('Connection is closed.')
    expect(performance.now() - started).toBeLessThan(1_500)
    expect(c.firstError).toBeUndefined()
  })

  it('disconnectTimeout defaults to ioredis’s 2 s: the socket is given time to close by itself', async () => {
    const c = await silentTlsConnector()
    const connecting = c.connect(emitNothing)
    let settled = false
    connecting.then(
      () => (settled = true),
      () => (settled = true),
    )
    await sleep(50)
    c.disconnect()
    await sleep(300)
    expect(settled).toBe(false)
    // The server going away closes the half-open socket: the attempt ends as closed.
    await stopStandIn()
    await expect(connecting).rejects.toThrow('Connection is closed.')
  })
})
