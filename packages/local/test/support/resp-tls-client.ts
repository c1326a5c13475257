// A bare RESP client over TLS (or TCP) for the cache front's tests: commands written as given (pipelined when sent
// together), replies read in order. No client library, so nothing retries, reconnects or authenticates by itself.

import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import {
  encodeCommand,
  RespError,
  type RespReply,
  RespReplyReader,
} from '../../src/services/cache-front/resp.js'

export interface RawClient {
  /** Sends the commands in one write and resolves with their replies, in order. */
  send(...commands: string[][]): Promise<RespReply[]>
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>
  close(): void
}

export async function rawClient(
  port: number,
  options: { ca?: string | undefined; host?: string } = {},
): Promise<RawClient> {
  const host = options.host ?? '127.0.0.1'
  const socket: Socket = await new Promise((resolve, reject) => {
    const s =
      options.ca === undefined
        ? connectTcp({ host, port }, () => resolve(s))
        : connectTls({ host, port, ca: options.ca }, () => resolve(s))
    s.once('error', reject)
  })
  const reader = new RespReplyReader()
  const waiting: ((reply: RespReply) => void)[] = []
  socket.on('data', (chunk: Buffer) => {
    for (const reply of reader.push(chunk)) waiting.shift()?.(reply)
  })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return {
    send: (...commands) => {
      const replies = commands.map(() => new Promise<RespReply>((resolve) => waiting.push(resolve)))
      socket.write(Buffer.concat(commands.map((command) => encodeCommand(command))))
      return Promise.all(replies)
    },
    closed,
    close: () => socket.destroy(),
  }
}

/** An error reply's text, or the reply itself. */
export const errorText = (reply: RespReply | undefined): string | RespReply | undefined =>
  reply instanceof RespError ? reply.message : reply
