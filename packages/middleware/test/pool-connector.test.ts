// The pool's ioredis connector against a stand-in server that answers AUTH as told: the exact command it sends,
// a reply split across packets, and each way AUTH can fail (an -ERR reply, an unexpected reply, the server
// closing, a provider returning no string), reported as ioredis expects: a destroyed stream with `firstError`.
// The redis-pool tests cover the same connector against a real redis-server.
import { createServer, type Server, type Socket } from 'node:net'
import type { AbstractConnector } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { poolConnector } from '../src/redis-pool/pool-connector.js'

interface StandIn {
  port: number
  received: () => string
  connections: () => number
}

let server: Server | undefined
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

/** A server that answers the first command with `reply` (sent in the pieces given), or closes on `null`. */
async function standIn(reply: string[] | null): Promise<StandIn> {
  let received = ''
  let connections = 0
  const sockets = new Set<Socket>()
  server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('data', async (chunk) => {
      received += chunk.toString()
      if (reply === null) {
        socket.destroy()
        return
      }
      for (const piece of reply) {
        socket.write(piece)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })
    socket.on('error', () => {})
  })
  server.on('close', () => {
    for (const socket of sockets) socket.destroy()
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { port, received: () => received, connections: () => connections }
}

/** ioredis passes an error emitter; this connector reports through `firstError` instead. */
const emitNothing = () => {}

function connector(
  port: number,
  provider: () => Promise<unknown>,
  username?: string,
): AbstractConnector & { firstError?: Error } {
  const Connector = poolConnector(provider as () => Promise<string>, username)
  return new Connector({ host: '127.0.0.1', port, connectTimeout: 2_000 }) as AbstractConnector & {
    firstError?: Error
  }
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
